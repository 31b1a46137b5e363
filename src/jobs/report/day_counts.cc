#include "jobs/report/day_counts.h"

#include <algorithm>

namespace sluice::report {
namespace {

// Above this many cells (4 MiB of counters) a range is sorted instead of counted.
constexpr uint64_t kMaxDenseCells = uint64_t{1} << 20;

}  // namespace

DayCounts::DayCounts(uint32_t days) : days_(days), user_days_(days) {}

void DayCounts::Load(std::vector<Completion>& completions, uint64_t first, uint64_t width) {
  first_ = first;
  width_ = width;
  dense_ = width * days_ <= kMaxDenseCells;
  loaded_ = completions.size();
  claimed_ = 0;
  if (dense_) {
    cells_.assign(width * days_, 0);  // keeps the capacity of earlier slices
    for (Completion c : completions)
      ++cells_[(UserOffsetOf(c) - first) * days_ + DayOf(c)];
    completions.clear();
    return;
  }
  std::sort(completions.begin(), completions.end());
  sorted_.swap(completions);
  completions.clear();
  cursor_ = 0;
}

std::span<const uint32_t> DayCounts::ForUser(uint64_t offset, uint64_t* total) {
  *total = 0;
  if (offset < first_ || offset - first_ >= width_) return {};
  if (dense_) {
    std::span<const uint32_t> days(cells_.data() + (offset - first_) * days_, days_);
    for (uint32_t n : days)
      *total += n;
    claimed_ += *total;
    return days;
  }
  while (cursor_ < sorted_.size() && UserOffsetOf(sorted_[cursor_]) < offset)
    ++cursor_;
  std::fill(user_days_.begin(), user_days_.end(), 0);
  for (; cursor_ < sorted_.size() && UserOffsetOf(sorted_[cursor_]) == offset; ++cursor_) {
    ++user_days_[DayOf(sorted_[cursor_])];
    ++*total;
  }
  claimed_ += *total;
  return user_days_;
}

}  // namespace sluice::report
