// Fuzzes timestamp and date parsing (numeric offsets and IANA zone names): a parsed timestamp
// must format and parse back to itself.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/time_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  int64_t micros;
  if (sluice::ParseTimestamp(text, &micros, &error)) {
    // An offset can carry an instant past year 9999 or before year 0, which the four-digit
    // input form cannot spell; only four-digit years must round-trip.
    std::string formatted = sluice::FormatTimestampUtc(micros);
    int64_t again;
    if (formatted[0] != '-' && formatted[4] == '-' &&
        (!sluice::ParseTimestamp(formatted, &again, &error) || again != micros)) {
      std::abort();
    }
  }
  // A naive timestamp taken in a zone (--timezone) is one instant or a refusal, never a crash; one
  // naming its own zone goes through the tz database above.
  static sluice::TimeZone paris;
  static const bool have_paris = sluice::FindTimeZone("Europe/Paris", &paris, &error);
  if (have_paris && sluice::ParseTimestampIn(text, &paris, &micros, &error)) {
    (void)sluice::FormatTimestampUtc(micros);
  }
  int32_t days;
  (void)sluice::ParseDate(text, &days, &error);
  return 0;
}
