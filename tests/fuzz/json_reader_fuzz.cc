// Fuzzes the JSON record reader and the scalar lookups the warehouse models use.
#include <cstdint>
#include <string_view>

#include "formats/json_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto layout : {sluice::JsonLayout::kAuto, sluice::JsonLayout::kNdjson}) {
    (void)sluice::ForEachJsonRecordInString(
        text, layout,
        [](const sluice::JsonPosition&, const simdjson::dom::element* e, std::string_view,
           std::string_view) {
          if (e) {
            (void)sluice::JsonScalarAt(*e, "metadata.name");
            (void)sluice::JsonScalarAt(*e, "a");
          }
          return sluice::Status::Ok();
        });
  }
  return 0;
}
