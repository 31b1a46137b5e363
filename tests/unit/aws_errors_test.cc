// AWS error answers become the StatusCode that says what happened, through the S3 and SQS
// clients, for answers the local server does not give on demand (AccessDenied, a refused key,
// throttling). The exit policy turns every one of them into exit 1 (exit_policy_test).
#include "aws/aws_errors.h"

#include <gtest/gtest.h>

#include "connectors/s3/s3_client.h"
#include "connectors/sqs/sqs_client.h"

namespace sluice {
namespace {

class Answer : public HttpTransport {
 public:
  Answer(long status, std::string body) : status_(status), body_(std::move(body)) {}
  Result<HttpResponse> Send(const HttpRequest&) override {
    HttpResponse r;
    r.status = status_;
    r.body = body_;
    return r;
  }

 private:
  long status_;
  std::string body_;
};

AwsConfig Config() {
  AwsConfig config;
  config.endpoint = *ParseEndpoint("http://127.0.0.1:1");
  config.region = "us-east-1";
  config.credentials = {"AKID", "secret", ""};
  return config;
}

std::string S3Error(const std::string& code) {
  return "<?xml version=\"1.0\"?><Error><Code>" + code + "</Code><Message>words</Message></Error>";
}

std::string SqsError(const std::string& type) {
  return R"({"__type":"com.amazonaws.sqs#)" + type + R"(","message":"words"})";
}

TEST(AwsErrors, CodesAndStatusesMapToWhatHappened) {
  EXPECT_EQ(StatusCodeForAwsError(403, "AccessDenied"), StatusCode::kPermissionDenied);
  EXPECT_EQ(StatusCodeForAwsError(403, "SignatureDoesNotMatch"), StatusCode::kUnauthenticated);
  EXPECT_EQ(StatusCodeForAwsError(403, "InvalidAccessKeyId"), StatusCode::kUnauthenticated);
  EXPECT_EQ(StatusCodeForAwsError(400, "ExpiredToken"), StatusCode::kUnauthenticated);
  EXPECT_EQ(StatusCodeForAwsError(404, "NoSuchBucket"), StatusCode::kNotFound);
  EXPECT_EQ(StatusCodeForAwsError(400, "QueueDoesNotExist"), StatusCode::kNotFound);
  EXPECT_EQ(StatusCodeForAwsError(400, "AWS.SimpleQueueService.NonExistentQueue"),
            StatusCode::kNotFound);
  EXPECT_EQ(StatusCodeForAwsError(503, "SlowDown"), StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForAwsError(400, "ThrottlingException"), StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForAwsError(500, ""), StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForAwsError(400, "InvalidParameterValue"), StatusCode::kFailedPrecondition);
  EXPECT_EQ(StatusCodeForAwsError(409, "BucketAlreadyOwnedByYou"), StatusCode::kFailedPrecondition);
}

TEST(AwsErrors, S3AnswersKeepTheirCodeInTheMessage) {
  struct Case {
    long http;
    std::string code;
    StatusCode expected;
  };
  for (const Case& c :
       std::vector<Case>{{403, "AccessDenied", StatusCode::kPermissionDenied},
                         {403, "InvalidAccessKeyId", StatusCode::kUnauthenticated},
                         {404, "NoSuchKey", StatusCode::kNotFound},
                         {400, "InvalidRequest", StatusCode::kFailedPrecondition}}) {
    S3Client s3(Config(), std::make_unique<Answer>(c.http, S3Error(c.code)));
    auto got = s3.GetObject("bucket", "key");
    ASSERT_FALSE(got.ok()) << c.code;
    EXPECT_EQ(got.status().code(), c.expected) << c.code;
    EXPECT_EQ(got.status().message(), "S3 GetObject s3://bucket/key: " + c.code + ": words");
  }
}

TEST(AwsErrors, SqsAnswersKeepTheirCodeInTheMessage) {
  SqsClient denied(Config(), std::make_unique<Answer>(400, SqsError("QueueDoesNotExist")));
  auto url = denied.GetQueueUrl("q");
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(url.status().message(),
            "queue 'q': SQS GetQueueUrl: QueueDoesNotExist: words (HTTP 400)");
  SqsClient forbidden(Config(), std::make_unique<Answer>(403, SqsError("AccessDenied")));
  EXPECT_EQ(forbidden.GetQueueUrl("q").status().code(), StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace sluice
