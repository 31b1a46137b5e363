#include "jobs/report/completion_row.h"

#include <fmt/format.h>

#include <charconv>

#include "core/strings.h"
#include "core/time_parse.h"

namespace sluice::report {
namespace {

// Values are quoted as MySQL sent them, cut short: an id or a date is no secret, but a column
// of the wrong type could hold anything.
std::string Shown(std::string_view value) {
  constexpr size_t kMax = 40;
  std::string out;
  for (char c : value.substr(0, kMax)) {
    const auto u = static_cast<unsigned char>(c);
    out += u < 0x20 || u == 0x7f ? '?' : c;
  }
  return value.size() > kMax ? out + "..." : out;
}

std::optional<std::string> Copy(std::optional<std::string_view> v) {
  return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}

// Offsets from lo are unsigned, so a BIGINT UNSIGNED key above 2^63 or a span wider than
// int64 splits as well as a small one; each range starts where the last ended, so none is
// empty or inverted.
template <typename Id>
std::vector<std::string> SplitRange(Id lo, Id hi, int n) {
  std::vector<std::string> out;
  if (hi < lo) return out;
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  const uint64_t step = span / static_cast<uint64_t>(n) + 1;
  auto at = [&](uint64_t offset) { return static_cast<Id>(static_cast<uint64_t>(lo) + offset); };
  for (uint64_t from = 0;;) {
    const uint64_t to = span - from < step ? span : from + step - 1;
    out.push_back(fmt::format("completion_id BETWEEN {} AND {}", at(from), at(to)));
    if (to == span) return out;
    from = to + 1;
  }
}

}  // namespace

std::vector<std::string> SplitCompletionIds(std::string_view lo_text, std::string_view hi_text,
                                            int n) {
  int64_t lo, hi;
  if (ParseInt(lo_text, &lo) && ParseInt(hi_text, &hi)) return SplitRange(lo, hi, n);
  uint64_t ulo, uhi;
  if (ParseInt(lo_text, &ulo) && ParseInt(hi_text, &uhi)) return SplitRange(ulo, uhi, n);
  return {};
}

std::optional<BadCompletion> ReadCompletionRow(std::optional<std::string_view> user_id,
                                               std::optional<std::string_view> completion_date,
                                               int32_t first_day, int days, CompletionRow* row) {
  row->user_id_fits = false;
  if (user_id) {
    const std::string_view text = *user_id;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), row->user_id);
    const bool whole = !text.empty() && end == text.data() + text.size();
    if (whole && ec == std::errc()) {
      row->user_id_fits = true;
    } else if (!(whole && ec == std::errc::result_out_of_range)) {
      return BadCompletion{"user_id", Copy(user_id), "is not an integer"};
    }
  }
  int32_t day;
  std::string why;
  if (!completion_date || !ParseDate(*completion_date, &day, &why)) {
    // The window's comparison never selects NULL; a view could still send one.
    return BadCompletion{"completion_date", Copy(completion_date),
                         "is not a calendar day (MySQL accepts zero months and days and, with "
                         "ALLOW_INVALID_DATES, days a month does not have): no day of the report "
                         "can hold it"};
  }
  if (day < first_day || day - first_day >= days) {
    return BadCompletion{"completion_date", Copy(completion_date),
                         "lies outside the window it was read for"};
  }
  row->day = static_cast<uint32_t>(day - first_day);
  return std::nullopt;
}

Status BadCompletionError(std::string_view table, std::string_view completion_id,
                          const BadCompletion& bad) {
  return DatabaseError(fmt::format("{} row completion_id={}: {} '{}' {}", table,
                                   completion_id.empty() ? "?" : Shown(completion_id), bad.column,
                                   bad.value ? Shown(*bad.value) : "NULL", bad.why));
}

}  // namespace sluice::report
