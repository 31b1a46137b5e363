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
  DayCounts counts(days);
  counts.Load(completions, first, width);
  ASSERT_EQ(counts.dense(), dense);
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
  DayCounts counts(7);
  std::vector<Completion> completions = {MakeCompletion(105, 2), MakeCompletion(105, 2)};
  counts.Load(completions, 100, 100);
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
  counts.Load(next, 200, 50);
  EXPECT_EQ(counts.unclaimed(), 1u);
  EXPECT_EQ(counts.ForUser(230, &total)[6], 1u);
}

TEST(RangeSpill, EveryCompletionComesBackInItsSlice) {
  const IdSlices slices = IdSlices::EqualWidth(1000, 1000 + 128 * 50 - 1, 128);  // 50 ids each
  RangeSpill spill(slices);
  std::vector<std::vector<Completion>> expected(slices.count());
  // Enough for several slices to overflow their buffers into files.
  for (int64_t i = 0; i < 300000; ++i) {
    const int64_t user = 1000 + (i * 7919) % (128 * 50);
    const uint32_t day = static_cast<uint32_t>(i % 30);
    ASSERT_TRUE(spill.Add(user, day).ok());
    expected[slices.SliceOf(user)].push_back(
        MakeCompletion(static_cast<uint64_t>(user - 1000), day));
  }
  for (size_t s = 0; s < slices.count(); ++s) {
    EXPECT_EQ(slices.width(s), 50u);
    std::vector<Completion> got;
    ASSERT_TRUE(spill.TakeInto(s, got).ok());
    std::sort(got.begin(), got.end());
    std::sort(expected[s].begin(), expected[s].end());
    ASSERT_EQ(got, expected[s]) << "slice " << s;
  }
}

// Every id maps to the slice whose range holds it, and the ranges tile [min, max].
void ExpectSlicesTile(const IdSlices& slices, const std::vector<int64_t>& probes) {
  ASSERT_GE(slices.count(), 1u);
  uint64_t covered = 0;
  for (size_t s = 0; s < slices.count(); ++s) {
    if (s > 0) {
      EXPECT_GT(slices.first(s), slices.first(s - 1));
    }
    covered += slices.width(s);
  }
  EXPECT_EQ(covered, static_cast<uint64_t>(slices.max_id() - slices.min_id()) + 1);
  for (int64_t id : probes) {
    const size_t s = slices.SliceOf(id);
    ASSERT_LT(s, slices.count());
    EXPECT_LE(slices.first(s), id);
    EXPECT_LT(static_cast<uint64_t>(id - slices.first(s)), slices.width(s)) << id;
  }
}

TEST(IdSlices, EqualWidthsTileTheRange) {
  const IdSlices slices = IdSlices::EqualWidth(1, 1000000, 128);
  EXPECT_EQ(slices.count(), 128u);
  ExpectSlicesTile(slices, {1, 2, 7812, 7813, 7814, 500000, 999999, 1000000});
  const IdSlices tiny = IdSlices::EqualWidth(5, 7, 128);  // fewer ids than slices
  EXPECT_EQ(tiny.count(), 3u);
  ExpectSlicesTile(tiny, {5, 6, 7});
}

TEST(IdSlices, QuantilesKeepOneFarIdFromTakingEveryUserIntoOneSlice) {
  // A million dense ids and one far above them: equal widths would put every user but one in
  // the first slice.
  std::vector<int64_t> sample;
  for (int64_t id = 1; id <= 1000000; id += 50)
    sample.push_back(id);
  sample.push_back(2000000000);
  const IdSlices slices = IdSlices::FromSample(1, 2000000000, sample, 128);
  EXPECT_GE(slices.count(), 120u);
  std::vector<size_t> users_per_slice(slices.count());
  for (int64_t id = 1; id <= 1000000; ++id)
    ++users_per_slice[slices.SliceOf(id)];
  ++users_per_slice[slices.SliceOf(2000000000)];
  EXPECT_LE(*std::max_element(users_per_slice.begin(), users_per_slice.end()), 2 * 1000000u / 128);
  ExpectSlicesTile(slices, {1, 2, 999999, 1000000, 1000001, 1999999999, 2000000000});
}

TEST(IdSlices, AnEvenSampleKeepsTheExactEqualWidths) {
  // Dense ids sampled in runs (page by page): even enough for equal widths.
  std::vector<int64_t> sample;
  for (int64_t page = 0; page < 1000000 / 180; page += 7) {
    for (int64_t id = page * 180 + 1; id <= page * 180 + 180; id += 16)
      sample.push_back(id);
  }
  const IdSlices slices = IdSlices::FromSample(1, 1000000, sample, 128);
  const IdSlices equal = IdSlices::EqualWidth(1, 1000000, 128);
  ASSERT_EQ(slices.count(), equal.count());
  for (size_t s = 0; s < slices.count(); ++s)
    EXPECT_EQ(slices.first(s), equal.first(s));
}

TEST(IdSlices, ASampleTooSmallOrRepeatedFallsBackOrMerges) {
  const IdSlices few = IdSlices::FromSample(1, 1000, {3, 500, 900}, 128);
  EXPECT_EQ(few.count(), 125u);  // equal widths of 8 ids
  EXPECT_EQ(few.first(1), 9);
  ExpectSlicesTile(few, {1, 500, 1000});
  // The same id sampled over and over makes no empty slices.
  std::vector<int64_t> repeated(1000, 42);
  repeated.push_back(7);
  const IdSlices merged = IdSlices::FromSample(1, 100, repeated, 128);
  EXPECT_LE(merged.count(), 3u);
  ExpectSlicesTile(merged, {1, 7, 41, 42, 43, 100});
}

}  // namespace
}  // namespace sluice::report
