#include "jobs/report/id_slices.h"

#include <algorithm>

namespace sluice::report {
namespace {

constexpr size_t kBuckets = 4096;
// Fewer sampled ids per slice than this and the quantiles are mostly noise.
constexpr size_t kMinSamplePerSlice = 4;
// Equal widths stay while no slice would hold more than this many times its share of the
// sample: they are exact for dense ids, where a sample's quantiles are only close.
constexpr size_t kSkew = 4;

}  // namespace

IdSlices::IdSlices(std::vector<int64_t> firsts, int64_t max_id)
    : firsts_(std::move(firsts)), max_(max_id) {
  const uint64_t span = static_cast<uint64_t>(max_ - firsts_.front()) + 1;
  bucket_width_ = std::max<uint64_t>(1, (span + kBuckets - 1) / kBuckets);
  const size_t buckets = static_cast<size_t>((span + bucket_width_ - 1) / bucket_width_);
  bucket_slice_.resize(buckets);
  size_t s = 0;
  for (size_t b = 0; b < buckets; ++b) {
    const int64_t bucket_first = firsts_.front() + static_cast<int64_t>(b * bucket_width_);
    while (s + 1 < firsts_.size() && firsts_[s + 1] <= bucket_first)
      ++s;
    bucket_slice_[b] = static_cast<uint32_t>(s);
  }
}

IdSlices IdSlices::EqualWidth(int64_t min_id, int64_t max_id, size_t count) {
  count = std::max<size_t>(1, count);
  const uint64_t span = static_cast<uint64_t>(max_id - min_id) + 1;
  const uint64_t width = std::max<uint64_t>(1, (span + count - 1) / count);
  std::vector<int64_t> firsts;
  for (uint64_t first = 0; first < span && firsts.size() < count; first += width)
    firsts.push_back(min_id + static_cast<int64_t>(first));
  return IdSlices(std::move(firsts), max_id);
}

IdSlices IdSlices::FromSample(int64_t min_id, int64_t max_id, std::vector<int64_t> sample,
                              size_t count) {
  count = std::max<size_t>(1, count);
  std::erase_if(sample, [&](int64_t id) { return id < min_id || id > max_id; });
  IdSlices equal = EqualWidth(min_id, max_id, count);
  if (sample.size() < count * kMinSamplePerSlice) return equal;
  std::vector<size_t> per_slice(equal.count());
  for (int64_t id : sample)
    ++per_slice[equal.SliceOf(id)];
  if (*std::max_element(per_slice.begin(), per_slice.end()) * equal.count() <=
      kSkew * sample.size()) {
    return equal;
  }
  std::sort(sample.begin(), sample.end());
  std::vector<int64_t> firsts = {min_id};
  for (size_t s = 1; s < count; ++s) {
    const int64_t quantile = sample[s * sample.size() / count];
    if (quantile > firsts.back()) firsts.push_back(quantile);  // repeated ids make no slice
  }
  return IdSlices(std::move(firsts), max_id);
}

uint64_t IdSlices::width(size_t s) const {
  const int64_t end = s + 1 < firsts_.size() ? firsts_[s + 1] : max_ + 1;
  return static_cast<uint64_t>(end - firsts_[s]);
}

size_t IdSlices::SliceOf(int64_t id) const {
  const size_t b = static_cast<size_t>(static_cast<uint64_t>(id - firsts_.front()) / bucket_width_);
  const size_t lo = bucket_slice_[b];
  const size_t hi = b + 1 < bucket_slice_.size() ? bucket_slice_[b + 1] + 1 : firsts_.size();
  // The last slice in [lo, hi) whose first id is <= id.
  auto it = std::upper_bound(firsts_.begin() + static_cast<std::ptrdiff_t>(lo),
                             firsts_.begin() + static_cast<std::ptrdiff_t>(hi), id);
  return static_cast<size_t>(it - firsts_.begin()) - 1;
}

}  // namespace sluice::report
