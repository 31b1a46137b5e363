// Fuzzes the JSON record reader and the scalar lookups the warehouse models use.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "formats/json_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static sluice::JsonParser parser;
  for (auto layout : {sluice::JsonLayout::kAuto, sluice::JsonLayout::kNdjson}) {
    (void)sluice::ForEachJsonRecordInString(
        text, layout,
        [](const sluice::JsonPosition&, const simdjson::dom::element* e, std::string_view,
           std::string_view) {
          if (e) {
            (void)sluice::JsonScalarAt(*e, "metadata.name");
            (void)sluice::JsonScalarAt(*e, "a");
            // Outsized numbers are written back as numbers, so the text must parse again.
            const std::string again = sluice::JsonMinify(*e);
            simdjson::dom::element reparsed;
            if (parser.Parse(again, &reparsed) != simdjson::SUCCESS) std::abort();
          }
          return sluice::Status::Ok();
        });
  }
  return 0;
}
