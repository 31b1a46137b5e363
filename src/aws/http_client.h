// HTTP for the AWS clients: an interface, so tests can inject faults a real server will not
// produce on demand, and its libcurl implementation with connection reuse, timeouts, and
// retries with jittered exponential backoff on throttling, 5xx and dropped connections.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "aws/sigv4.h"
#include "core/retry_policy.h"
#include "core/status.h"

namespace sluice {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  HttpHeaders headers;
  std::string_view body;  // not owned: the caller keeps it alive (parts are megabytes)
  std::chrono::milliseconds timeout{30000};
  // A connection that moves no byte either way for this long is given up (kUnavailable, so it
  // is retried): a server that accepts and then never answers would otherwise hold the request
  // for all of `timeout`, which is minutes for S3's large parts. Longer than SQS's 20-second
  // long poll, during which nothing moves by design.
  std::chrono::seconds stall_timeout{30};
  // When this turns true before the server has begun its answer, the transfer stops within
  // about a second and Send returns kCancelled: a shutdown need not wait out a 20-second long
  // poll. An answer already begun is read to its end and returned.
  const std::atomic<bool>* cancel = nullptr;
};

struct HttpResponse {
  long status = 0;
  HttpHeaders headers;  // names lower-cased
  std::string body;

  const std::string* Header(std::string_view lower_name) const;
};

// Sends one request, once. A transport error (no connection, reset, timeout) is kUnavailable;
// any HTTP status is a response.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
  // A transport of the same kind for another thread, or nullptr if there is no such thing
  // (a scripted transport in a test): callers then stay on one thread.
  virtual std::unique_ptr<HttpTransport> Fork() const { return nullptr; }
};

// libcurl, one easy handle per transport so its connection is reused. Not thread-safe: give
// each thread its own.
std::unique_ptr<HttpTransport> MakeCurlTransport();

// The PEM file of CAs every curl transport trusts instead of the system's ("" for the system's):
// AWS_CA_BUNDLE, else the ca_bundle of the AWS profile in use, as ResolveAwsConfig chooses
// them. A transport made before any configuration was resolved reads AWS_CA_BUNDLE itself.
void SetAwsCaBundle(std::string path);
std::string AwsCaBundle();

// Whether a response is worth sending again: throttling and server-side failures.
bool IsRetryableResponse(const HttpResponse& response);

// Sends with retries per `policy`. `sign` is called before every attempt, since a signature
// carries the time. Returns the last response or transport error. When `unanswered_attempts` is
// given, it is increased by each attempt that ended without any HTTP answer (a cut connection,
// a timeout, a cancel): the server may still have acted on such a request.
Result<HttpResponse> SendWithRetries(HttpTransport& transport, const RetryPolicy& policy,
                                     const std::function<HttpRequest()>& build_signed_request,
                                     uint64_t* unanswered_attempts = nullptr);

}  // namespace sluice
