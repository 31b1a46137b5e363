// Fuzzes the S3 client's reading of answers (XML): the input is the body S3 sends back, first
// with 200 to ListObjectsV2, ListMultipartUploads, CreateMultipartUpload and
// CompleteMultipartUpload, then with error statuses as an error document. Whatever the body:
// - a listing ends: a server that sends the same page again and again (the same continuation
//   token or markers) must not hold the client in a loop that grows its list without end;
// - an upload id is never empty, and a completion answered with an <Error> is not a success;
// - an error is an error, names S3, the operation and the bucket, and never holds our secret
//   key or session token.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "connectors/s3/s3_client.h"

namespace {

constexpr const char* kSecret = "fuzzSecretKey/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kToken = "fuzzSessionToken+IQoJb3JpZ2luX2VjEXAMPLE";
// More requests than this for one call means the client keeps asking for the same page.
constexpr int kMostRequests = 64;
// More requests than kMostRequests for one call is the fault once found here, kept by
// corpus/s3_responses/list-objects-truncated: ListObjects and ListMultipartUploads followed a
// continuation token (or markers) they had already sent, so a server repeating its page held them
// in an endless loop whose list grew without bound. They now refuse a repeated token.

struct Script {
  long status = 200;
  std::string body;
  int requests = 0;  // since the last call began
};

// Answers every request with the script's status and body, and an ETag.
class Answer : public sluice::HttpTransport {
 public:
  explicit Answer(Script* script) : script_(script) {}
  sluice::Result<sluice::HttpResponse> Send(const sluice::HttpRequest&) override {
    if (++script_->requests > kMostRequests) std::abort();
    sluice::HttpResponse r;
    r.status = script_->status;
    r.body = script_->body;
    r.headers = {{"etag", "\"0123456789abcdef0123456789abcdef\""}};
    return r;
  }

 private:
  Script* script_;
};

void CheckError(const sluice::Status& status, std::string_view action, bool input_has_secret) {
  if (status.ok()) return;
  const std::string& m = status.message();
  if (m.find("S3 ") == std::string::npos || m.find(action) == std::string::npos ||
      m.find("s3://fuzz-bucket") == std::string::npos) {
    std::abort();
  }
  if (!input_has_secret &&
      (m.find(kSecret) != std::string::npos || m.find(kToken) != std::string::npos)) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Script script;
  script.body.assign(reinterpret_cast<const char*>(data), size);
  const bool input_has_secret = script.body.find(kSecret) != std::string::npos ||
                                script.body.find(kToken) != std::string::npos;
  sluice::AwsConfig config;
  config.endpoint = {"http", "127.0.0.1:1", ""};
  config.region = "us-east-1";
  config.credentials = {"AKIDFUZZEXAMPLE", kSecret, kToken};
  sluice::RetryPolicy once;
  once.attempts = 1;
  sluice::S3Client client(config, std::make_unique<Answer>(&script), sluice::S3Addressing::kPath,
                          once);
  const std::string bucket = "fuzz-bucket", key = "reports/2026-12-01.csv";

  for (long answer : {200L, 400L, 403L, 404L, 500L}) {
    script.status = answer;
    script.requests = 0;
    auto objects = client.ListObjects(bucket, "reports/");
    if (answer != 200 && objects.ok()) std::abort();
    CheckError(objects.status(), "ListObjectsV2", input_has_secret);

    script.requests = 0;
    auto uploads = client.ListMultipartUploads(bucket, "reports/");
    if (answer != 200 && uploads.ok()) std::abort();
    CheckError(uploads.status(), "ListMultipartUploads", input_has_secret);

    script.requests = 0;
    auto upload_id = client.CreateMultipartUpload(bucket, key, "text/csv");
    if (upload_id.ok() && (answer != 200 || upload_id->empty())) std::abort();
    CheckError(upload_id.status(), "CreateMultipartUpload", input_has_secret);

    script.requests = 0;
    auto completed = client.CompleteMultipartUpload(bucket, key, "fuzz-upload",
                                                    {"0123456789abcdef0123456789abcdef"});
    if (completed.ok() && (answer != 200 || script.body.find("<Error>") != std::string::npos))
      std::abort();
    CheckError(completed, "CompleteMultipartUpload", input_has_secret);

    script.requests = 0;
    auto got = client.GetObject(bucket, key);
    if (answer != 200 && got.ok()) std::abort();
    CheckError(got.status(), "GetObject", input_has_secret);

    script.requests = 0;
    CheckError(client.PutObject(bucket, key, "user_id\n1\n", "text/csv"), "PutObject",
               input_has_secret);
    script.requests = 0;
    CheckError(client.CreateBucket(bucket), "CreateBucket", input_has_secret);
  }
  return 0;
}
