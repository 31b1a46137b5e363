// Fuzzes the streaming record splitter `queue send` and `logins run --file` read files with:
// the records must not depend on where the read chunks end, a record passed on is never over
// the limit, and an array's elements carry no blank outside their strings.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "formats/json_record_stream.h"

namespace {

struct Seen {
  std::string position, text;
  uint64_t size;
  bool oversized;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> Split(std::string_view text, size_t max, size_t chunk, bool* ok) {
  std::vector<Seen> seen;
  sluice::Status st = sluice::ForEachRawJsonRecordInString(
      text, max,
      [&](const sluice::RawJsonRecord& r) {
        if (!r.oversized && (r.text.size() != r.size || r.size > max)) std::abort();
        if (r.oversized && (!r.text.empty() || r.size <= max)) std::abort();
        seen.push_back({r.position.ToString(), std::string(r.text), r.size, r.oversized});
        return sluice::Status::Ok();
      },
      chunk);
  *ok = st.ok();
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t max = 16;
  bool whole_ok, bytes_ok, threes_ok;
  auto whole = Split(text, max, size + 1, &whole_ok);
  auto bytes = Split(text, max, 1, &bytes_ok);
  auto threes = Split(text, max, 3, &threes_ok);
  if (whole != bytes || whole != threes || whole_ok != bytes_ok || whole_ok != threes_ok) {
    std::abort();
  }
  return 0;
}
