// Fuzzes the warehouse models file loader (jobs/warehouse/models_file.h) over the YAML reader,
// and JSON paths (json_path.h): any bytes load or give errors, never a crash, a hang on aliases
// or an unbounded list of errors; errors come sorted with real positions; a loaded model has a
// name, a table, fields and a key, and none of the columns Sluice adds; and every field's path
// reads a few fixed records without a crash. The bytes are also tried as one JSON path.
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "error_checks.h"
#include "jobs/warehouse/json_path.h"
#include "jobs/warehouse/models_file.h"

namespace {

constexpr std::string_view kRecords[] = {
    R"({"a":{"b":[1,{"c":"x"},null]},"movies":[{"title":"end"},{"title":"T"}],"m":[[0]]})",
    R"([{"a":1},"b",null,true,-0.5e3,12])",
    R"({"a":"b","b":[],"books":[{"metadata":{"title":{"x":1}}}]})",
};

const simdjson::dom::element* Records() {
  static simdjson::dom::parser parsers[std::size(kRecords)];
  static simdjson::dom::element elements[std::size(kRecords)];
  static const bool parsed = [] {
    for (size_t i = 0; i < std::size(kRecords); ++i) {
      if (parsers[i].parse(kRecords[i].data(), kRecords[i].size()).get(elements[i])) std::abort();
    }
    return true;
  }();
  (void)parsed;
  return elements;
}

void ReadEveryRecord(const sluice::warehouse::JsonPath& path) {
  for (size_t i = 0; i < std::size(kRecords); ++i) {
    auto value = sluice::warehouse::ExtractJsonPath(path, Records()[i]);
    if (!value.ok() && value.status().message().empty()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice::warehouse;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const LoadedModels loaded = ParseModels(bytes);
  sluice::fuzz::CheckErrorsSortedAndBounded(loaded.errors, kMaxModelErrors);
  if (loaded.ok() == loaded.models.empty()) std::abort();
  for (const Model& m : loaded.models) {
    if (m.name.empty() || m.table.empty() || m.fields.empty() || m.KeyColumns().empty())
      std::abort();
    for (const ModelField& f : m.fields) {
      if (f.column == "content_hash" || f.column == "updated_at" || f.csv_header.empty() ||
          f.json.steps.empty() || f.json.HasEach() != (f.json.pick != JsonPick::kNone)) {
        std::abort();
      }
      ReadEveryRecord(f.json);
    }
    if (CreateTableSql(m).empty() || FindModel(loaded.models, m.name) == nullptr) std::abort();
  }
  if (size <= 4096) {
    JsonPath path;
    if (auto error = ParseJsonPath(bytes, &path)) {
      if (error->offset > size || error->message.empty()) std::abort();
    } else {
      if (path.steps.empty() || path.keys.empty() || path.steps.size() > kMaxJsonPathSteps)
        std::abort();
      path.pick = JsonPick::kLast;
      path.skip = {"end"};
      ReadEveryRecord(path);
    }
  }
  return 0;
}
