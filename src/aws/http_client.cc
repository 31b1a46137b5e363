#include "aws/http_client.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <strings.h>

#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>

#include "core/environment.h"
#include "core/log.h"
#include "core/strings.h"

namespace sluice {
namespace {

// SetAwsCaBundle's path: set while resolving a configuration, read by every request.
std::mutex& AwsCaBundleMutex() {
  static std::mutex mutex;
  return mutex;
}
std::string& AwsCaBundlePath() {
  static std::string path;
  return path;
}

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// What the header and progress callbacks share for one transfer.
struct TransferWatch {
  HttpHeaders* headers;
  const std::atomic<bool>* cancel;
  bool answer_begun = false;  // the server has sent its status line
};

// libcurl calls this at least once a second during a transfer; non-zero aborts it. A cancel
// is honoured only until the server begins its answer: an answer already on its way may carry
// SQS messages the server has marked in flight, and cutting it would hide them from every
// consumer until their visibility timeout, where finishing it lets the caller hand them back.
int StopWhenCancelled(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* watch = static_cast<const TransferWatch*>(user);
  return !watch->answer_begun && watch->cancel->load() ? 1 : 0;
}

size_t AppendHeader(char* data, size_t size, size_t count, void* user) {
  auto* watch = static_cast<TransferWatch*>(user);
  watch->answer_begun = true;
  std::string_view line(data, size * count);
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name = AsciiLower(line.substr(0, colon));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' '))
      value.remove_prefix(1);
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    watch->headers->emplace_back(std::move(name), std::string(value));
  } else if (line.starts_with("HTTP/")) {
    watch->headers->clear();  // a new response (after 100 Continue)
  }
  return size * count;
}

// Failures of trust rather than of the network (libcurl's error codes, "libcurl-errors"): the
// peer's certificate or name did not verify, or the CA file itself could not be used.
bool IsTlsTrustFailure(CURLcode code) {
  switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
      return true;
    default:
      return false;
  }
}

// What to do about a certificate that did not verify, from libcurl's reason (OpenSSL's verify
// error, see X509_verify_cert_error_string): only a chain no trusted CA signed is fixed by naming
// CAs; an expired certificate, or one that names another host, is the server's to fix.
std::string TlsTrustAdvice(CURLcode code, std::string_view reason, const std::string& ca) {
  const std::string trusted = ca.empty() ? "the system's CAs" : ca;
  if (code == CURLE_SSL_CACERT_BADFILE) {
    return fmt::format(
        "the CA file {} cannot be used (AWS_CA_BUNDLE, or ca_bundle in the AWS "
        "profile, must name a PEM file of CA certificates)",
        trusted);
  }
  if (reason.find("issuer") != std::string_view::npos ||
      reason.find("self-signed") != std::string_view::npos ||
      reason.find("self signed") != std::string_view::npos) {
    return fmt::format(
        "the server's certificate is not signed by a trusted CA (set AWS_CA_BUNDLE, "
        "or ca_bundle in the AWS profile, to a PEM file of the CAs that signed "
        "it; trusted now: {})",
        trusted);
  }
  if (reason.find("host name") != std::string_view::npos ||
      reason.find("subject name") != std::string_view::npos) {
    return "the server's certificate does not name the endpoint's host (use an endpoint URL "
           "with a host name the certificate holds)";
  }
  return fmt::format("the server's certificate did not verify (trusted CAs: {})", trusted);
}

class CurlTransport : public HttpTransport {
 public:
  CurlTransport() {
    GlobalInitOnce();
    curl_ = curl_easy_init();
  }
  ~CurlTransport() override { curl_easy_cleanup(curl_); }

  std::unique_ptr<HttpTransport> Fork() const override { return std::make_unique<CurlTransport>(); }

  Result<HttpResponse> Send(const HttpRequest& request) override {
    if (!curl_) return Internal("cannot create a curl handle");
    curl_easy_reset(curl_);  // keeps the connection cache
    // libcurl's own reason ("SSL certificate problem: certificate has expired"), which says more
    // than its error code's text.
    error_[0] = '\0';
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error_);
    HttpResponse response;
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers) {
      headers = curl_slist_append(headers, fmt::format("{}: {}", name, value).c_str());
    }
    // curl adds these unless told not to; the signature covers exactly what we send. Its
    // default form content type would make servers parse a body as form fields.
    headers = curl_slist_append(headers, "Expect:");
    bool has_type = false;
    for (const auto& h : request.headers) {
      has_type = has_type || strcasecmp(h.first.c_str(), "content-type") == 0;
    }
    if (!has_type) {
      headers = curl_slist_append(headers, request.method == "POST" || request.method == "PUT"
                                               ? "Content-Type: application/octet-stream"
                                               : "Content-Type:");
    }
    curl_easy_setopt(curl_, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method == "HEAD") curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(request.stall_timeout.count()));
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_TCP_KEEPALIVE, 1L);
    // AWS_CA_BUNDLE (the AWS CLI's and SDKs' variable): a PEM file of CAs trusted instead of the
    // system's, for an https endpoint whose certificate a private CA signed. Verification of
    // the chain and the host name stays on either way.
    // The choice ResolveAwsConfig made (the variable, else the AWS profile's ca_bundle); the
    // variable alone for a transport used before any configuration was resolved.
    static const std::string ca_bundle = GetEnv("AWS_CA_BUNDLE");  // read once per process
    std::string ca = AwsCaBundle();
    if (ca.empty()) ca = ca_bundle;
    if (!ca.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, ca.c_str());
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &AppendBody);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &AppendHeader);
    TransferWatch watch{.headers = &response.headers, .cancel = request.cancel};
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &watch);
    // A proxy's answer to CONNECT is not the server's answer: it must neither begin the
    // answer (which would make a waiting long poll uncancellable) nor add to its headers.
    curl_easy_setopt(curl_, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    if (request.cancel) {
      curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, &StopWhenCancelled);
      curl_easy_setopt(curl_, CURLOPT_XFERINFODATA, &watch);
    }
    CURLcode code = curl_easy_perform(curl_);
    curl_slist_free_all(headers);
    if (code == CURLE_ABORTED_BY_CALLBACK) {
      return Status(StatusCode::kCancelled,
                    fmt::format("{} {}: cancelled", request.method, RedactQuery(request.url)));
    }
    if (code == CURLE_OPERATION_TIMEDOUT) {
      return Unavailable(
          fmt::format("{} {}: no answer: nothing moved for {} s, or the request outlasted {} s",
                      request.method, RedactQuery(request.url), request.stall_timeout.count(),
                      std::chrono::duration_cast<std::chrono::seconds>(request.timeout).count()));
    }
    if (IsTlsTrustFailure(code)) {
      // The certificate will not verify on a second try, so it is not retried.
      return Status(StatusCode::kFailedPrecondition,
                    fmt::format("{} {}: {}; {}", request.method, RedactQuery(request.url),
                                error_[0] ? error_ : curl_easy_strerror(code),
                                TlsTrustAdvice(code, error_, ca)));
    }
    if (code != CURLE_OK) {
      return Unavailable(fmt::format("{} {}: {}", request.method, RedactQuery(request.url),
                                     curl_easy_strerror(code)));
    }
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
  }

 private:
  // A presigned URL's query holds a signature and maybe a session token: never print it.
  static std::string RedactQuery(const std::string& url) { return url.substr(0, url.find('?')); }

  CURL* curl_ = nullptr;
  char error_[CURL_ERROR_SIZE] = {};
};

}  // namespace

const std::string* HttpResponse::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

std::unique_ptr<HttpTransport> MakeCurlTransport() {
  return std::make_unique<CurlTransport>();
}

bool IsRetryableResponse(const HttpResponse& response) {
  if (response.status == 429 || response.status >= 500) return true;
  // SQS and S3 report throttling as 400/403 with a code in the body.
  return (response.status == 400 || response.status == 403) &&
         (response.body.find("Throttl") != std::string::npos ||
          response.body.find("SlowDown") != std::string::npos ||
          response.body.find("RequestTimeTooSkewed") != std::string::npos);
}

Result<HttpResponse> SendWithRetries(HttpTransport& transport, const RetryPolicy& policy,
                                     const std::function<HttpRequest()>& build_signed_request,
                                     uint64_t* unanswered_attempts) {
  Result<HttpResponse> last = Unavailable("no attempt made");
  for (int attempt = 1; attempt <= std::max(1, policy.attempts); ++attempt) {
    last = transport.Send(build_signed_request());
    if (!last.ok() && unanswered_attempts) ++*unanswered_attempts;
    bool retry =
        last.ok() ? IsRetryableResponse(*last) : last.status().code() == StatusCode::kUnavailable;
    if (!retry || attempt == policy.attempts) break;
    const auto delay = policy.PauseAfter(attempt);
    LogDebug("retrying after {} ms (attempt {} of {}): {}", delay.count(), attempt, policy.attempts,
             last.ok() ? fmt::format("HTTP {}", last->status) : last.status().message());
    std::this_thread::sleep_for(delay);
  }
  return last;
}

void SetAwsCaBundle(std::string path) {
  std::lock_guard lock(AwsCaBundleMutex());
  AwsCaBundlePath() = std::move(path);
}

std::string AwsCaBundle() {
  std::lock_guard lock(AwsCaBundleMutex());
  return AwsCaBundlePath();
}

}  // namespace sluice
