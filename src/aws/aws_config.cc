#include "aws/aws_config.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>

#include "core/environment.h"
#include "core/secrets.h"
#include "core/strings.h"

namespace sluice {
namespace {

// The provider of a workload's role credentials, or null when instance metadata is disabled.
// One per process: every client then shares its cache. The order is AWS's own: a web identity,
// then the container endpoint, then instance metadata.
std::shared_ptr<CredentialsProvider> RoleCredentials(const std::string& region) {
  static std::mutex mutex;
  static std::shared_ptr<CredentialsProvider> shared;
  std::lock_guard lock(mutex);
  if (shared) return shared;
  const std::string token_file = GetEnv("AWS_WEB_IDENTITY_TOKEN_FILE");
  const std::string role_arn = GetEnv("AWS_ROLE_ARN");
  if (!token_file.empty() && !role_arn.empty()) {
    std::string sts = GetEnv("AWS_ENDPOINT_URL_STS");
    if (sts.empty()) sts = GetEnv("AWS_ENDPOINT_URL");
    if (sts.empty()) sts = fmt::format("https://sts.{}.amazonaws.com", region);
    while (!sts.empty() && sts.back() == '/')
      sts.pop_back();
    std::string session = GetEnv("AWS_ROLE_SESSION_NAME");
    if (session.empty()) session = fmt::format("sluice-{}", ::getpid());
    shared = MakeWebIdentityCredentials(sts, role_arn, session, token_file, MakeCurlTransport());
    return shared;
  }
  std::string url = GetEnv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  const std::string relative = GetEnv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  if (url.empty() && !relative.empty()) url = "http://169.254.170.2" + relative;
  if (!url.empty()) {
    const std::string token = GetEnv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    RegisterSecret(token);
    shared = MakeContainerCredentials(url, token, GetEnv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"),
                                      MakeCurlTransport());
    return shared;
  }
  if (AsciiLower(GetEnv("AWS_EC2_METADATA_DISABLED")) == "true") return shared;
  std::string base = GetEnv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  shared = MakeInstanceMetadataCredentials(base.empty() ? "http://169.254.169.254" : base,
                                           MakeCurlTransport());
  return shared;
}

}  // namespace

std::string Endpoint::Url(std::string_view path_and_query) const {
  return fmt::format("{}://{}{}{}", scheme, host, base_path, path_and_query);
}

namespace {

// Why `url` is not an endpoint, in words that follow it ("is not a URL ..."), or "" when it is
// one. Never quotes the URL, which may carry a password.
std::string EndpointProblem(const std::string& url, Endpoint* out) {
  const size_t sep = url.find("://");
  if (sep == std::string::npos) return "is not a URL (http[s]://host[:port])";
  Endpoint e;
  e.scheme = url.substr(0, sep);
  if (e.scheme != "http" && e.scheme != "https") return "must be http or https";
  const std::string rest = url.substr(sep + 3);
  const size_t slash = rest.find('/');
  e.host = rest.substr(0, slash);
  // A host name, an IPv4 or a bracketed IPv6 address, then an optional port: nothing a request
  // line or a Host header would take differently (spaces, '@' userinfo, control bytes).
  if (e.host.empty() || e.host.find('@') != std::string::npos ||
      e.host.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:[]") !=
          std::string::npos ||
      e.host.front() == ':') {
    return "has no usable host (http[s]://host[:port])";
  }
  if (slash != std::string::npos) {
    e.base_path = rest.substr(slash);
    if (e.base_path.find_first_of(" \t\r\n") != std::string::npos) {
      return "has a space or a control character in its path";
    }
    while (!e.base_path.empty() && e.base_path.back() == '/')
      e.base_path.pop_back();
  }
  if (out != nullptr) *out = std::move(e);
  return "";
}

// AwsEndpointOption's own rule: empty (the environment's, else AWS's) or an endpoint URL.
Status CheckEndpointValue(std::string_view value) {
  if (value.empty()) return Status::Ok();
  const std::string problem = EndpointProblem(std::string(value), nullptr);
  return problem.empty() ? Status::Ok() : UsageError(problem);
}

}  // namespace

Result<Endpoint> ParseEndpoint(const std::string& url) {
  Endpoint e;
  const std::string problem = EndpointProblem(url, &e);
  if (!problem.empty()) {
    return UsageError(fmt::format("endpoint '{}' {}", RedactUrl(url), problem));
  }
  return e;
}

OptionSpec AwsEndpointOption(std::string flag, std::string_view service) {
  std::string upper(service);
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  OptionSpec spec{.name = std::move(flag)};
  spec.summary = fmt::format(
      "{} endpoint URL (default: $AWS_ENDPOINT_URL_{}, else "
      "$AWS_ENDPOINT_URL, else AWS's for the region)",
      upper == "S3" ? "S3" : upper, upper);
  spec.example = "http://127.0.0.1:5000";
  spec.check = CheckEndpointValue;
  spec.check_rule = "an http:// or https:// URL";
  return spec;
}

Result<AwsConfig> ResolveAwsConfig(const std::string& endpoint_flag, std::string_view service) {
  AwsConfig config;
  config.region = GetEnv("AWS_REGION");
  if (config.region.empty()) config.region = GetEnv("AWS_DEFAULT_REGION");
  if (config.region.empty()) config.region = "us-east-1";

  std::string upper(service);
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string endpoint = endpoint_flag;
  if (endpoint.empty()) endpoint = GetEnv("AWS_ENDPOINT_URL_" + upper);
  if (endpoint.empty()) endpoint = GetEnv("AWS_ENDPOINT_URL");
  if (endpoint.empty()) {
    endpoint = fmt::format("https://{}.{}.amazonaws.com", service, config.region);
  }
  ASSIGN_OR_RETURN(config.endpoint, ParseEndpoint(endpoint));

  config.credentials.access_key_id = GetEnv("AWS_ACCESS_KEY_ID");
  config.credentials.secret_access_key = GetEnv("AWS_SECRET_ACCESS_KEY");
  config.credentials.session_token = GetEnv("AWS_SESSION_TOKEN");
  RegisterSecret(config.credentials.secret_access_key);
  RegisterSecret(config.credentials.session_token);
  if (!config.credentials.access_key_id.empty() && !config.credentials.secret_access_key.empty()) {
    return config;
  }
  config.provider = RoleCredentials(config.region);
  if (!config.provider) {
    return UsageError(
        "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a "
        "container endpoint or instance metadata provides a role (instance metadata is "
        "disabled by AWS_EC2_METADATA_DISABLED)");
  }
  return config;
}

}  // namespace sluice
