// User-id ranges ("slices") that split the report's users into groups of about equal size, so
// that counting one slice at a time keeps memory flat whatever the ids look like: a serial
// column, ids with gaps, or a few ids far above the rest.
//
// Slices have equal widths of ids when a sample of the ids says that is even enough (dense ids,
// ids with regular gaps), and boundaries at the sample's quantiles when it is not (a few ids
// far above the rest, clusters). Without a usable sample they have equal widths.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sluice::report {

class IdSlices {
 public:
  // `count` slices of equal width over [min_id, max_id].
  static IdSlices EqualWidth(int64_t min_id, int64_t max_id, size_t count);
  // Up to `count` slices over [min_id, max_id]: equal widths unless one of them would hold
  // more than 4 times its share of `sample` (ids in that range, in any order), else boundaries
  // at the sample's quantiles. Equal widths too when the sample is too small to say anything.
  static IdSlices FromSample(int64_t min_id, int64_t max_id, std::vector<int64_t> sample,
                             size_t count);

  size_t count() const { return firsts_.size(); }
  int64_t min_id() const { return firsts_.front(); }
  int64_t max_id() const { return max_; }
  // The first id of slice s, and how many ids it spans.
  int64_t first(size_t s) const { return firsts_[s]; }
  uint64_t width(size_t s) const;
  // The slice holding `id`, which must lie in [min_id, max_id].
  size_t SliceOf(int64_t id) const;

 private:
  IdSlices(std::vector<int64_t> firsts, int64_t max_id);

  std::vector<int64_t> firsts_;  // ascending, firsts_[0] == min_id
  int64_t max_;
  // A coarse index over equal-width buckets of [min, max]: the slice of each bucket's first id,
  // so that SliceOf searches only the few slices a bucket overlaps.
  uint64_t bucket_width_ = 1;
  std::vector<uint32_t> bucket_slice_;
};

}  // namespace sluice::report
