#include "jobs/warehouse/csv_header.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "core/text_check.h"

namespace sluice::warehouse {
namespace {

std::string Listed(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

}  // namespace

Result<CsvHeaderMap> MapCsvHeader(const Model& model, const CsvRecord& header,
                                  bool allow_extra_columns) {
  const uint64_t line = header.line;
  if (auto fault = FindUnstorableByte(header.text)) {
    const TextPoint at = PointOf(header.text, fault->offset);
    return InvalidArgument(fmt::format(
        "line {}, column {} (header column {}): {}; a header must be UTF-8 text",
        line + at.line - 1, at.column, CsvReader::FieldIndexAt(header.text, fault->offset, ',') + 1,
        fault->Describe()));
  }
  CsvHeaderMap map;
  // A model's headers are matched in any letter case too (a declared one may be "Title").
  std::vector<std::string> model_headers;
  for (const auto& f : model.fields)
    model_headers.push_back(AsciiLower(f.csv_header));
  std::vector<std::string> folded;
  for (const auto& f : header.fields) {
    map.names.emplace_back(TrimBlanks(f.value));
    folded.push_back(AsciiLower(map.names.back()));
  }
  for (size_t i = 0; i < folded.size(); ++i) {
    for (size_t j = i + 1; j < folded.size(); ++j) {
      if (folded[i] != folded[j]) continue;
      return InvalidArgument(fmt::format(
          "line {}: the header names column '{}' twice (columns {} and {}, written '{}' and "
          "'{}'): which one to load is ambiguous",
          line, folded[i], i + 1, j + 1, map.names[i], map.names[j]));
    }
  }
  // Columns the model does not know, named by number: "column 3 'titel'".
  std::string unknown;
  for (size_t i = 0; i < folded.size(); ++i) {
    const bool known =
        std::find(model_headers.begin(), model_headers.end(), folded[i]) != model_headers.end();
    if (!known) {
      unknown += fmt::format("{}column {} '{}'", unknown.empty() ? "" : ", ", i + 1, map.names[i]);
    }
  }
  for (size_t f = 0; f < model.fields.size(); ++f) {
    const ModelField& field = model.fields[f];
    auto it = std::find(folded.begin(), folded.end(), model_headers[f]);
    // A content-hash model's key is every field: a column loaded as NULL would key each row
    // anew, beside the same row loaded from a file that had it.
    if (it == folded.end() && !field.key && !model.content_hash_key) {
      map.source_index.push_back(CsvHeaderMap::kAbsent);
      map.absent.push_back(field.csv_header);
      continue;
    }
    if (it == folded.end()) {
      std::string found;
      for (const auto& h : map.names)
        found += (found.empty() ? "" : ", ") + h;
      std::string message =
          fmt::format("line {}: the header has no column '{}', part of model {}'s key (found: {})",
                      line, field.csv_header, model.name, found);
      if (!unknown.empty())
        message += fmt::format("; not columns of model {}: {}", model.name, unknown);
      return InvalidArgument(message);
    }
    map.source_index.push_back(static_cast<size_t>(it - folded.begin()));
  }
  if (!allow_extra_columns && !unknown.empty()) {
    std::string known;
    for (const auto& f : model.fields)
      known += (known.empty() ? "" : ", ") + f.csv_header;
    return InvalidArgument(fmt::format(
        "line {}: the header has {} beside the columns of model {} ({}): a misspelt column "
        "or a different file? Rename it, or pass --ignore-extra-columns to load without it{}",
        line, unknown, model.name, known,
        map.absent.empty() ? "" : fmt::format(" (the file has no column {})", Listed(map.absent))));
  }
  return map;
}

}  // namespace sluice::warehouse
