// The report window's completions, spilled to temporary files by user-id range, so that each
// range can later be counted in memory on its own, in user-id order, with flat memory however
// large the window is.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace sluice::report {

// One completion, packed in 8 bytes: the user's offset from the smallest user id in the high
// half, the day's offset in the window in the low half.
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
  static constexpr size_t kPartitions = 128;

  // Partitions split [min_user, max_user] into kPartitions ranges of equal width.
  RangeSpill(int64_t min_user, int64_t max_user);

  uint64_t width() const { return width_; }  // user ids per partition
  // The partition holding a user offset (offsets of ids in [min, max] only).
  size_t PartitionOf(uint64_t user_offset) const {
    return static_cast<size_t>(user_offset / width_);
  }

  // `user_id` must lie in [min, max].
  Status Add(int64_t user_id, uint32_t day);

  // Appends partition p's completions, in no particular order, to `out`; the partition is
  // then empty.
  Status TakeInto(size_t p, std::vector<Completion>& out);

 private:
  Status Flush(size_t p);

  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  int64_t min_;
  uint64_t width_;
  std::vector<std::unique_ptr<std::FILE, Closer>> files_;
  std::vector<std::string> buffers_;
};

}  // namespace sluice::report
