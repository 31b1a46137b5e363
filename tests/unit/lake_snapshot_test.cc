// The lake snapshot: ages by the calendar, /stats against a brute-force oracle, /data's pages.
#include "jobs/lake/lake_snapshot.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "core/time_parse.h"

namespace sluice::lake {
namespace {

constexpr int64_t kMsPerDay = 86'400'000;

UtcDay Day(int y, unsigned m, unsigned d) {
  return static_cast<UtcDay>(DaysFromCivil(y, m, d));
}
int64_t BirthMs(int y, unsigned m, unsigned d, int64_t ms_into_day = 0) {
  return DaysFromCivil(y, m, d) * kMsPerDay + ms_into_day;
}

LakeUser User(int64_t id, int64_t birth_ms, bool image) {
  return {id, "F" + std::to_string(id), "L" + std::to_string(id), birth_ms,
          image ? "source_data/" + std::to_string(id) + ".png" : ""};
}

TEST(LakeAge, WholeYearsByTheUtcCalendar) {
  const int64_t born = BirthMs(2000, 6, 15, kMsPerDay - 1);  // 23:59:59.999 UTC
  EXPECT_EQ(AgeOn(born, Day(2020, 6, 14)), 19);
  EXPECT_EQ(AgeOn(born, Day(2020, 6, 15)), 20);  // the birthday itself counts
  EXPECT_EQ(AgeOn(born, Day(2020, 12, 31)), 20);
  EXPECT_EQ(AgeOn(born, Day(2000, 6, 15)), 0);
  EXPECT_EQ(AgeOn(born, Day(2000, 6, 14)), -1);  // not born yet
}

TEST(LakeAge, LeapDayBirthdaysComeOnTheFirstOfMarchInCommonYears) {
  const int64_t born = BirthMs(2004, 2, 29);
  EXPECT_EQ(AgeOn(born, Day(2023, 2, 28)), 18);
  EXPECT_EQ(AgeOn(born, Day(2023, 3, 1)), 19);
  EXPECT_EQ(AgeOn(born, Day(2024, 2, 28)), 19);
  EXPECT_EQ(AgeOn(born, Day(2024, 2, 29)), 20);
}

TEST(LakeAge, BirthsBeforeTheEpochUseTheirOwnDay) {
  // 1969-12-31T23:00:00Z is -3,600,000 ms: still 31 December, not 1 January.
  EXPECT_EQ(AgeOn(-3'600'000, Day(2019, 12, 30)), 49);
  EXPECT_EQ(AgeOn(-3'600'000, Day(2019, 12, 31)), 50);
  EXPECT_EQ(UtcDayOf(-1), -1);
  EXPECT_EQ(UtcDayOf(86399), 0);
}

TEST(LakeSnapshot, SortsByIdAndKeepsTheLastOfARepeatedId) {
  auto snapshot = LakeSnapshot::Make(
      {User(3, 0, true), User(1, 0, false), User(3, BirthMs(1990, 1, 1), false)});
  ASSERT_EQ(snapshot->size(), 2u);
  EXPECT_EQ(snapshot->user(0).user_id, 1);
  EXPECT_EQ(snapshot->user(1).user_id, 3);
  EXPECT_EQ(snapshot->user(1).birth_ms, BirthMs(1990, 1, 1));
  EXPECT_FALSE(snapshot->user(1).has_image());
  ASSERT_TRUE(snapshot->Find(3).has_value());
  EXPECT_FALSE(snapshot->Find(2).has_value());
  // The repeated id counts once in /stats too.
  EXPECT_EQ(snapshot->Stats({}, Day(2020, 1, 1)).count, 2);
}

TEST(LakeSnapshot, EmptyHasNoAverage) {
  auto snapshot = LakeSnapshot::Empty();
  AgeStats stats = snapshot->Stats({}, Day(2020, 1, 1));
  EXPECT_EQ(stats.count, 0);
  EXPECT_FALSE(stats.average_age.has_value());
  EXPECT_TRUE(snapshot->AgeBands({}, Day(2020, 1, 1)).empty());
}

TEST(LakeSnapshot, MinAboveMaxMatchesNobody) {
  auto snapshot = LakeSnapshot::Make({User(1, BirthMs(1990, 1, 1), true)});
  EXPECT_EQ(snapshot->Stats({.min_age = 40, .max_age = 30}, Day(2025, 1, 1)).count, 0);
}

// Every combination of filters, on many random days, against counting user by user.
TEST(LakeSnapshot, StatsAndBandsAgreeWithABruteForceOracle) {
  std::mt19937_64 rng(20261130);
  for (int round = 0; round < 20; ++round) {
    std::vector<LakeUser> users;
    const int n = static_cast<int>(rng() % 400);
    // Births cluster around leap days and birthdays so that the boundaries are exercised.
    std::uniform_int_distribution<int64_t> birth(BirthMs(1920, 1, 1), BirthMs(2030, 1, 1));
    for (int i = 0; i < n; ++i) {
      int64_t b = birth(rng);
      if (i % 5 == 0)
        b = BirthMs(1960 + static_cast<int>(rng() % 60), 2, 28 + rng() % 2) +
            static_cast<int64_t>(rng() % kMsPerDay);
      users.push_back(User(static_cast<int64_t>(rng() % 1000), b, rng() % 3 != 0));
    }
    auto snapshot = LakeSnapshot::Make(users);
    for (int q = 0; q < 40; ++q) {
      const UtcDay today = Day(1990, 1, 1) + static_cast<UtcDay>(rng() % (50 * 366));
      UserFilter filter;
      if (rng() % 3) filter.has_image = rng() % 2 == 0;
      if (rng() % 2) filter.min_age = static_cast<int>(rng() % 90) - 5;
      if (rng() % 2) filter.max_age = static_cast<int>(rng() % 90) - 5;
      int64_t count = 0, sum = 0;
      std::map<int, int64_t> bands;
      for (size_t i = 0; i < snapshot->size(); ++i) {
        const UserView u = snapshot->user(i);
        if (!filter.Matches(u, today)) continue;
        ++count;
        sum += AgeOn(u.birth_ms, today);
        ++bands[AgeOn(u.birth_ms, today)];
      }
      AgeStats stats = snapshot->Stats(filter, today);
      ASSERT_EQ(stats.count, count) << "round " << round << " query " << q;
      if (count == 0) {
        EXPECT_FALSE(stats.average_age.has_value());
      } else {
        ASSERT_TRUE(stats.average_age.has_value());
        EXPECT_DOUBLE_EQ(*stats.average_age, static_cast<double>(sum) / count);
      }
      std::vector<AgeBand> got = snapshot->AgeBands(filter, today);
      ASSERT_EQ(got.size(), bands.size());
      size_t i = 0;
      for (const auto& [age, c] : bands) {
        EXPECT_EQ(got[i].age, age);
        EXPECT_EQ(got[i].count, c);
        ++i;
      }
    }
  }
}

TEST(LakeSnapshot, PagesWalkMatchingUsersInIdOrder) {
  std::vector<LakeUser> users;
  for (int id = 1; id <= 10; ++id)
    users.push_back(User(id * 10, BirthMs(1990, 1, 1), id % 2 == 0));
  auto snapshot = LakeSnapshot::Make(users);
  const UtcDay today = Day(2020, 1, 1);
  std::vector<int64_t> seen;
  auto collect = [&](const UserView& u) {
    seen.push_back(u.user_id);
    return true;
  };
  // Three at a time, images only: 20 40 60 | 80 100.
  auto next = snapshot->ForEachMatching({.has_image = true}, today, std::nullopt, 3, collect);
  EXPECT_EQ(seen, (std::vector<int64_t>{20, 40, 60}));
  ASSERT_EQ(next, std::optional<int64_t>(60));
  seen.clear();
  next = snapshot->ForEachMatching({.has_image = true}, today, next, 3, collect);
  EXPECT_EQ(seen, (std::vector<int64_t>{80, 100}));
  EXPECT_FALSE(next.has_value());
  // A page that ends exactly on the last match has no next page.
  seen.clear();
  next = snapshot->ForEachMatching({.has_image = true}, today, 40, 3, collect);
  EXPECT_EQ(seen, (std::vector<int64_t>{60, 80, 100}));
  EXPECT_FALSE(next.has_value());
  // A cursor between ids, and no limit.
  seen.clear();
  next = snapshot->ForEachMatching({}, today, 55, 0, collect);
  EXPECT_EQ(seen, (std::vector<int64_t>{60, 70, 80, 90, 100}));
  EXPECT_FALSE(next.has_value());
  // The visitor stops the walk: the cursor is where it stopped.
  seen.clear();
  next = snapshot->ForEachMatching({}, today, std::nullopt, 0, [&](const UserView& u) {
    seen.push_back(u.user_id);
    return u.user_id < 30;
  });
  EXPECT_EQ(seen, (std::vector<int64_t>{10, 20, 30}));
  EXPECT_EQ(next, std::optional<int64_t>(30));
  // Nobody old enough.
  seen.clear();
  next = snapshot->ForEachMatching({.min_age = 31}, today, std::nullopt, 0, collect);
  EXPECT_TRUE(seen.empty());
  EXPECT_FALSE(next.has_value());
}

}  // namespace
}  // namespace sluice::lake
