// Fuzzes what the warehouse does with input before the models see it: finding bytes PostgreSQL
// text cannot hold, escaping them reversibly, placing them in a CSV record, cutting JSON array
// elements that hold them, and the key checks on every record that parses.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/text_check.h"
#include "formats/csv_reader.h"
#include "formats/json_reader.h"
#include "jobs/warehouse/json_checks.h"

namespace {

// The inverse of EscapeUnstorable, as PostgreSQL's decode(text, 'escape') reads it.
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out.push_back(s[i]);
    } else if (i + 1 < s.size() && s[i + 1] == '\\') {
      out.push_back('\\');
      ++i;
    } else {
      if (i + 3 >= s.size()) std::abort();  // every escape is three octal digits
      out.push_back(
          static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string escaped = sluice::EscapeUnstorable(text);
  if (sluice::FindUnstorableByte(escaped) || Unescape(escaped) != text) std::abort();

  auto reader = sluice::CsvReader::FromString(std::string(text), {});
  sluice::CsvRecord record;
  for (;;) {
    auto outcome = reader->Next(&record);
    if (!outcome.ok()) std::abort();
    if (*outcome == sluice::CsvReader::Outcome::kEnd) break;
    if (auto fault = sluice::FindUnstorableByte(record.text)) {
      if (fault->offset >= record.text.size()) std::abort();
      if (sluice::CsvReader::FieldIndexAt(record.text, fault->offset, ',') > record.text.size()) {
        std::abort();
      }
      (void)sluice::PointOf(record.text, fault->offset);
    }
  }

  auto isolated = sluice::warehouse::IsolateUnstorableElements(text);
  if (isolated.ok() && !isolated->elements.empty()) {
    if (sluice::FindUnstorableByte(isolated->text)) std::abort();
    for (const auto& e : isolated->elements) {
      if (e.raw.empty() || e.reason.empty()) std::abort();
    }
  }
  const std::string_view json =
      isolated.ok() && !isolated->elements.empty() ? std::string_view(isolated->text) : text;
  (void)sluice::ForEachJsonRecordInString(
      json, sluice::JsonLayout::kAuto,
      [](const sluice::JsonPosition&, const simdjson::dom::element* e, std::string_view,
         std::string_view) {
        if (e) {
          for (const auto& model : sluice::warehouse::Models())
            (void)sluice::warehouse::FindAmbiguousKeys(model, *e);
        }
        return sluice::Status::Ok();
      });
  return 0;
}
