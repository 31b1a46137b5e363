// Fuzzes the S3 client's reading of answers (XML). One input is one answer to one call, so each
// run signs few requests (answering every call under every status made 35 signed requests an
// input and held the target near 100 runs a second under ASan):
// - byte 0 selects: byte0 % 5 the status (kS3FuzzStatuses: 200, 400, 403, 404, 500), and
//   (byte0 / 5) % 7 the call (kS3FuzzCalls below: ListObjectsV2, ListMultipartUploads,
//   CreateMultipartUpload, CompleteMultipartUpload, GetObject, PutObject, CreateBucket). The
//   seeds use 'F' (70) + 5 * call + status.
// - the rest of the input is the body S3 sends back to every request of that call (an error
//   document under an error status).
// An empty input is skipped. Whatever the body:
// - a listing ends: a server that sends the same page again and again (the same continuation
//   token or markers) must not hold the client in a loop that grows its list without end;
// - an upload id is never empty, and a completion answered with an <Error> is not a success;
// - an error status is never a success, whatever the call (CreateBucket's
//   BucketAlreadyOwnedByYou excepted: the bucket it asked for exists); an error names S3, the
//   operation and the bucket, and never holds our secret key or session token.
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "connectors/s3/s3_client.h"

namespace {

constexpr const char* kS3FuzzSecret = "fuzzSecretKey/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kS3FuzzToken = "fuzzSessionToken+IQoJb3JpZ2luX2VjEXAMPLE";
// More requests than this for one call means the client keeps asking for the same page.
constexpr int kS3FuzzMostRequests = 64;
// More requests than kS3FuzzMostRequests for one call is the fault once found here, kept by
// corpus/s3_responses/list-objects-truncated (ListObjectsV2, 200) and
// corpus/s3_responses/list-uploads-truncated (ListMultipartUploads, 200): ListObjects and
// ListMultipartUploads followed a continuation token (or markers) they had already sent, so a
// server repeating its page held them in an endless loop whose list grew without bound. They now
// refuse a repeated token.

constexpr long kS3FuzzStatuses[] = {200, 400, 403, 404, 500};

// The calls byte 0 selects, in the order of (byte0 / 5) % 7.
enum class S3FuzzCall {
  kListObjects,
  kListUploads,
  kCreateUpload,
  kCompleteUpload,
  kGetObject,
  kPutObject,
  kCreateBucket,
};
constexpr S3FuzzCall kS3FuzzCalls[] = {
    S3FuzzCall::kListObjects,    S3FuzzCall::kListUploads, S3FuzzCall::kCreateUpload,
    S3FuzzCall::kCompleteUpload, S3FuzzCall::kGetObject,   S3FuzzCall::kPutObject,
    S3FuzzCall::kCreateBucket,
};

// Answers every request with the same status and body, and an ETag; counts the requests.
class S3FuzzAnswer : public sluice::HttpTransport {
 public:
  S3FuzzAnswer(long status, const std::string* body) : status_(status), body_(body) {}
  sluice::Result<sluice::HttpResponse> Send(const sluice::HttpRequest&) override {
    if (++requests_ > kS3FuzzMostRequests) std::abort();
    sluice::HttpResponse r;
    r.status = status_;
    r.body = *body_;
    r.headers = {{"etag", "\"0123456789abcdef0123456789abcdef\""}};
    return r;
  }

 private:
  long status_;
  const std::string* body_;
  int requests_ = 0;
};

void S3FuzzCheckError(const sluice::Status& status, std::string_view action,
                      bool input_has_secret) {
  if (status.ok()) return;
  const std::string& m = status.message();
  if (m.find("S3 ") == std::string::npos || m.find(action) == std::string::npos ||
      m.find("s3://fuzz-bucket") == std::string::npos) {
    std::abort();
  }
  if (!input_has_secret &&
      (m.find(kS3FuzzSecret) != std::string::npos || m.find(kS3FuzzToken) != std::string::npos)) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const long answer = kS3FuzzStatuses[data[0] % std::size(kS3FuzzStatuses)];
  const S3FuzzCall call =
      kS3FuzzCalls[(data[0] / std::size(kS3FuzzStatuses)) % std::size(kS3FuzzCalls)];
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool input_has_secret =
      body.find(kS3FuzzSecret) != std::string::npos || body.find(kS3FuzzToken) != std::string::npos;
  sluice::AwsConfig config;
  config.endpoint = {"http", "127.0.0.1:1", ""};
  config.region = "us-east-1";
  config.credentials = {"AKIDFUZZEXAMPLE", kS3FuzzSecret, kS3FuzzToken};
  sluice::RetryPolicy once;
  once.attempts = 1;
  // A new client (and transport) per input, so the request count is this call's.
  sluice::S3Client client(config, std::make_unique<S3FuzzAnswer>(answer, &body),
                          sluice::S3Addressing::kPath, once);
  const std::string bucket = "fuzz-bucket", key = "reports/2026-12-01.csv";

  switch (call) {
    case S3FuzzCall::kListObjects: {
      auto objects = client.ListObjects(bucket, "reports/");
      if (answer != 200 && objects.ok()) std::abort();
      S3FuzzCheckError(objects.status(), "ListObjectsV2", input_has_secret);
      break;
    }
    case S3FuzzCall::kListUploads: {
      auto uploads = client.ListMultipartUploads(bucket, "reports/");
      if (answer != 200 && uploads.ok()) std::abort();
      S3FuzzCheckError(uploads.status(), "ListMultipartUploads", input_has_secret);
      break;
    }
    case S3FuzzCall::kCreateUpload: {
      auto upload_id = client.CreateMultipartUpload(bucket, key, "text/csv");
      if (upload_id.ok() && (answer != 200 || upload_id->empty())) std::abort();
      S3FuzzCheckError(upload_id.status(), "CreateMultipartUpload", input_has_secret);
      break;
    }
    case S3FuzzCall::kCompleteUpload: {
      auto completed = client.CompleteMultipartUpload(bucket, key, "fuzz-upload",
                                                      {"0123456789abcdef0123456789abcdef"});
      if (completed.ok() && (answer != 200 || body.find("<Error>") != std::string::npos)) {
        std::abort();
      }
      S3FuzzCheckError(completed, "CompleteMultipartUpload", input_has_secret);
      break;
    }
    case S3FuzzCall::kGetObject: {
      auto got = client.GetObject(bucket, key);
      if (answer != 200 && got.ok()) std::abort();
      S3FuzzCheckError(got.status(), "GetObject", input_has_secret);
      break;
    }
    case S3FuzzCall::kPutObject: {
      const sluice::Status put = client.PutObject(bucket, key, "user_id\n1\n", "text/csv");
      if (answer != 200 && put.ok()) std::abort();
      S3FuzzCheckError(put, "PutObject", input_has_secret);
      break;
    }
    case S3FuzzCall::kCreateBucket: {
      // A bucket that is already ours is what CreateBucket was for: the one error taken as done.
      const sluice::Status created = client.CreateBucket(bucket);
      if (answer != 200 && created.ok() &&
          body.find("BucketAlreadyOwnedByYou") == std::string::npos) {
        std::abort();
      }
      S3FuzzCheckError(created, "CreateBucket", input_has_secret);
      break;
    }
  }
  return 0;
}
