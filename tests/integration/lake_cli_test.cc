// `sluice lake seed` and `sluice lake build` as a user runs them: what they print and their exit
// statuses (0 done, 3 done with rejects, 1 failed, 2 bad usage), on a directory and on S3.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "support/test_env.h"

namespace sluice {
namespace {

using testing::RunSluice;

class LakeCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sluice-lake-cli-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    Write("source/1000.csv", "first_name, last_name, birthts\nSusan, Lee, 612302400000\n");
    Write("source/1000.png", "png");
    Write("source/1001.csv", "first_name, last_name, birthts\nAdam, Brown, 0\n");
  }
  void TearDown() override { (void)std::system(("rm -rf '" + dir_ + "'").c_str()); }

  void Write(const std::string& relative, const std::string& text) {
    const std::string path = dir_ + "/" + relative;
    (void)std::system(("mkdir -p '" + path.substr(0, path.rfind('/')) + "'").c_str());
    std::ofstream(path, std::ios::binary) << text;
  }

  std::string dir_;
};

TEST_F(LakeCliTest, SeedThenBuildOnADirectory) {
  const std::string lake = "file://" + dir_ + "/lake/";
  auto seeded = RunSluice({"lake", "seed", dir_ + "/source", lake + "source_data/"}, "");
  ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
  EXPECT_NE(seeded.out.find("3 file(s), 3 uploaded"), std::string::npos) << seeded.out;
  auto again = RunSluice({"lake", "seed", dir_ + "/source", lake + "source_data/"}, "");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("0 uploaded (0 B), 3 already there"), std::string::npos) << again.out;

  auto built = RunSluice({"lake", "build", lake}, "");
  ASSERT_EQ(built.exit_code, 0) << built.err;
  EXPECT_NE(built.out.find("2 user(s): 2 added, 0 updated, 0 removed, 0 rejected"),
            std::string::npos)
      << built.out;
  EXPECT_NE(built.out.find("fetched 2 of 3 listed object(s)"), std::string::npos) << built.out;
  EXPECT_NE(built.out.find("listing "), std::string::npos);
  EXPECT_NE(built.out.find("fetching "), std::string::npos);
  std::ifstream output(dir_ + "/lake/processed_data/output.csv");
  std::string text((std::istreambuf_iterator<char>(output)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text,
            "user_id,first_name,last_name,birthts,img_path\n"
            "1000,Susan,Lee,612302400000,source_data/1000.png\n"
            "1001,Adam,Brown,0,\n");

  // A broken user: the build completes with the reject named, and exits 3.
  Write("lake/source_data/1002.csv", "first_name, last_name, birthts\nEve, Stone, soon\n");
  auto rejected = RunSluice({"lake", "build", lake, "--format", "json"}, "");
  EXPECT_EQ(rejected.exit_code, 3) << rejected.err;
  EXPECT_NE(rejected.out.find("\"objects_fetched\":1"), std::string::npos) << rejected.out;
  EXPECT_NE(rejected.out.find("{\"key\":\"source_data/1002.csv\",\"reason\":\"line 2, field 3: "
                              "birthts is not a whole number"),
            std::string::npos)
      << rejected.out;
  EXPECT_EQ(rejected.out.find("Eve"), std::string::npos) << rejected.out;
}

// --delete makes the location a mirror of the folder: a user removed locally leaves the lake.
TEST_F(LakeCliTest, SeedWithDeleteRemovesWhatTheFolderNoLongerHas) {
  const std::string source = "file://" + dir_ + "/lake/source_data/";
  ASSERT_EQ(RunSluice({"lake", "seed", dir_ + "/source", source}, "").exit_code, 0);
  ASSERT_EQ(std::remove((dir_ + "/source/1001.csv").c_str()), 0);
  auto kept = RunSluice({"lake", "seed", dir_ + "/source", source}, "");
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_TRUE(std::ifstream(dir_ + "/lake/source_data/1001.csv").good()) << "deleted unasked";
  auto mirrored = RunSluice({"lake", "seed", dir_ + "/source", source, "--delete"}, "");
  ASSERT_EQ(mirrored.exit_code, 0) << mirrored.err;
  EXPECT_NE(mirrored.out.find("2 file(s), 0 uploaded (0 B), 2 already there, 1 deleted"),
            std::string::npos)
      << mirrored.out;
  EXPECT_FALSE(std::ifstream(dir_ + "/lake/source_data/1001.csv").good());
  EXPECT_TRUE(std::ifstream(dir_ + "/lake/source_data/1000.csv").good());

  // The two slips that would delete a lake are refused before anything is touched: an empty
  // folder, and the lake's root (where the output and manifest live) given for its source.
  Write("empty/.keep", "");
  auto emptied = RunSluice({"lake", "seed", dir_ + "/empty", source, "--delete"}, "");
  EXPECT_EQ(emptied.exit_code, 2) << emptied.err;
  EXPECT_NE(emptied.err.find("holds no files"), std::string::npos) << emptied.err;
  EXPECT_TRUE(std::ifstream(dir_ + "/lake/source_data/1000.csv").good());
  ASSERT_EQ(RunSluice({"lake", "build", "file://" + dir_ + "/lake/"}, "").exit_code, 0);
  auto root =
      RunSluice({"lake", "seed", dir_ + "/source", "file://" + dir_ + "/lake/", "--delete"}, "");
  EXPECT_EQ(root.exit_code, 2) << root.err;
  EXPECT_NE(root.err.find("is a lake's root, not its source prefix"), std::string::npos)
      << root.err;
  EXPECT_TRUE(std::ifstream(dir_ + "/lake/processed_data/output.csv").good());
}

// A CSV that was valid and broke: the build says which user left the output and why.
TEST_F(LakeCliTest, ABrokenUpdateNamesTheUserItDrops) {
  const std::string lake = "file://" + dir_ + "/lake/";
  ASSERT_EQ(RunSluice({"lake", "seed", dir_ + "/source", lake + "source_data/"}, "").exit_code, 0);
  ASSERT_EQ(RunSluice({"lake", "build", lake}, "").exit_code, 0);
  Write("lake/source_data/1001.csv", "");
  auto built = RunSluice({"lake", "build", lake}, "");
  EXPECT_EQ(built.exit_code, 3) << built.err;
  EXPECT_NE(built.out.find("1 user(s): 0 added, 0 updated, 1 removed, 1 rejected"),
            std::string::npos)
      << built.out;
  EXPECT_NE(built.out.find("rejected source_data/1001.csv (new; user 1001 was valid before and is "
                           "dropped from the output): the object is empty"),
            std::string::npos)
      << built.out;
}

// Seeding into the root instead of source_data/ is the usual slip: the build says where it looked.
TEST_F(LakeCliTest, AnEmptySourceSaysHowToFillIt) {
  const std::string lake = "file://" + dir_ + "/lake/";
  ASSERT_EQ(RunSluice({"lake", "seed", dir_ + "/source", lake}, "").exit_code, 0);
  auto built = RunSluice({"lake", "build", lake}, "");
  EXPECT_EQ(built.exit_code, 0) << built.err;
  EXPECT_NE(built.err.find(lake + "source_data/: no objects there"), std::string::npos)
      << built.err;
  EXPECT_NE(built.err.find("sluice lake seed DIR " + lake + "source_data/"), std::string::npos)
      << built.err;
}

TEST_F(LakeCliTest, BadUsageExitsTwoAndMissingThingsExitOne) {
  EXPECT_EQ(RunSluice({"lake", "build", "http://example.com/lake/"}, "").exit_code, 2);
  EXPECT_EQ(RunSluice({"lake", "build", "file://relative/lake/"}, "").exit_code, 2);
  auto secret = RunSluice({"lake", "build", "s3://AKIA:hunter2@datalake/"}, "");
  EXPECT_EQ(secret.exit_code, 2);
  EXPECT_EQ(secret.err.find("hunter2"), std::string::npos) << secret.err;
  EXPECT_EQ(RunSluice({"lake", "build", "file://" + dir_ + "/", "--source", "/abs/"}, "").exit_code,
            2);
  EXPECT_EQ(
      RunSluice({"lake", "build", "file://" + dir_ + "/", "--output", "source_data/o.csv"}, "")
          .exit_code,
      2);
  EXPECT_EQ(RunSluice({"lake", "build", "file://" + dir_ + "/", "--parallel", "0"}, "").exit_code,
            2);
  for (const char* output : {"../x.csv", "processed_data/./o.csv", "a//o.csv"}) {
    auto bad = RunSluice({"lake", "build", "file://" + dir_ + "/", "--output", output}, "");
    EXPECT_EQ(bad.exit_code, 2) << output << ": " << bad.err;
    EXPECT_NE(bad.err.find("--output"), std::string::npos) << bad.err;
  }
  EXPECT_EQ(
      RunSluice({"lake", "build", "file://" + dir_ + "/", "--source", "a/../b/"}, "").exit_code, 2);
  auto missing = RunSluice({"lake", "build", "file://" + dir_ + "/no/such/lake/"}, "");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no/such/lake"), std::string::npos) << missing.err;
  auto no_folder = RunSluice({"lake", "seed", dir_ + "/nothing", "file://" + dir_ + "/l/"}, "");
  EXPECT_EQ(no_folder.exit_code, 1);
  EXPECT_NE(no_folder.err.find(dir_ + "/nothing"), std::string::npos) << no_folder.err;
}

TEST_F(LakeCliTest, SeedAndBuildOnS3) {
  SLUICE_REQUIRE_AWS();
  std::string bucket = testing::UniqueName("lake-cli");
  for (char& c : bucket)
    c = c == '_' ? '-' : c;
  const std::string lake = "s3://" + bucket + "/";
  // No bucket yet: refused (exit 1, NoSuchBucket) unless asked to create it.
  auto refused = RunSluice({"lake", "seed", dir_ + "/source", lake + "source_data/"}, "");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("NoSuchBucket"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--create-bucket"), std::string::npos) << refused.err;
  EXPECT_EQ(RunSluice({"lake", "build", lake}, "").exit_code, 1);
  auto seeded =
      RunSluice({"lake", "seed", dir_ + "/source", lake + "source_data/", "--create-bucket"}, "");
  ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
  auto again = RunSluice({"lake", "seed", dir_ + "/source", lake + "source_data/"}, "");
  EXPECT_NE(again.out.find("0 uploaded (0 B), 3 already there"), std::string::npos) << again.out;
  auto built = RunSluice({"lake", "build", lake}, "");
  ASSERT_EQ(built.exit_code, 0) << built.err;
  EXPECT_NE(built.out.find("2 added"), std::string::npos) << built.out;
  auto rebuilt = RunSluice({"lake", "build", lake}, "");
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.err;
  EXPECT_NE(rebuilt.out.find("fetched 0 of 3"), std::string::npos) << rebuilt.out;
  EXPECT_NE(rebuilt.out.find("unchanged " + lake + "processed_data/output.csv"), std::string::npos)
      << rebuilt.out;
}

}  // namespace
}  // namespace sluice
