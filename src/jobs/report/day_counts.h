// Lessons per user per day for one slice of user ids, looked up user by user in id order.
//
// A dense slice (ids × days small enough) is counted into a table in one pass; a sparse one
// (ids spread thinly over a wide span) is sorted instead, so memory never follows the span.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "jobs/report/range_spill.h"

namespace sluice::report {

class DayCounts {
 public:
  // The window has `days` days.
  explicit DayCounts(uint32_t days);

  // Loads the completions of the users with offsets in [first, first + width), in any order.
  // `completions` is consumed.
  void Load(std::vector<Completion>& completions, uint64_t first, uint64_t width);

  // The per-day counts of the user at `offset`, and their sum in `*total`. Offsets must come
  // in increasing order; one outside the loaded range has no completions.
  std::span<const uint32_t> ForUser(uint64_t offset, uint64_t* total);

  // Completions of the loaded range that no ForUser call claimed: ids unknown to the caller.
  uint64_t unclaimed() const { return loaded_ - claimed_; }

  bool dense() const { return dense_; }

 private:
  uint32_t days_;
  uint64_t width_ = 0;
  bool dense_ = true;
  uint64_t first_ = 0;
  uint64_t loaded_ = 0;
  uint64_t claimed_ = 0;
  std::vector<uint32_t> cells_;      // dense: width × days, by offset then day
  std::vector<Completion> sorted_;   // sparse: the range's completions, sorted
  size_t cursor_ = 0;                // sparse: the first completion not yet looked at
  std::vector<uint32_t> user_days_;  // sparse: the counts ForUser returns
};

}  // namespace sluice::report
