// Conformance of the lake job on the reference data (../shared/fixtures/provectus/data: 100
// users 1000-1099, 94 images; 1005, 1010, 1017, 1024, 1033 and 1099 have none), seeded with
// `sluice lake seed` and built with `sluice lake build`, on a directory and on the local S3.
// The output is checked against the fixture files read here, and the snapshot's /stats answers
// against ages computed here independently (gmtime, field by field) for today's date.
#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "connectors/objstore/store_location.h"
#include "jobs/lake/lake_build.h"
#include "jobs/lake/lake_output.h"
#include "support/file_text.h"
#include "support/test_env.h"

namespace sluice::lake {
namespace {

using sluice::testing::FileText;

struct FixtureUser {
  std::string first, last;
  int64_t birth_ms = 0;
  bool image = false;
};

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r'))
    s.pop_back();
  while (!s.empty() && s.front() == ' ')
    s.erase(0, 1);
  return s;
}

// The fixture as a person would read it: the second line split at its commas.
std::map<int64_t, FixtureUser> ReadFixture(const std::string& dir) {
  std::map<int64_t, FixtureUser> users;
  DIR* d = opendir(dir.c_str());
  while (const dirent* e = d ? readdir(d) : nullptr) {
    std::string name = e->d_name;
    if (name.size() < 5) continue;
    const int64_t id = std::atoll(name.c_str());
    if (name.ends_with(".png")) users[id].image = true;
    if (!name.ends_with(".csv")) continue;
    std::string text = FileText(dir + "/" + name);
    std::string row = text.substr(text.find('\n') + 1);
    const size_t a = row.find(','), b = row.find(',', a + 1);
    users[id].first = Trim(row.substr(0, a));
    users[id].last = Trim(row.substr(a + 1, b - a - 1));
    users[id].birth_ms = std::atoll(Trim(row.substr(b + 1)).c_str());
  }
  if (d) closedir(d);
  return users;
}

// Whole years from the birth instant's UTC date to today's UTC date, by gmtime's fields.
int IndependentAge(int64_t birth_ms, std::time_t now) {
  std::time_t birth = static_cast<std::time_t>(birth_ms / 1000 - (birth_ms % 1000 < 0 ? 1 : 0));
  std::tm b{}, t{};
  gmtime_r(&birth, &b);
  gmtime_r(&now, &t);
  int age = t.tm_year - b.tm_year;
  if (t.tm_mon < b.tm_mon || (t.tm_mon == b.tm_mon && t.tm_mday < b.tm_mday)) --age;
  return age;
}

class LakeConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    shared_ = testing::SharedDir();
    if (shared_.empty()) GTEST_SKIP() << testing::kNoSharedDirMessage;
    fixture_ = shared_ + "/fixtures/provectus/data";
    if (GetParam() == "s3") {
      SLUICE_REQUIRE_AWS();
      std::string bucket = testing::UniqueName("lake-conformance");
      for (char& c : bucket)
        c = c == '_' ? '-' : c;
      lake_ = "s3://" + bucket + "/";
    } else {
      char pattern[] = "/tmp/sluice-lake-conformance-XXXXXX";
      ASSERT_NE(mkdtemp(pattern), nullptr);
      dir_ = pattern;
      lake_ = "file://" + dir_ + "/";
    }
  }
  void TearDown() override {
    if (!dir_.empty()) (void)std::system(("rm -rf '" + dir_ + "'").c_str());
  }

  std::string shared_, fixture_, lake_, dir_;
};

TEST_P(LakeConformance, ReferenceDataSeededBuiltAndAnswered) {
  auto seeded =
      testing::RunSluice({"lake", "seed", fixture_, lake_ + "source_data/", "--create-bucket"}, "");
  ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
  EXPECT_NE(seeded.out.find("194 file(s), 194 uploaded"), std::string::npos) << seeded.out;
  auto built = testing::RunSluice({"lake", "build", lake_}, "");
  ASSERT_EQ(built.exit_code, 0) << built.err << built.out;
  EXPECT_NE(built.out.find("100 user(s): 100 added, 0 updated, 0 removed, 0 rejected"),
            std::string::npos)
      << built.out;

  // The published output, read back through the store, against the fixture files.
  auto location = ParseStoreLocation(lake_);
  ASSERT_TRUE(location.ok());
  auto store = OpenObjectStore(*location, "");
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto output = (*store)->Get("processed_data/output.csv");
  ASSERT_TRUE(output.ok()) << output.status().message();
  auto rows = ParseOutputCsv(*output);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  const std::map<int64_t, FixtureUser> fixture = ReadFixture(fixture_);
  ASSERT_EQ(fixture.size(), 100u);
  ASSERT_EQ(rows->size(), 100u);
  std::set<int64_t> without_image;
  int64_t previous = -1;
  for (const LakeUser& row : *rows) {
    EXPECT_GT(row.user_id, previous) << "ordered by user_id, no duplicates";
    previous = row.user_id;
    ASSERT_TRUE(fixture.count(row.user_id)) << row.user_id;
    const FixtureUser& f = fixture.at(row.user_id);
    EXPECT_EQ(row.first_name, f.first) << row.user_id;
    EXPECT_EQ(row.last_name, f.last) << row.user_id;
    EXPECT_EQ(row.birth_ms, f.birth_ms) << row.user_id;
    if (f.image) {
      EXPECT_EQ(row.img_path, "source_data/" + std::to_string(row.user_id) + ".png");
    } else {
      EXPECT_EQ(row.img_path, "");
      without_image.insert(row.user_id);
    }
  }
  EXPECT_EQ(rows->front().user_id, 1000);
  EXPECT_EQ(rows->back().user_id, 1099);
  EXPECT_EQ(without_image, (std::set<int64_t>{1005, 1010, 1017, 1024, 1033, 1099}));

  // The snapshot a rebuild serves (nothing changed: nothing fetched, users from the manifest).
  auto rebuilt = BuildLake(**store, {});
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().message();
  EXPECT_EQ(rebuilt->objects_fetched, 0);
  const SnapshotPtr snapshot = rebuilt->snapshot;
  ASSERT_EQ(snapshot->size(), 100u);
  const std::time_t now = std::time(nullptr);
  const UtcDay today = UtcDayOf(now);
  std::set<int64_t> listed;
  snapshot->ForEachMatching({.has_image = false}, today, std::nullopt, 0, [&](const UserView& u) {
    listed.insert(u.user_id);
    return true;
  });
  EXPECT_EQ(listed, without_image);
  for (std::optional<bool> image :
       {std::optional<bool>(), std::optional<bool>(true), std::optional<bool>(false)}) {
    for (auto [min_age, max_age] : std::vector<std::pair<std::optional<int>, std::optional<int>>>{
             {std::nullopt, std::nullopt},
             {20, 60},
             {30, std::nullopt},
             {std::nullopt, 35},
             {40, 40},
             {61, 20}}) {
      int64_t count = 0, sum = 0;
      for (const auto& [id, f] : fixture) {
        const int age = IndependentAge(f.birth_ms, now);
        if (image && *image != f.image) continue;
        if (min_age && age < *min_age) continue;
        if (max_age && age > *max_age) continue;
        ++count;
        sum += age;
      }
      const UserFilter filter{.has_image = image, .min_age = min_age, .max_age = max_age};
      const AgeStats stats = snapshot->Stats(filter, today);
      EXPECT_EQ(stats.count, count);
      if (count > 0) {
        ASSERT_TRUE(stats.average_age.has_value());
        EXPECT_DOUBLE_EQ(*stats.average_age, static_cast<double>(sum) / count);
      } else {
        EXPECT_FALSE(stats.average_age.has_value());
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, LakeConformance, ::testing::Values("local", "s3"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace sluice::lake
