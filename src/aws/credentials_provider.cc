#include "aws/credentials_provider.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <pugixml.hpp>

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
constexpr auto kStsTimeout = std::chrono::milliseconds(10000);

// One metadata request, without retries: the caller's next Get() is the retry.
Result<HttpResponse> Request(HttpTransport& transport, std::string method, std::string url,
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

// The JSON document of the container endpoint and of instance metadata.
Result<CredentialsProvider::Fetched> ParseCredentialsDocument(std::string_view document,
                                                              std::string_view source) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(document.data(), document.size()).get(root) || !root.is_object()) {
    return Unavailable(fmt::format("{} answered something other than a JSON object", source));
  }
  CredentialsProvider::Fetched fetched;
  fetched.credentials.access_key_id = JsonStringOr(root["AccessKeyId"], "");
  fetched.credentials.secret_access_key = JsonStringOr(root["SecretAccessKey"], "");
  fetched.credentials.session_token = JsonStringOr(root["Token"], "");
  fetched.expiration = JsonStringOr(root["Expiration"], "");
  RegisterSecret(fetched.credentials.secret_access_key);
  RegisterSecret(fetched.credentials.session_token);
  return fetched;
}

// A token file's contents without the line end editors and platforms leave.
Result<std::string> ReadToken(const std::string& path, std::string_view kind) {
  ASSIGN_OR_RETURN(std::string token, ReadWholeFile(path, kind));
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r'))
    token.pop_back();
  RegisterSecret(token);
  return token;
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
  Result<Fetched> Fetch(HttpTransport& transport) override {
    std::string authorization = authorization_;
    if (!authorization_file_.empty()) {
      ASSIGN_OR_RETURN(authorization,
                       ReadToken(authorization_file_, "container authorization token"));
    }
    HttpHeaders headers;
    if (!authorization.empty()) headers.emplace_back("Authorization", authorization);
    ASSIGN_OR_RETURN(HttpResponse r, Request(transport, "GET", url_, std::move(headers),
                                             "fetching credentials from the container endpoint"));
    return ParseCredentialsDocument(r.body, Name());
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
  Result<Fetched> Fetch(HttpTransport& transport) override {
    ASSIGN_OR_RETURN(HttpResponse token,
                     Request(transport, "PUT", base_url_ + "/latest/api/token",
                             {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}},
                             "asking instance metadata for a session token"));
    RegisterSecret(token.body);
    const HttpHeaders auth = {{"X-aws-ec2-metadata-token", token.body}};
    const std::string roles_url = base_url_ + "/latest/meta-data/iam/security-credentials/";
    ASSIGN_OR_RETURN(HttpResponse roles,
                     Request(transport, "GET", roles_url, auth,
                             "asking instance metadata for the instance's role"));
    std::string role = roles.body.substr(0, roles.body.find('\n'));
    if (role.empty()) return Unavailable("instance metadata: the instance has no IAM role");
    ASSIGN_OR_RETURN(HttpResponse creds,
                     Request(transport, "GET", roles_url + role, auth,
                             fmt::format("fetching the credentials of role {}", role)));
    return ParseCredentialsDocument(creds.body, Name());
  }
  std::string_view Name() const override { return "instance metadata"; }

 private:
  std::string base_url_;
};

class WebIdentityCredentials : public CredentialsProvider {
 public:
  WebIdentityCredentials(std::string sts_url, std::string role_arn, std::string session_name,
                         std::string token_file, std::unique_ptr<HttpTransport> transport,
                         Clock clock)
      : CredentialsProvider(std::move(transport), std::move(clock)),
        sts_url_(std::move(sts_url)),
        role_arn_(std::move(role_arn)),
        session_name_(std::move(session_name)),
        token_file_(std::move(token_file)) {}

 protected:
  Result<Fetched> Fetch(HttpTransport& transport) override {
    ASSIGN_OR_RETURN(std::string token, ReadToken(token_file_, "web identity token"));
    // Unsigned: the token is the proof of identity.
    const std::string body = fmt::format(
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn={}&RoleSessionName={}&"
        "WebIdentityToken={}",
        UriEncode(role_arn_, false), UriEncode(session_name_, false), UriEncode(token, false));
    HttpRequest request;
    request.method = "POST";
    request.url = sts_url_ + "/";
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    request.body = body;
    request.timeout = kStsTimeout;
    ASSIGN_OR_RETURN(HttpResponse r,
                     SendWithRetries(transport, RetryPolicy{}, [&] { return request; }));
    return ReadStsCredentials(r, "AssumeRoleWithWebIdentity",
                              fmt::format("STS AssumeRoleWithWebIdentity for {}", role_arn_));
  }
  std::string_view Name() const override { return "STS (web identity)"; }

 private:
  std::string sts_url_;
  std::string role_arn_;
  std::string session_name_;
  std::string token_file_;
};

}  // namespace

CredentialsProvider::CredentialsProvider(std::unique_ptr<HttpTransport> transport, Clock clock)
    : transport_(std::move(transport)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })) {}

Result<CredentialsProvider::Fetched> ReadStsCredentials(const HttpResponse& r,
                                                        std::string_view action,
                                                        std::string_view what) {
  pugi::xml_document doc;
  const bool parsed = doc.load_buffer(r.body.data(), r.body.size());
  if (r.status != 200) {
    const pugi::xml_node error = doc.child("ErrorResponse").child("Error");
    return Unavailable(
        fmt::format("{}: {} {}", what, parsed ? error.child_value("Code") : "HTTP",
                    parsed ? error.child_value("Message") : std::to_string(r.status)));
  }
  const std::string name(action);
  const pugi::xml_node c =
      doc.child((name + "Response").c_str()).child((name + "Result").c_str()).child("Credentials");
  CredentialsProvider::Fetched fetched;
  fetched.credentials.access_key_id = c.child_value("AccessKeyId");
  fetched.credentials.secret_access_key = c.child_value("SecretAccessKey");
  fetched.credentials.session_token = c.child_value("SessionToken");
  fetched.expiration = c.child_value("Expiration");
  RegisterSecret(fetched.credentials.secret_access_key);
  RegisterSecret(fetched.credentials.session_token);
  return fetched;
}

Result<AwsCredentials> CredentialsProvider::Get() {
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  if (!cached_.access_key_id.empty() && now < refresh_at_) return cached_;
  Result<Fetched> fetched = Fetch(*transport_);
  if (!fetched.ok()) {
    return fetched.status().WithContext(
        fmt::format("no AWS keys in the environment, and {} gave none", Name()));
  }
  AwsCredentials fresh = std::move(fetched->credentials);
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
  const std::string& expiration = fetched->expiration;
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

std::unique_ptr<CredentialsProvider> MakeWebIdentityCredentials(
    std::string sts_url, std::string role_arn, std::string session_name, std::string token_file,
    std::unique_ptr<HttpTransport> transport,
    std::function<std::chrono::system_clock::time_point()> clock) {
  return std::make_unique<WebIdentityCredentials>(std::move(sts_url), std::move(role_arn),
                                                  std::move(session_name), std::move(token_file),
                                                  std::move(transport), std::move(clock));
}

std::unique_ptr<CredentialsProvider> MakeInstanceMetadataCredentials(
    std::string base_url, std::unique_ptr<HttpTransport> transport,
    std::function<std::chrono::system_clock::time_point()> clock) {
  return std::make_unique<InstanceMetadataCredentials>(std::move(base_url), std::move(transport),
                                                       std::move(clock));
}

}  // namespace sluice
