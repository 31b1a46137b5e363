#include "jobs/report/completion_row.h"

#include <fmt/format.h>

#include <charconv>

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

}  // namespace

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
