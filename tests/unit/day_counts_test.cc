#include "jobs/report/day_counts.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

namespace sluice::report {
namespace {

// Counts what a (dense or sparse) DayCounts reports for users [first, first + width) and
// checks it against counting the completions by hand.
void ExpectCountsMatch(uint64_t width, uint32_t days, uint64_t first, size_t n, bool dense) {
  std::mt19937_64 rng(42);
  std::vector<Completion> completions;
  std::map<std::pair<uint64_t, uint32_t>, uint32_t> expected;
  for (size_t i = 0; i < n; ++i) {
    // Users clustered on a few ids so that counts above one occur.
    const uint64_t user = first + (rng() % 64) * (width / 64);
    const uint32_t day = static_cast<uint32_t>(rng() % days);
    completions.push_back(MakeCompletion(user, day));
    ++expected[{user, day}];
  }
  DayCounts counts(width, days);
  ASSERT_EQ(counts.dense(), dense);
  counts.Load(completions, first);
  uint64_t claimed = 0;
  // Ask for every other user that has completions: the rest must show up as unclaimed.
  std::set<uint64_t> users;
  for (const auto& [key, count] : expected)
    users.insert(key.first);
  bool skip = false;
  uint64_t skipped = 0;
  for (uint64_t user : users) {
    skip = !skip;
    if (skip) {
      for (const auto& [key, count] : expected)
        skipped += key.first == user ? count : 0;
      continue;
    }
    uint64_t total = 0;
    auto per_day = counts.ForUser(user, &total);
    ASSERT_EQ(per_day.size(), days);
    uint64_t sum = 0;
    for (uint32_t d = 0; d < days; ++d) {
      auto it = expected.find({user, d});
      EXPECT_EQ(per_day[d], it == expected.end() ? 0u : it->second) << user << " day " << d;
      sum += per_day[d];
    }
    EXPECT_EQ(total, sum);
    claimed += total;
  }
  EXPECT_EQ(claimed + skipped, n);
  EXPECT_EQ(counts.unclaimed(), skipped);
}

TEST(DayCounts, ADenseRangeCountsEveryUserDay) {
  ExpectCountsMatch(/*width=*/8192, /*days=*/30, /*first=*/3 * 8192, 50000, /*dense=*/true);
}

TEST(DayCounts, ASparseRangeCountsTheSameWithoutATable) {
  ExpectCountsMatch(/*width=*/uint64_t{1} << 26, /*days=*/30, /*first=*/uint64_t{5} << 26, 50000,
                    /*dense=*/false);
}

TEST(DayCounts, UsersOutsideTheRangeOrWithoutCompletionsHaveNone) {
  DayCounts counts(100, 7);
  std::vector<Completion> completions = {MakeCompletion(105, 2), MakeCompletion(105, 2)};
  counts.Load(completions, 100);
  uint64_t total = 1;
  EXPECT_TRUE(counts.ForUser(99, &total).empty());
  EXPECT_EQ(total, 0u);
  auto none = counts.ForUser(101, &total);
  EXPECT_EQ(total, 0u);
  for (uint32_t n : none)
    EXPECT_EQ(n, 0u);
  auto two = counts.ForUser(105, &total);
  EXPECT_EQ(total, 2u);
  EXPECT_EQ(two[2], 2u);
  EXPECT_TRUE(counts.ForUser(200, &total).empty());
  EXPECT_EQ(counts.unclaimed(), 0u);
  // Loading the next range starts from zero.
  std::vector<Completion> next = {MakeCompletion(230, 6)};
  counts.Load(next, 200);
  EXPECT_EQ(counts.unclaimed(), 1u);
  EXPECT_EQ(counts.ForUser(230, &total)[6], 1u);
}

TEST(RangeSpill, EveryCompletionComesBackInItsRange) {
  RangeSpill spill(1000, 1000 + 128 * 50 - 1);  // 50 ids per range
  std::vector<std::vector<Completion>> expected(RangeSpill::kPartitions);
  // Enough for several partitions to overflow their buffers into files.
  for (int64_t i = 0; i < 300000; ++i) {
    const int64_t user = 1000 + (i * 7919) % (128 * 50);
    const uint32_t day = static_cast<uint32_t>(i % 30);
    ASSERT_TRUE(spill.Add(user, day).ok());
    const uint64_t offset = static_cast<uint64_t>(user - 1000);
    expected[spill.PartitionOf(offset)].push_back(MakeCompletion(offset, day));
  }
  EXPECT_EQ(spill.width(), 50u);
  for (size_t p = 0; p < RangeSpill::kPartitions; ++p) {
    std::vector<Completion> got;
    ASSERT_TRUE(spill.TakeInto(p, got).ok());
    std::sort(got.begin(), got.end());
    std::sort(expected[p].begin(), expected[p].end());
    ASSERT_EQ(got, expected[p]) << "partition " << p;
    for (Completion c : got)
      EXPECT_EQ(spill.PartitionOf(UserOffsetOf(c)), p);
  }
}

}  // namespace
}  // namespace sluice::report
