#include "aws/credentials_provider.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>

#include "core/files.h"
#include "core/secrets.h"
#include "core/time_parse.h"
#include "formats/json_reader.h"

namespace sluice {
namespace {

// Fetched credentials are renewed this long before they expire, so that a request signed with
// them never reaches AWS after they lapsed.
constexpr auto kRefreshMargin = std::chrono::minutes(5);
// Without an expiration in the document, ask again after this long.
constexpr auto kUndatedLifetime = std::chrono::minutes(15);
constexpr auto kMetadataTimeout = std::chrono::milliseconds(2000);

Result<HttpResponse> Fetch(HttpTransport& transport, std::string method, std::string url,
                           HttpHeaders headers, std::string_view what) {
  HttpRequest request;
  request.method = std::move(method);
  request.url = std::move(url);
  request.headers = std::move(headers);
  request.timeout = kMetadataTimeout;
  Result<HttpResponse> response = transport.Send(request);
  if (!response.ok()) return response.status().WithContext(what);
  if (response->status != 200) {
    return Unavailable(fmt::format("{}: HTTP {}", what, response->status));
  }
  return response;
}

class ContainerCredentials : public CredentialsProvider {
 public:
  ContainerCredentials(std::string url, std::string authorization, std::string authorization_file,
                       std::unique_ptr<HttpTransport> transport, Clock clock)
      : CredentialsProvider(std::move(transport), std::move(clock)),
        url_(std::move(url)),
        authorization_(std::move(authorization)),
        authorization_file_(std::move(authorization_file)) {}

 protected:
  Result<std::string> FetchDocument(HttpTransport& transport) override {
    std::string authorization = authorization_;
    if (!authorization_file_.empty()) {
      ASSIGN_OR_RETURN(authorization,
                       ReadWholeFile(authorization_file_, "container authorization token"));
      while (!authorization.empty() &&
             (authorization.back() == '\n' || authorization.back() == '\r')) {
        authorization.pop_back();
      }
      RegisterSecret(authorization);
    }
    HttpHeaders headers;
    if (!authorization.empty()) headers.emplace_back("Authorization", authorization);
    ASSIGN_OR_RETURN(HttpResponse r, Fetch(transport, "GET", url_, std::move(headers),
                                           "fetching credentials from the container endpoint"));
    return std::move(r.body);
  }
  std::string_view Name() const override { return "the container credentials endpoint"; }

 private:
  std::string url_;
  std::string authorization_;
  std::string authorization_file_;
};

class InstanceMetadataCredentials : public CredentialsProvider {
 public:
  InstanceMetadataCredentials(std::string base_url, std::unique_ptr<HttpTransport> transport,
                              Clock clock)
      : CredentialsProvider(std::move(transport), std::move(clock)),
        base_url_(std::move(base_url)) {}

 protected:
  Result<std::string> FetchDocument(HttpTransport& transport) override {
    ASSIGN_OR_RETURN(HttpResponse token, Fetch(transport, "PUT", base_url_ + "/latest/api/token",
                                               {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}},
                                               "asking instance metadata for a session token"));
    RegisterSecret(token.body);
    const HttpHeaders auth = {{"X-aws-ec2-metadata-token", token.body}};
    const std::string roles_url = base_url_ + "/latest/meta-data/iam/security-credentials/";
    ASSIGN_OR_RETURN(HttpResponse roles, Fetch(transport, "GET", roles_url, auth,
                                               "asking instance metadata for the instance's role"));
    std::string role = roles.body.substr(0, roles.body.find('\n'));
    if (role.empty()) return Unavailable("instance metadata: the instance has no IAM role");
    ASSIGN_OR_RETURN(HttpResponse creds,
                     Fetch(transport, "GET", roles_url + role, auth,
                           fmt::format("fetching the credentials of role {}", role)));
    return std::move(creds.body);
  }
  std::string_view Name() const override { return "instance metadata"; }

 private:
  std::string base_url_;
};

}  // namespace

CredentialsProvider::CredentialsProvider(std::unique_ptr<HttpTransport> transport, Clock clock)
    : transport_(std::move(transport)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })) {}

Result<AwsCredentials> CredentialsProvider::Get() {
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  if (!cached_.access_key_id.empty() && now < refresh_at_) return cached_;
  Result<std::string> fetched = FetchDocument(*transport_);
  if (!fetched.ok()) {
    return fetched.status().WithContext(
        fmt::format("no AWS keys in the environment, and {} gave none", Name()));
  }
  const std::string& document = *fetched;
  // The document is a secret as a whole: nothing of it goes into an error.
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(document).get(root) || !root.is_object()) {
    return Unavailable(fmt::format("{} answered something other than a JSON object", Name()));
  }
  AwsCredentials fresh;
  fresh.access_key_id = JsonStringOr(root["AccessKeyId"], "");
  fresh.secret_access_key = JsonStringOr(root["SecretAccessKey"], "");
  fresh.session_token = JsonStringOr(root["Token"], "");
  RegisterSecret(fresh.secret_access_key);
  RegisterSecret(fresh.session_token);
  if (fresh.access_key_id.empty() || fresh.secret_access_key.empty()) {
    return Unavailable(fmt::format("{} answered without AccessKeyId or SecretAccessKey", Name()));
  }
  // Renew five minutes before the expiration, but never sooner than in 30 s (an endpoint handing
  // out nearly expired credentials must not be asked at every request) nor later than in a
  // day; an expiration that is missing or unreadable counts as 15 minutes from now.
  using std::chrono::duration_cast;
  using std::chrono::microseconds;
  const int64_t now_micros = duration_cast<microseconds>(now.time_since_epoch()).count();
  const auto micros = [](auto d) { return duration_cast<microseconds>(d).count(); };
  int64_t refresh_micros = now_micros + micros(kUndatedLifetime);
  int64_t expires_micros = 0;
  std::string error;
  const std::string expiration(JsonStringOr(root["Expiration"], ""));
  if (!expiration.empty() && ParseTimestamp(expiration, &expires_micros, &error)) {
    refresh_micros = std::clamp(expires_micros - micros(kRefreshMargin),
                                now_micros + micros(std::chrono::seconds(30)),
                                now_micros + micros(std::chrono::hours(24)));
  }
  refresh_at_ = std::chrono::system_clock::time_point(
      duration_cast<std::chrono::system_clock::duration>(microseconds(refresh_micros)));
  cached_ = std::move(fresh);
  return cached_;
}

std::unique_ptr<CredentialsProvider> MakeContainerCredentials(
    std::string url, std::string authorization, std::string authorization_file,
    std::unique_ptr<HttpTransport> transport,
    std::function<std::chrono::system_clock::time_point()> clock) {
  return std::make_unique<ContainerCredentials>(std::move(url), std::move(authorization),
                                                std::move(authorization_file), std::move(transport),
                                                std::move(clock));
}

std::unique_ptr<CredentialsProvider> MakeInstanceMetadataCredentials(
    std::string base_url, std::unique_ptr<HttpTransport> transport,
    std::function<std::chrono::system_clock::time_point()> clock) {
  return std::make_unique<InstanceMetadataCredentials>(std::move(base_url), std::move(transport),
                                                       std::move(clock));
}

}  // namespace sluice
