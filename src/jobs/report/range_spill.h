// The report window's completions, spilled to temporary files by user-id slice (IdSlices), so
// that each slice can later be counted in memory on its own, in user-id order, with flat memory
// however large the window is.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "jobs/report/id_slices.h"

namespace sluice::report {

// One completion, packed in 8 bytes: the user's offset from the smallest user id in the high
// half (ids span less than 2^32), the day's offset in the window in the low half.
using Completion = uint64_t;
inline Completion MakeCompletion(uint64_t user_offset, uint32_t day) {
  return (user_offset << 32) | day;
}
inline uint64_t UserOffsetOf(Completion c) {
  return c >> 32;
}
inline uint32_t DayOf(Completion c) {
  return static_cast<uint32_t>(c);
}

class RangeSpill {
 public:
  // One file (and one write buffer) per slice. `slices` must outlive the spill.
  explicit RangeSpill(const IdSlices& slices);

  // `user_id` must lie in [slices.min_id(), slices.max_id()].
  Status Add(int64_t user_id, uint32_t day);

  // Appends slice s's completions, in no particular order, to `out`; the slice is then empty.
  Status TakeInto(size_t s, std::vector<Completion>& out);

 private:
  Status Flush(size_t p);

  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  const IdSlices& slices_;
  std::vector<std::unique_ptr<std::FILE, Closer>> files_;
  std::vector<std::string> buffers_;
};

}  // namespace sluice::report
