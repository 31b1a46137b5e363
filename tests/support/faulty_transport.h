// An HttpTransport for tests that forwards to a real one (the local S3) and, for the requests
// a plan picks, loses the answer (the server did the work; the client hears nothing, as after
// a reset or a timeout) or the request itself (the server never sees it). Forks share the plan,
// so parallel uploaders are covered too.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aws/http_client.h"

namespace sluice::testing {

enum class Fault { kNone, kLoseAnswer, kLoseRequest };

struct FaultPlan {
  std::function<Fault(const HttpRequest&)> pick = [](const HttpRequest&) { return Fault::kNone; };
  std::mutex mutex;
  int answers_lost = 0;
  int requests_lost = 0;
};

class FaultyTransport : public HttpTransport {
 public:
  FaultyTransport(std::shared_ptr<FaultPlan> plan, std::unique_ptr<HttpTransport> real)
      : plan_(std::move(plan)), real_(std::move(real)) {}

  Result<HttpResponse> Send(const HttpRequest& request) override {
    Fault fault;
    {
      std::lock_guard lock(plan_->mutex);
      fault = plan_->pick(request);
      if (fault == Fault::kLoseAnswer) ++plan_->answers_lost;
      if (fault == Fault::kLoseRequest) ++plan_->requests_lost;
    }
    const std::string lost =
        fmt::format("{} {}: Server returned nothing (no headers, no data)", request.method,
                    request.url.substr(0, request.url.find('?')));
    if (fault == Fault::kLoseRequest) return Unavailable(lost);
    auto response = real_->Send(request);
    if (fault == Fault::kLoseAnswer) return Unavailable(lost);
    return response;
  }

  std::unique_ptr<HttpTransport> Fork() const override {
    std::unique_ptr<HttpTransport> real = real_->Fork();
    if (!real) return nullptr;
    return std::make_unique<FaultyTransport>(plan_, std::move(real));
  }

 private:
  std::shared_ptr<FaultPlan> plan_;
  std::unique_ptr<HttpTransport> real_;
};

// What an S3 request is, from its method and URL (path-style addressing).
inline bool IsCompleteMultipart(const HttpRequest& r) {
  return r.method == "POST" && r.url.find("?uploadId=") != std::string::npos;
}
inline bool IsCreateMultipart(const HttpRequest& r) {
  return r.method == "POST" && r.url.find("?uploads=") != std::string::npos;
}
inline bool IsUploadPart(const HttpRequest& r) {
  return r.method == "PUT" && r.url.find("partNumber=") != std::string::npos;
}
// A PUT of an object: a path with a key after the bucket, and no query.
inline bool IsPutObject(const HttpRequest& r) {
  const size_t path = r.url.find('/', r.url.find("://") + 3);
  return r.method == "PUT" && r.url.find('?') == std::string::npos && path != std::string::npos &&
         r.url.find('/', path + 1) != std::string::npos;
}

}  // namespace sluice::testing
