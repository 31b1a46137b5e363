// Fuzzes the reading of credentials from outside: a container or instance metadata endpoint's
// JSON and STS's XML. Whatever they answer, Get() returns credentials or an error, and an
// error quotes none of the JSON answer.
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "aws/credentials_provider.h"

namespace {

class Answers : public sluice::HttpTransport {
 public:
  explicit Answers(std::string body) : body_(std::move(body)) {}
  sluice::Result<sluice::HttpResponse> Send(const sluice::HttpRequest&) override {
    sluice::HttpResponse r;
    r.status = 200;
    r.body = body_;
    return r;
  }

 private:
  std::string body_;
};

// A web identity token file for the STS provider, made once.
const std::string& TokenFile() {
  static const std::string path = [] {
    std::string p = "/tmp/sluice-fuzz-web-identity-token";
    std::ofstream(p) << "token";
    return p;
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string document(reinterpret_cast<const char*>(data), size);
  // The same answer read as STS's XML: credentials or an error, never a crash.
  auto sts = sluice::MakeWebIdentityCredentials("http://127.0.0.1:1", "arn:aws:iam::1:role/r", "s",
                                                TokenFile(), std::make_unique<Answers>(document));
  auto from_sts = sts->Get();
  if (from_sts.ok() && (from_sts->access_key_id.empty() || from_sts->secret_access_key.empty())) {
    std::abort();
  }
  auto provider = sluice::MakeContainerCredentials("http://127.0.0.1:1/c", "", "",
                                                   std::make_unique<Answers>(document));
  auto credentials = provider->Get();
  if (credentials.ok()) {
    if (credentials->access_key_id.empty() || credentials->secret_access_key.empty()) std::abort();
  } else if (document.size() >= 16 && document.find_first_of("{\"") != std::string::npos &&
             credentials.status().message().find(document) != std::string::npos) {
    // The answer may hold secrets: it is never quoted. (Only answers with JSON's { or " are
    // checked: the fixed wording of the errors has neither, and may contain a short answer.)
    std::abort();
  }
  return 0;
}
