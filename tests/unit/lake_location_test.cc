// Lake location URLs: s3://bucket/prefix/ and file:///dir/, and what they refuse.
#include <gtest/gtest.h>

#include "connectors/objstore/store_location.h"

namespace sluice {
namespace {

TEST(LakeLocation, S3BucketAndPrefix) {
  auto l = ParseStoreLocation("s3://datalake/source_data/");
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_EQ(l->kind, StoreLocation::Kind::kS3);
  EXPECT_EQ(l->bucket, "datalake");
  EXPECT_EQ(l->path, "source_data/");
  EXPECT_EQ(l->Url(), "s3://datalake/source_data/");
  // A folder either way; the whole bucket with or without its slash.
  EXPECT_EQ(ParseStoreLocation("s3://datalake/source_data")->path, "source_data/");
  EXPECT_EQ(ParseStoreLocation("s3://datalake")->path, "");
  EXPECT_EQ(ParseStoreLocation("s3://datalake/")->path, "");
  EXPECT_EQ(ParseStoreLocation("s3://datalake/a%20b/c/")->path, "a b/c/");
  EXPECT_EQ(ParseStoreLocation("s3://datalake/")->Below("source_data/").Url(),
            "s3://datalake/source_data/");
}

TEST(LakeLocation, LocalDirectories) {
  auto l = ParseStoreLocation("file:///srv/lake");
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_EQ(l->kind, StoreLocation::Kind::kLocal);
  EXPECT_EQ(l->path, "/srv/lake/");
  EXPECT_EQ(l->Url(), "file:///srv/lake/");
  EXPECT_EQ(ParseStoreLocation("file://localhost/srv/lake/")->path, "/srv/lake/");
  EXPECT_EQ(ParseStoreLocation("file:///")->path, "/");
  EXPECT_EQ(ParseStoreLocation("file:///srv/my%20lake/")->path, "/srv/my lake/");
}

void ExpectUsage(const std::string& url, const std::string& fragment) {
  auto l = ParseStoreLocation(url);
  ASSERT_FALSE(l.ok()) << url;
  EXPECT_EQ(l.status().code(), StatusCode::kUsage) << url;
  EXPECT_NE(l.status().message().find(fragment), std::string::npos)
      << url << ": " << l.status().message();
  EXPECT_EQ(l.status().message().find("hunter2"), std::string::npos) << l.status().message();
}

TEST(LakeLocation, RefusesWhatIsNotALocation) {
  ExpectUsage("http://datalake/x/", "s3://bucket/prefix/");
  ExpectUsage("datalake/source_data/", "s3://bucket/prefix/");
  ExpectUsage("/srv/lake", "s3://bucket/prefix/");
  ExpectUsage("s3:///source_data/", "bucket");
  ExpectUsage("s3://Data_Lake/", "bucket");
  ExpectUsage("s3://datalake:9000/", "port");
  ExpectUsage("s3://datalake/x/?versionId=1", "query");
  ExpectUsage("s3://datalake/x/#frag", "fragment");
  ExpectUsage("s3://datalake/a/../b/", "'..'");
  ExpectUsage("s3://datalake/a//b/", "empty");
  ExpectUsage("file://relative/path/", "absolute");
  ExpectUsage("file:relative/path", "absolute");
  ExpectUsage("file:///srv/%00/", "NUL");
}

TEST(LakeLocation, UserinfoIsRefusedAndNeverShown) {
  ExpectUsage("s3://key:hunter2@datalake/x/", "s3://datalake/x/");
  ExpectUsage("file://me:hunter2@localhost/srv/", "user or password");
  ExpectUsage("s3://me:hunter2@", "s3://");
  // A query or fragment may hold a token: refused, and left out of the message.
  ExpectUsage("s3://datalake/x?X-Amz-Signature=hunter2", "s3://datalake/x?...");
  ExpectUsage("file:///tmp/x/?token=hunter2", "file:///tmp/x/?...");
  ExpectUsage("file:///tmp/x/#hunter2", "file:///tmp/x/#...");
}

}  // namespace
}  // namespace sluice
