// Fuzzes the CSV reader: any bytes must give records or malformed records, never a crash, and
// every byte must be accounted for.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "formats/csv_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (bool trim : {false, true}) {
    sluice::CsvReader::Options options;
    options.trim_leading_spaces = trim;
    auto reader = sluice::CsvReader::FromString(
        std::string(reinterpret_cast<const char*>(data), size), options);
    sluice::CsvRecord record;
    for (;;) {
      auto outcome = reader->Next(&record);
      if (!outcome.ok()) std::abort();  // a string source has no I/O to fail
      if (*outcome == sluice::CsvReader::Outcome::kEnd) break;
      if (*outcome == sluice::CsvReader::Outcome::kMalformed && record.error.empty()) std::abort();
    }
  }
  return 0;
}
