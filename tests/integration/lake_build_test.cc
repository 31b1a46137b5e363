// `lake build` against both stores, a directory and the local S3 (moto): a cold build, a
// rebuild that finds nothing changed and reads nothing, an incremental one that reads exactly
// the changed objects, images that come and go from the listing alone, and failures that
// leave the published output and manifest as they were.
#include "jobs/lake/lake_build.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "aws/aws_config.h"
#include "connectors/objstore/local_object_store.h"
#include "connectors/objstore/s3_object_store.h"
#include "jobs/lake/lake_manifest.h"
#include "jobs/lake/lake_output.h"
#include "support/faulty_transport.h"
#include "support/lake_counting_store.h"
#include "support/test_env.h"

namespace sluice::lake {
namespace {

using testing::CountingStore;
using testing::StorePlan;

std::string Csv(std::string_view first, std::string_view last, int64_t birth_ms) {
  return fmt::format("first_name, last_name, birthts\n{}, {}, {}\n", first, last, birth_ms);
}

class LakeBuildTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    plan_ = std::make_shared<StorePlan>();
    if (GetParam() == "s3") {
      SLUICE_REQUIRE_AWS();
      auto config = ResolveAwsConfig("", "s3");
      ASSERT_TRUE(config.ok()) << config.status().message();
      config_ = *config;
      bucket_ = testing::UniqueName("lake-build");
      for (char& c : bucket_)
        c = c == '_' ? '-' : c;
      S3Client client(config_, MakeCurlTransport());
      ASSERT_TRUE(client.CreateBucket(bucket_).ok());
    } else {
      char pattern[] = "/tmp/sluice-lake-build-XXXXXX";
      ASSERT_NE(mkdtemp(pattern), nullptr);
      dir_ = std::string(pattern) + "/";
    }
    store_ = MakeStore();
  }
  void TearDown() override {
    if (!dir_.empty()) (void)std::system(("rm -rf '" + dir_ + "'").c_str());
  }

  // A store at the lake's root, counted by plan_; on S3 its requests pass `faults`, if given.
  std::unique_ptr<ObjectStore> MakeStore(std::shared_ptr<testing::FaultPlan> faults = nullptr) {
    std::unique_ptr<ObjectStore> real;
    if (GetParam() == "s3") {
      std::unique_ptr<HttpTransport> transport = MakeCurlTransport();
      if (faults) {
        transport = std::make_unique<testing::FaultyTransport>(faults, std::move(transport));
      }
      // Few, short retries: a lost request is retried, then the build fails.
      RetryPolicy retry{.attempts = 2, .first_pause = std::chrono::milliseconds(10)};
      real = std::make_unique<S3ObjectStore>(
          std::make_unique<S3Client>(config_, std::move(transport), S3Addressing::kPath, retry),
          bucket_, "lakes/one/");
    } else {
      real = std::make_unique<LocalObjectStore>(dir_);
    }
    return std::make_unique<CountingStore>(plan_, std::move(real));
  }

  void Put(const std::string& key, const std::string& bytes) {
    auto put = store_->Put(key, bytes, key.ends_with(".png") ? "image/png" : "text/csv");
    ASSERT_TRUE(put.ok()) << put.status().message();
  }

  BuildResult Build(ObjectStore* store = nullptr) {
    plan_->Reset();
    auto result = BuildLake(store ? *store : *store_, request_);
    EXPECT_TRUE(result.ok()) << result.status().message();
    return result.ok() ? *result : BuildResult{};
  }

  std::string Output() { return *store_->Get("processed_data/output.csv"); }
  std::string Manifest() { return *store_->Get("processed_data/manifest.json"); }

  // Three users, two images, the reference data's shape.
  void Seed() {
    Put("source_data/1000.csv", Csv("Susan", "Lee", 612302400000));
    Put("source_data/1000.png", "\x89PNG1000");
    Put("source_data/1001.csv", Csv("Adam", "Brown", -86400000));
    Put("source_data/1001.png", "\x89PNG1001");
    Put("source_data/1002.csv", Csv("Zoë", "\"O'Neil, Jr.\"", 946684800000));
    Put("source_data/notes.txt", "not a user");
    Put("elsewhere/1003.csv", Csv("Not", "Source", 0));
  }

  std::shared_ptr<StorePlan> plan_;
  std::unique_ptr<ObjectStore> store_;
  AwsConfig config_;
  std::string bucket_;
  std::string dir_;
  BuildRequest request_;
};

TEST_P(LakeBuildTest, ColdBuildReadsEveryUserAndPublishesOutputAndManifest) {
  Seed();
  BuildResult r = Build();
  EXPECT_TRUE(r.cold);
  EXPECT_EQ(r.users, 3);
  EXPECT_EQ(r.added, 3);
  EXPECT_EQ(r.updated + r.removed, 0);
  EXPECT_TRUE(r.rejected.empty());
  EXPECT_EQ(r.objects_listed, 6);
  EXPECT_EQ(r.objects_fetched, 3);       // the CSVs; images are never downloaded
  EXPECT_EQ(plan_->TotalGets(), 3 + 1);  // and the manifest, which is not there yet
  EXPECT_TRUE(r.output_written);
  EXPECT_GT(r.bytes_fetched, 0u);
  EXPECT_EQ(Output(),
            "user_id,first_name,last_name,birthts,img_path\n"
            "1000,Susan,Lee,612302400000,source_data/1000.png\n"
            "1001,Adam,Brown,-86400000,source_data/1001.png\n"
            "1002,Zoë,\"O'Neil, Jr.\",946684800000,\n");
  auto manifest = ParseManifest(Manifest());
  ASSERT_TRUE(manifest.ok()) << manifest.status().message();
  EXPECT_EQ(manifest->users, 3);
  EXPECT_EQ(manifest->objects.size(), 3u);
  EXPECT_EQ(manifest->output_etag, r.output_etag);
  EXPECT_EQ(store_->Stat("processed_data/output.csv")->value().etag, r.output_etag);
  ASSERT_NE(r.snapshot, nullptr);
  EXPECT_EQ(r.snapshot->size(), 3u);
  EXPECT_EQ(r.snapshot->info().output_etag, r.output_etag);
  EXPECT_EQ(r.snapshot->Find(1002)->last_name, "O'Neil, Jr.");
  // The published output reads back as the same users.
  auto read_back = ParseOutputCsv(Output());
  ASSERT_TRUE(read_back.ok()) << read_back.status().message();
  EXPECT_EQ(*read_back, r.snapshot->ToUsers());
}

TEST_P(LakeBuildTest, ARebuildWithNothingChangedReadsAndWritesNothing) {
  Seed();
  Build();
  const std::string output = Output();
  BuildResult r = Build();
  EXPECT_FALSE(r.cold);
  EXPECT_EQ(r.objects_fetched, 0);
  EXPECT_EQ(plan_->TotalGets(), 1);  // the manifest
  EXPECT_TRUE(plan_->puts.empty());
  EXPECT_FALSE(r.output_written);
  EXPECT_EQ(r.added + r.updated + r.removed, 0);
  EXPECT_EQ(r.users, 3);
  EXPECT_EQ(r.snapshot->size(), 3u);
  EXPECT_EQ(Output(), output);
}

TEST_P(LakeBuildTest, IncrementalBuildReadsOnlyWhatChanged) {
  Seed();
  Build();
  Put("source_data/1000.csv", Csv("Susan", "Lee-Park", 612302400000));     // changed
  ASSERT_TRUE(store_->Delete("source_data/1001.csv").ok());                // deleted
  Put("source_data/1004.csv", Csv("New", "Person", 1000000000000));        // added
  Put("source_data/1005.csv", "first_name, last_name\nBroken, Person\n");  // broken
  Put("source_data/12ab.csv", Csv("Bad", "Name", 0));                      // a name, no id
  Put("source_data/1007.csv", Csv("Big", std::string(1 << 20, 'x'), 0));   // too big to read
  Put("source_data/1008.CSV", Csv("Upper", "Case", 0));                    // named wrongly
  BuildResult r = Build();
  EXPECT_EQ(r.objects_fetched, 3);
  {
    std::lock_guard lock(plan_->mutex);
    EXPECT_EQ(plan_->gets.count("source_data/1000.csv"), 1u);
    EXPECT_EQ(plan_->gets.count("source_data/1004.csv"), 1u);
    EXPECT_EQ(plan_->gets.count("source_data/1005.csv"), 1u);
    EXPECT_EQ(plan_->gets.count("source_data/1002.csv"), 0u);
    EXPECT_EQ(plan_->gets.count("source_data/12ab.csv"), 0u);
    EXPECT_EQ(plan_->gets.count("source_data/1007.csv"), 0u);
  }
  EXPECT_EQ(r.added, 1);
  EXPECT_EQ(r.updated, 1);
  EXPECT_EQ(r.removed, 1);
  ASSERT_EQ(r.rejected.size(), 4u);
  EXPECT_EQ(r.rejected[0].key, "source_data/1005.csv");
  EXPECT_NE(r.rejected[0].reason.find("no birthts column"), std::string::npos);
  EXPECT_TRUE(r.rejected[0].fresh);
  EXPECT_EQ(r.rejected[1].key, "source_data/1007.csv");
  EXPECT_NE(r.rejected[1].reason.find("a user's CSV is at most 1048576"), std::string::npos);
  EXPECT_EQ(r.rejected[2].key, "source_data/1008.CSV");
  EXPECT_NE(r.rejected[2].reason.find("a lower-case .csv"), std::string::npos);
  EXPECT_EQ(r.rejected[3].key, "source_data/12ab.csv");
  EXPECT_EQ(Output(),
            "user_id,first_name,last_name,birthts,img_path\n"
            "1000,Susan,Lee-Park,612302400000,source_data/1000.png\n"
            "1002,Zoë,\"O'Neil, Jr.\",946684800000,\n"
            "1004,New,Person,1000000000000,\n");
  EXPECT_EQ(r.snapshot->info().rejected, 4);
  // The rejects stay on record, no longer fresh, and nothing is read again.
  BuildResult again = Build();
  EXPECT_EQ(again.objects_fetched, 0);
  ASSERT_EQ(again.rejected.size(), 4u);
  EXPECT_FALSE(again.rejected[0].fresh);
  EXPECT_FALSE(again.output_written);
}

// A user whose CSV was valid and broke leaves the output (it reflects the source now), and the
// reject says which user went, so the removal is not a mystery; fixing it brings them back.
TEST_P(LakeBuildTest, AValidCsvThatBreaksDropsItsUserAndSaysWhom) {
  Seed();
  Build();
  Put("source_data/1001.csv", "");
  BuildResult r = Build();
  EXPECT_EQ(r.removed, 1);
  EXPECT_EQ(r.users, 2);
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].key, "source_data/1001.csv");
  EXPECT_TRUE(r.rejected[0].fresh);
  EXPECT_EQ(r.rejected[0].dropped_user, std::optional<int64_t>(1001));
  EXPECT_FALSE(r.snapshot->Find(1001).has_value());
  // Still broken at the next build: an old reject, and no user is dropped by it again.
  BuildResult again = Build();
  ASSERT_EQ(again.rejected.size(), 1u);
  EXPECT_FALSE(again.rejected[0].fresh);
  EXPECT_FALSE(again.rejected[0].dropped_user.has_value());
  EXPECT_EQ(again.removed, 0);
  Put("source_data/1001.csv", Csv("Adam", "Brown", -86400000));
  BuildResult fixed = Build();
  EXPECT_EQ(fixed.added, 1);
  EXPECT_TRUE(fixed.rejected.empty());
  EXPECT_TRUE(fixed.snapshot->Find(1001).has_value());
}

// A name that is not UTF-8 is a reject like any other bad name, and the manifest that records it
// stays JSON, so the next build is incremental, not cold (a directory holds any bytes in a name).
TEST_P(LakeBuildTest, ANameThatIsNotUtf8KeepsTheManifestUsable) {
  if (GetParam() != "local") GTEST_SKIP() << "S3 keys are UTF-8 by definition";
  Seed();
  Put("source_data/x\xff.csv", Csv("Bad", "Bytes", 0));
  BuildResult first = Build();
  ASSERT_EQ(first.rejected.size(), 1u);
  BuildResult second = Build();
  EXPECT_FALSE(second.cold) << "the manifest could not be read back";
  EXPECT_EQ(second.objects_fetched, 0);
  EXPECT_EQ(second.users, 3);
  EXPECT_EQ(second.rejected.size(), 1u);
}

TEST_P(LakeBuildTest, ImagesFollowTheListingWithoutDownloads) {
  Seed();
  Build();
  Put("source_data/1002.png", "\x89PNG1002");
  ASSERT_TRUE(store_->Delete("source_data/1000.png").ok());
  BuildResult r = Build();
  EXPECT_EQ(r.objects_fetched, 0);
  EXPECT_EQ(r.updated, 2);
  EXPECT_EQ(r.snapshot->Find(1002)->img_path, "source_data/1002.png");
  EXPECT_EQ(r.snapshot->Find(1000)->img_path, "");
  EXPECT_NE(Output().find("1002,Zoë,\"O'Neil, Jr.\",946684800000,source_data/1002.png\n"),
            std::string::npos);
}

TEST_P(LakeBuildTest, AFailingStoreLeavesOutputAndManifestUntouched) {
  Seed();
  Build();
  const std::string output = Output();
  const std::string manifest = Manifest();
  Put("source_data/1000.csv", Csv("Susan", "Changed", 1));
  Put("source_data/1006.csv", Csv("Another", "One", 2));
  std::shared_ptr<testing::FaultPlan> faults;
  std::unique_ptr<ObjectStore> failing;
  if (GetParam() == "s3") {
    // The real S3 path: every request for one object is lost on the way, retries and all.
    faults = std::make_shared<testing::FaultPlan>();
    faults->pick = [](const HttpRequest& request) {
      return request.method == "GET" && request.url.find("/1006.csv") != std::string::npos
                 ? testing::Fault::kLoseRequest
                 : testing::Fault::kNone;
    };
    failing = MakeStore(faults);
  } else {
    plan_->fail_get = [](std::string_view key) { return key == "source_data/1006.csv"; };
    failing = MakeStore();
  }
  plan_->Reset();
  auto r = BuildLake(*failing, request_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().message();
  EXPECT_NE(r.status().message().find("1006.csv"), std::string::npos) << r.status().message();
  if (faults) {
    EXPECT_GT(faults->requests_lost, 0);
  }
  EXPECT_TRUE(plan_->puts.empty());
  EXPECT_EQ(Output(), output);
  EXPECT_EQ(Manifest(), manifest);
  // The next build, with the store well again, takes both changes.
  plan_->fail_get = [](std::string_view) { return false; };
  BuildResult recovered = Build();
  EXPECT_EQ(recovered.objects_fetched, 2);
  EXPECT_EQ(recovered.updated, 1);
  EXPECT_EQ(recovered.added, 1);
  EXPECT_EQ(recovered.snapshot->Find(1000)->last_name, "Changed");
}

TEST_P(LakeBuildTest, ADeathBetweenOutputAndManifestIsMadeRightByTheNextBuild) {
  Seed();
  Build();
  Put("source_data/1000.csv", Csv("Susan", "Changed", 1));
  // The output is published, the manifest's write fails (as if the process had died there).
  plan_->fail_put = [](std::string_view key) { return key.ends_with("manifest.json"); };
  auto failed = BuildLake(*store_, request_);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("the output is published but its manifest is not"),
            std::string::npos)
      << failed.status().message();
  EXPECT_NE(Output().find("Changed"), std::string::npos);
  plan_->fail_put = [](std::string_view) { return false; };
  // The manifest still has the old ETag of 1000.csv: it is read again, and both are written.
  BuildResult r = Build();
  EXPECT_EQ(r.objects_fetched, 1);
  EXPECT_TRUE(r.output_written);
  EXPECT_EQ(ParseManifest(Manifest())->output_etag, r.output_etag);
  EXPECT_EQ(Build().objects_fetched, 0);
}

TEST_P(LakeBuildTest, AnOutputChangedBehindItsBackIsRewritten) {
  Seed();
  BuildResult first = Build();
  Put("processed_data/output.csv", "user_id,first_name,last_name,birthts,img_path\n");
  BuildResult r = Build();
  EXPECT_EQ(r.objects_fetched, 0);
  EXPECT_TRUE(r.output_written);
  EXPECT_EQ(r.users, 3);
  EXPECT_NE(Output().find("1002,"), std::string::npos);
  ASSERT_TRUE(store_->Delete("processed_data/output.csv").ok());
  EXPECT_TRUE(Build().output_written);
}

TEST_P(LakeBuildTest, AnUnreadableManifestMeansAColdBuild) {
  Seed();
  Build();
  Put("processed_data/manifest.json", "{\"version\": 1, \"objects\": [");
  BuildResult r = Build();
  EXPECT_TRUE(r.cold);
  EXPECT_EQ(r.objects_fetched, 3);
  EXPECT_EQ(r.added, 3);
  EXPECT_TRUE(ParseManifest(Manifest()).ok());
}

TEST_P(LakeBuildTest, AReplicaLoadsWhatWasPublished) {
  auto nothing = LoadPublished(*store_, request_);
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.status().code(), StatusCode::kNotFound);
  Seed();
  Put("source_data/1009.csv", "broken");
  BuildResult built = Build();
  auto loaded = LoadPublished(*store_, request_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ((*loaded)->ToUsers(), built.snapshot->ToUsers());
  EXPECT_EQ((*loaded)->info().output_etag, built.output_etag);
  EXPECT_EQ((*loaded)->info().rejected, 1);
  EXPECT_EQ((*loaded)->info().built_at_ms, built.snapshot->info().built_at_ms);
  Put("processed_data/output.csv", "not,an,output\n");
  auto bad = LoadPublished(*store_, request_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("processed_data/output.csv"), std::string::npos);
}

TEST_P(LakeBuildTest, AnEmptySourceGivesAnEmptyOutput) {
  BuildResult r = Build();
  EXPECT_EQ(r.users, 0);
  EXPECT_EQ(Output(), "user_id,first_name,last_name,birthts,img_path\n");
}

INSTANTIATE_TEST_SUITE_P(Stores, LakeBuildTest, ::testing::Values("local", "s3"),
                         [](const auto& param_info) { return param_info.param; });

TEST(LakeBuildStore, AMissingBucketIsNotFound) {
  SLUICE_REQUIRE_AWS();
  auto config = ResolveAwsConfig("", "s3");
  ASSERT_TRUE(config.ok());
  S3ObjectStore store(std::make_unique<S3Client>(*config, MakeCurlTransport()),
                      testing::UniqueName("no-such-bucket").substr(0, 40), "");
  auto r = BuildLake(store, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound) << r.status().message();
  EXPECT_NE(r.status().message().find("NoSuchBucket"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace sluice::lake
