// The S3 client against a real S3 endpoint (moto_server on loopback in `make test`).
#include "connectors/s3/s3_client.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include "aws/crypto.h"
#include "support/test_env.h"

namespace sluice {
namespace {

class S3ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SLUICE_REQUIRE_AWS();
    auto config = ResolveAwsConfig("", "s3");
    ASSERT_TRUE(config.ok()) << config.status().message();
    client_ = std::make_unique<S3Client>(*config, MakeCurlTransport());
    bucket_ = testing::UniqueName("s3-client");
    for (char& c : bucket_)
      c = c == '_' ? '-' : c;
    ASSERT_TRUE(client_->CreateBucket(bucket_).ok());
    ASSERT_TRUE(client_->CreateBucket(bucket_).ok());  // creating it again is fine
  }

  std::unique_ptr<S3Client> client_;
  std::string bucket_;
};

// Downloads a URL with no credentials at all, as a person clicking a link would.
std::string Download(const std::string& url, long* status) {
  std::string body;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char* d, size_t s, size_t n, void* u) {
        static_cast<std::string*>(u)->append(d, s * n);
        return s * n;
      });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
  curl_easy_cleanup(curl);
  return body;
}

TEST_F(S3ClientTest, PutGetRangeHeadDeleteWithAwkwardKeys) {
  const std::string key = "dir one/file+name=ü.csv";
  ASSERT_TRUE(client_->PutObject(bucket_, key, "a,b\n1,2\n", "text/csv").ok());
  EXPECT_EQ(*client_->GetObject(bucket_, key), "a,b\n1,2\n");
  EXPECT_EQ(*client_->GetObject(bucket_, key, 4, 3), "1,2");
  auto head = client_->HeadObject(bucket_, key);
  ASSERT_TRUE(head.ok() && head->has_value());
  EXPECT_EQ((*head)->size, 8u);
  EXPECT_EQ((*head)->content_type, "text/csv");
  EXPECT_EQ((*head)->etag.size(), 32u);  // the MD5 of a single-part object
  ASSERT_TRUE(client_->DeleteObject(bucket_, key).ok());
  EXPECT_FALSE(client_->HeadObject(bucket_, key)->has_value());
  auto missing = client_->GetObject(bucket_, key);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("NoSuchKey"), std::string::npos)
      << missing.status().message();
}

TEST_F(S3ClientTest, ListingFollowsContinuationPages) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(client_->PutObject(bucket_, "p/" + std::to_string(i), "x", "text/plain").ok());
  }
  ASSERT_TRUE(client_->PutObject(bucket_, "other", "x", "text/plain").ok());
  auto listed = client_->ListObjects(bucket_, "p/", 3);
  ASSERT_TRUE(listed.ok()) << listed.status().message();
  ASSERT_EQ(listed->size(), 7u);
  EXPECT_EQ((*listed)[6].key, "p/6");
  EXPECT_EQ((*listed)[0].size, 1u);
}

TEST_F(S3ClientTest, MultipartWriterUploadsPartsAndPresignedUrlDownloadsThem) {
  // Seven parts, each of its own bytes, so that parts uploaded side by side and completed out
  // of order would show in the object and in its SHA-256.
  S3ObjectWriter writer(*client_, bucket_, "big.csv", "text/csv", 5 << 20);
  std::string expected;
  std::string chunk(1 << 20, 'x');
  for (int i = 0; i < 33; ++i) {
    chunk.assign(chunk.size(), static_cast<char>('a' + i % 26));
    chunk[0] = static_cast<char>('0' + i % 10);
    expected += chunk;
    ASSERT_TRUE(writer.Write(chunk).ok());
  }
  ASSERT_TRUE(writer.Finish().ok());
  EXPECT_EQ(writer.parts(), 7);
  EXPECT_EQ(writer.sha256_hex(), HexLower(Sha256(expected)));
  auto url = client_->PresignGet(bucket_, "big.csv", 600);
  ASSERT_TRUE(url.ok());
  long status = 0;
  EXPECT_TRUE(Download(*url, &status) == expected);
  EXPECT_EQ(status, 200);
  EXPECT_FALSE(client_->PresignGet(bucket_, "big.csv", 604801).ok());
}

TEST_F(S3ClientTest, AnAbortedWriterLeavesNoObject) {
  {
    S3ObjectWriter writer(*client_, bucket_, "half.csv", "text/csv", 5 << 20);
    ASSERT_TRUE(writer.Write(std::string(6 << 20, 'y')).ok());  // one part already sent
  }  // destroyed without Finish(): the upload is aborted
  EXPECT_FALSE(client_->HeadObject(bucket_, "half.csv")->has_value());
}

TEST_F(S3ClientTest, AMissingBucketIsAClearError) {
  Status st = client_->PutObject("no-such-bucket-" + bucket_, "k", "x", "text/plain");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("NoSuchBucket"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("s3://no-such-bucket-"), std::string::npos);
}

}  // namespace
}  // namespace sluice
