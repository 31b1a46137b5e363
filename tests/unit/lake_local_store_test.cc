// The local-directory object store: atomic puts, listings by prefix, fingerprints that follow
// changes, keys that cannot leave the directory.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "connectors/objstore/local_object_store.h"

namespace sluice {
namespace {

class LakeLocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sluice-lake-store-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = std::string(pattern) + "/";
    store_ = std::make_unique<LocalObjectStore>(root_);
  }
  void TearDown() override { (void)std::system(("rm -rf '" + root_ + "'").c_str()); }

  std::string root_;
  std::unique_ptr<LocalObjectStore> store_;
};

TEST_F(LakeLocalStoreTest, PutGetStatDelete) {
  auto etag = store_->Put("processed_data/output.csv", "a,b\n", "text/csv");
  ASSERT_TRUE(etag.ok()) << etag.status().message();
  EXPECT_TRUE(etag->starts_with("fp-"));
  EXPECT_EQ(*store_->Get("processed_data/output.csv"), "a,b\n");
  auto stat = store_->Stat("processed_data/output.csv");
  ASSERT_TRUE(stat.ok() && stat->has_value());
  EXPECT_EQ((*stat)->size, 4u);
  EXPECT_EQ((*stat)->etag, *etag);
  // A new put is a new file: a new fingerprint even with the same bytes.
  auto again = store_->Put("processed_data/output.csv", "a,b\n", "text/csv");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*again, *etag);
  ASSERT_TRUE(store_->Delete("processed_data/output.csv").ok());
  ASSERT_TRUE(store_->Delete("processed_data/output.csv").ok());  // already gone: fine
  EXPECT_FALSE(store_->Stat("processed_data/output.csv")->has_value());
  auto missing = store_->Get("processed_data/output.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("file://" + root_ + "processed_data/output.csv"),
            std::string::npos)
      << missing.status().message();
}

TEST_F(LakeLocalStoreTest, ListsByStringPrefixInKeyOrderSkippingTemporaryFiles) {
  ASSERT_TRUE(store_->Put("source_data/1001.csv", "x", "text/csv").ok());
  ASSERT_TRUE(store_->Put("source_data/1000.png", "png", "image/png").ok());
  ASSERT_TRUE(store_->Put("source_data/nested/1.csv", "y", "text/csv").ok());
  ASSERT_TRUE(store_->Put("source_datax/1.csv", "z", "text/csv").ok());
  ASSERT_TRUE(store_->Put("processed_data/output.csv", "o", "text/csv").ok());
  // A temporary file a crashed writer left behind is not an object.
  std::ofstream(root_ + "source_data/.sluice-tmp-1002.csv-1-2-3") << "half";
  auto listed = store_->List("source_data/");
  ASSERT_TRUE(listed.ok()) << listed.status().message();
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].key, "source_data/1000.png");
  EXPECT_EQ((*listed)[0].size, 3u);
  EXPECT_EQ((*listed)[1].key, "source_data/1001.csv");
  EXPECT_EQ((*listed)[2].key, "source_data/nested/1.csv");
  EXPECT_EQ(store_->List("source_data")->size(), 4u);  // a string prefix, as S3's
  EXPECT_EQ(store_->List("")->size(), 5u);
  EXPECT_TRUE(store_->List("nothing/")->empty());
}

TEST_F(LakeLocalStoreTest, FingerprintFollowsARewriteInPlace) {
  ASSERT_TRUE(store_->Put("k.csv", "one", "text/csv").ok());
  const std::string before = (*store_->List(""))[0].etag;
  {
    std::ofstream out(root_ + "k.csv", std::ios::trunc);
    out << "two";
  }
  // Same size, same inode: the modification time moves on.
  struct timespec times[2] = {{0, UTIME_OMIT}, {1'700'000'000, 5}};
  ASSERT_EQ(utimensat(AT_FDCWD, (root_ + "k.csv").c_str(), times, 0), 0);
  EXPECT_NE((*store_->List(""))[0].etag, before);
}

TEST_F(LakeLocalStoreTest, HoldsComparesBytes) {
  ASSERT_TRUE(store_->Put("k.csv", "abc", "text/csv").ok());
  ObjectEntry entry = (*store_->List(""))[0];
  EXPECT_TRUE(*store_->Holds(entry, "abc"));
  EXPECT_FALSE(*store_->Holds(entry, "abd"));
  EXPECT_FALSE(*store_->Holds(entry, "abcd"));
}

TEST_F(LakeLocalStoreTest, KeysCannotLeaveTheDirectory) {
  for (const char* key : {"../escape.csv", "/etc/passwd", "a/./b", "a//b", "", "a/.."}) {
    auto put = store_->Put(key, "x", "text/csv");
    ASSERT_FALSE(put.ok()) << key;
    EXPECT_EQ(put.status().code(), StatusCode::kInvalidArgument) << key;
  }
}

TEST_F(LakeLocalStoreTest, AMissingRootIsNotFoundAndCreateRootMakesIt) {
  LocalObjectStore store(root_ + "not/yet/");
  auto listed = store.List("");
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store.CreateRoot().ok());
  EXPECT_TRUE(store.List("")->empty());
}

}  // namespace
}  // namespace sluice
