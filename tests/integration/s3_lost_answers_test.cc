// Case report-lost-complete-answer and its kind: S3 requests whose answers (or whose requests)
// are lost, injected behind the HttpTransport interface in front of the real local S3. After a
// lost answer the writer finds out what happened, so that "finished" always means the object
// is there as written and a failure always means no object of this writer's is.
#include <gtest/gtest.h>

#include "aws/crypto.h"
#include "connectors/s3/s3_client.h"
#include "support/faulty_transport.h"
#include "support/test_env.h"

namespace sluice {
namespace {

using testing::Fault;
using testing::FaultPlan;

class S3LostAnswersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SLUICE_REQUIRE_AWS();
    auto config = ResolveAwsConfig("", "s3");
    ASSERT_TRUE(config.ok()) << config.status().message();
    plan_ = std::make_shared<FaultPlan>();
    // Quick retries: the faults here are certain, not transient.
    const RetryPolicy quick{3, std::chrono::milliseconds(1), std::chrono::milliseconds(5)};
    s3_ = std::make_unique<S3Client>(
        *config, std::make_unique<testing::FaultyTransport>(plan_, MakeCurlTransport()),
        S3Addressing::kPath, quick);
    clean_ = std::make_unique<S3Client>(*config, MakeCurlTransport());
    bucket_ = testing::UniqueName("lost-answers");
    for (char& c : bucket_)
      c = c == '_' ? '-' : c;
    ASSERT_TRUE(clean_->CreateBucket(bucket_).ok());
  }

  // Writes `parts` parts of 5 MiB (the last one short) or, with parts = 0, a small object.
  Status Write(const std::string& key, int parts, std::string* written) {
    S3ObjectWriter writer(*s3_, bucket_, key, "text/csv", 5 << 20);
    written->clear();
    for (int p = 0; p < parts; ++p) {
      std::string part((p + 1 < parts ? 5 << 20 : 1000), static_cast<char>('a' + p));
      *written += part;
      RETURN_IF_ERROR(writer.Write(part));
    }
    if (parts == 0) {
      *written = "user_id,user_name\n1,Ann\n";
      RETURN_IF_ERROR(writer.Write(*written));
    }
    Status st = writer.Finish();
    if (st.ok()) {
      EXPECT_EQ(writer.sha256_hex(), HexLower(Sha256(*written)));
    }
    return st;
  }

  size_t UploadsLeft(const std::string& key) {
    auto uploads = clean_->ListMultipartUploads(bucket_, key);
    EXPECT_TRUE(uploads.ok()) << uploads.status().message();
    return uploads.ok() ? uploads->size() : 99;
  }

  std::shared_ptr<FaultPlan> plan_;
  std::unique_ptr<S3Client> s3_;
  std::unique_ptr<S3Client> clean_;
  std::string bucket_;
};

TEST_F(S3LostAnswersTest, CompleteDoneButEveryAnswerLostFinishesAsWritten) {
  plan_->pick = [](const HttpRequest& r) {
    return testing::IsCompleteMultipart(r) ? Fault::kLoseAnswer : Fault::kNone;
  };
  std::string written;
  Status st = Write("r/lost-complete.csv", 2, &written);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(plan_->answers_lost, 3);  // every try
  EXPECT_TRUE(*clean_->GetObject(bucket_, "r/lost-complete.csv") == written);
  EXPECT_EQ(UploadsLeft("r/lost-complete.csv"), 0u);
}

TEST_F(S3LostAnswersTest, CompleteNeverArrivingFailsNamedWithNoObjectLeft) {
  plan_->pick = [](const HttpRequest& r) {
    return testing::IsCompleteMultipart(r) ? Fault::kLoseRequest : Fault::kNone;
  };
  std::string written;
  Status st = Write("r/never-complete.csv", 2, &written);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message().find("S3 CompleteMultipartUpload s3://" + bucket_ +
                              "/r/never-complete.csv: POST "),
            0u)
      << st.message();
  EXPECT_NE(st.message().find("the upload was aborted, so no object was written"),
            std::string::npos)
      << st.message();
  EXPECT_FALSE(clean_->HeadObject(bucket_, "r/never-complete.csv")->has_value());
  EXPECT_EQ(UploadsLeft("r/never-complete.csv"), 0u);
}

TEST_F(S3LostAnswersTest, AFailedRewriteLeavesTheEarlierObjectAlone) {
  // A re-run writes the same key: when its completion never arrives, the earlier report stays.
  ASSERT_TRUE(clean_->PutObject(bucket_, "r/again.csv", "earlier\n", "text/csv").ok());
  plan_->pick = [](const HttpRequest& r) {
    return testing::IsCompleteMultipart(r) ? Fault::kLoseRequest : Fault::kNone;
  };
  std::string written;
  ASSERT_FALSE(Write("r/again.csv", 2, &written).ok());
  EXPECT_EQ(*clean_->GetObject(bucket_, "r/again.csv"), "earlier\n");
  EXPECT_EQ(UploadsLeft("r/again.csv"), 0u);

  // And when the answers of a small PUT are lost, the earlier object is not taken for ours.
  plan_->pick = [](const HttpRequest& r) {
    return testing::IsPutObject(r) ? Fault::kLoseRequest : Fault::kNone;
  };
  Status st = Write("r/again.csv", 0, &written);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(*clean_->GetObject(bucket_, "r/again.csv"), "earlier\n");
}

TEST_F(S3LostAnswersTest, PutDoneButEveryAnswerLostFinishesAsWritten) {
  plan_->pick = [](const HttpRequest& r) {
    return testing::IsPutObject(r) ? Fault::kLoseAnswer : Fault::kNone;
  };
  std::string written;
  Status st = Write("r/lost-put.csv", 0, &written);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(plan_->answers_lost, 3);
  EXPECT_EQ(*clean_->GetObject(bucket_, "r/lost-put.csv"), written);
  // The SHA-256 travels with the object, which is how the writer knew it for its own.
  auto stat = clean_->StatObject(bucket_, "r/lost-put.csv");
  ASSERT_TRUE(stat.ok() && stat->has_value());
  EXPECT_EQ((*stat)->sha256, HexLower(Sha256(written)));
  EXPECT_EQ((*stat)->size, written.size());
}

TEST_F(S3LostAnswersTest, PutNeverArrivingFailsNamedWithNoObject) {
  plan_->pick = [](const HttpRequest& r) {
    return testing::IsPutObject(r) ? Fault::kLoseRequest : Fault::kNone;
  };
  std::string written;
  Status st = Write("r/never-put.csv", 0, &written);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_EQ(st.message().find("S3 PutObject s3://" + bucket_ + "/r/never-put.csv: PUT "), 0u)
      << st.message();
  EXPECT_FALSE(clean_->HeadObject(bucket_, "r/never-put.csv")->has_value());
}

TEST_F(S3LostAnswersTest, ALostCreateAnswerLeavesNoStrayUpload) {
  // The first CreateMultipartUpload is done but its answer lost: S3 holds an upload whose id
  // the writer never learnt. It is found and aborted.
  bool lost_one = false;
  plan_->pick = [&](const HttpRequest& r) {
    if (!testing::IsCreateMultipart(r) || lost_one) return Fault::kNone;
    lost_one = true;
    return Fault::kLoseAnswer;
  };
  std::string written;
  Status st = Write("r/lost-create.csv", 2, &written);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_TRUE(*clean_->GetObject(bucket_, "r/lost-create.csv") == written);
  EXPECT_EQ(UploadsLeft("r/lost-create.csv"), 0u);

  // Every answer lost: the writer fails, naming the operation, and leaves no upload behind.
  plan_->pick = [](const HttpRequest& r) {
    return testing::IsCreateMultipart(r) ? Fault::kLoseAnswer : Fault::kNone;
  };
  st = Write("r/no-create.csv", 2, &written);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message().find("S3 CreateMultipartUpload s3://" + bucket_ + "/r/no-create.csv"), 0u)
      << st.message();
  EXPECT_EQ(UploadsLeft("r/no-create.csv"), 0u);
  EXPECT_FALSE(clean_->HeadObject(bucket_, "r/no-create.csv")->has_value());
}

TEST_F(S3LostAnswersTest, LostUploadPartAnswersFailNamedWithNothingLeft) {
  plan_->pick = [](const HttpRequest& r) {
    return testing::IsUploadPart(r) ? Fault::kLoseAnswer : Fault::kNone;
  };
  std::string written;
  Status st = Write("r/lost-part.csv", 3, &written);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message().find("S3 UploadPart "), 0u) << st.message();
  EXPECT_FALSE(clean_->HeadObject(bucket_, "r/lost-part.csv")->has_value());
  EXPECT_EQ(UploadsLeft("r/lost-part.csv"), 0u);
}

}  // namespace
}  // namespace sluice
