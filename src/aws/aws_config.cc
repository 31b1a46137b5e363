#include "aws/aws_config.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "aws/profile_credentials.h"
#include "aws/shared_config.h"
#include "core/environment.h"
#include "core/log.h"
#include "core/secrets.h"
#include "core/strings.h"

namespace sluice {
namespace {

// A web identity from the environment (EKS IRSA: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN),
// or null. One per process: every client then shares its cache.
std::shared_ptr<CredentialsProvider> EnvWebIdentityCredentials(const std::string& sts_url) {
  const std::string token_file = GetEnv("AWS_WEB_IDENTITY_TOKEN_FILE");
  const std::string role_arn = GetEnv("AWS_ROLE_ARN");
  if (token_file.empty() || role_arn.empty()) return nullptr;
  static std::mutex mutex;
  static std::shared_ptr<CredentialsProvider> shared;
  std::lock_guard lock(mutex);
  if (shared) return shared;
  std::string session = GetEnv("AWS_ROLE_SESSION_NAME");
  if (session.empty()) session = fmt::format("sluice-{}", ::getpid());
  shared = MakeWebIdentityCredentials(sts_url, role_arn, session, token_file, MakeCurlTransport());
  return shared;
}

// The role of the machine the workload runs on: the container endpoint, then instance
// metadata; null when there is no container endpoint and instance metadata is disabled.
std::shared_ptr<CredentialsProvider> MachineRoleCredentials() {
  static std::mutex mutex;
  static std::shared_ptr<CredentialsProvider> shared;
  std::lock_guard lock(mutex);
  if (shared) return shared;
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
      "$AWS_ENDPOINT_URL, else the AWS profile's, else AWS's for the region)",
      upper == "S3" ? "S3" : upper, upper);
  spec.example = "http://127.0.0.1:5000";
  spec.check = CheckEndpointValue;
  spec.check_rule = "an http:// or https:// URL";
  return spec;
}

namespace {

std::string AwsConfigUpper(std::string_view service) {
  std::string upper(service);
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper;
}

std::string AwsConfigSetting(const AwsSettings& settings, const std::string& key) {
  const auto it = settings.find(key);
  return it == settings.end() ? "" : it->second;
}

// "KEY of profile 'NAME' (FILE:LINE)": where a profile's setting was read, for messages and
// AwsSettingSources.
std::string AwsConfigSettingFrom(const AwsSharedConfig& files, const std::string& profile,
                                 const std::string& key) {
  const std::string where = AwsSettingWhere(files.profile_origins, profile, key);
  return where.empty() ? fmt::format("{} of profile '{}'", key, profile)
                       : fmt::format("{} of profile '{}' ({})", key, profile, where);
}

// "~/x" → "$HOME/x" in a path a profile names, as the SDKs expand it.
std::string AwsConfigExpandHome(std::string path) {
  if (path.starts_with("~/")) path = GetEnv("HOME") + path.substr(1);
  return path;
}

// The endpoint URL of `service` ("s3", "sqs", "sts"), in the order of the AWS SDKs and Tools
// Reference Guide ("Service-specific endpoints"): the flag, AWS_ENDPOINT_URL_<SERVICE>,
// AWS_ENDPOINT_URL, the profile's `services` section's `<service> = endpoint_url`, the profile's
// endpoint_url, AWS's public endpoint for the region. `source`, when not null, is set to where
// the URL came from (AwsSettingSources::endpoint_source).
Result<std::string> AwsConfigEndpointUrl(const std::string& flag, std::string_view service,
                                         const AwsSharedConfig& files, const std::string& profile,
                                         const AwsSettings& settings, const std::string& region,
                                         std::string* source = nullptr) {
  std::string from = "flag";
  std::string url = flag;
  const std::string service_variable = "AWS_ENDPOINT_URL_" + AwsConfigUpper(service);
  if (url.empty()) {
    url = GetEnv(service_variable);
    from = service_variable;
  }
  if (url.empty()) {
    url = GetEnv("AWS_ENDPOINT_URL");
    from = "AWS_ENDPOINT_URL";
  }
  const std::string services = AwsConfigSetting(settings, "services");
  if (url.empty() && !services.empty()) {
    const auto section = files.services.find(services);
    if (section == files.services.end()) {
      return UsageError(
          fmt::format("AWS profile '{}' names services '{}', but {} has no "
                      "[services {}] section",
                      profile, services, files.config_path, services));
    }
    // A fault in the section is the profile's, since it names the section.
    const auto fault = files.services_faults.find(services);
    if (fault != files.services_faults.end()) {
      return UsageError(
          fmt::format("{} (the services section AWS profile '{}' names)", fault->second, profile));
    }
    const std::string key = fmt::format("{}.endpoint_url", service);
    url = AwsConfigSetting(section->second, key);
    const std::string where = AwsSettingWhere(files.services_origins, services, key);
    from = fmt::format("[services {}] of profile '{}'{}", services, profile,
                       where.empty() ? "" : fmt::format(" ({})", where));
  }
  if (url.empty()) {
    url = AwsConfigSetting(settings, "endpoint_url");
    from = AwsConfigSettingFrom(files, profile, "endpoint_url");
  }
  if (url.empty()) {
    url = fmt::format("https://{}.{}.amazonaws.com", service, region);
    from = "default";
  }
  while (url.ends_with('/'))
    url.pop_back();
  if (source != nullptr) *source = std::move(from);
  return url;
}

// Providers made from profiles, one per distinct source in the process, so that every client
// shares their cache (and a credential_process runs once, not once per client).
std::shared_ptr<CredentialsProvider> AwsConfigSharedProvider(
    const std::string& key, const std::function<std::unique_ptr<CredentialsProvider>()>& make) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<CredentialsProvider>> providers;
  std::lock_guard lock(mutex);
  auto& slot = providers[key];
  if (!slot) slot = make();
  return slot;
}

// How a profile gives credentials: static keys, a provider, or nothing (found false).
struct ProfileSource {
  bool found = false;
  AwsCredentials keys;
  std::shared_ptr<CredentialsProvider> provider;
  std::string identity;  // what the source depends on, to share providers built on it
  std::string kind;      // AwsSettingSources::credentials_kind
  std::string from;      // AwsSettingSources::credentials_source
};

// The static keys of a profile: none, or both the key id and the secret.
Result<ProfileSource> AwsConfigProfileKeys(const AwsSharedConfig& files, const std::string& name,
                                           const AwsSettings& settings) {
  ProfileSource source;
  source.keys.access_key_id = AwsConfigSetting(settings, "aws_access_key_id");
  source.keys.secret_access_key = AwsConfigSetting(settings, "aws_secret_access_key");
  source.keys.session_token = AwsConfigSetting(settings, "aws_session_token");
  if (source.keys.access_key_id.empty() && source.keys.secret_access_key.empty()) return source;
  if (source.keys.access_key_id.empty() || source.keys.secret_access_key.empty()) {
    return UsageError(fmt::format(
        "AWS profile '{}' ({} or {}) sets {} without {}", name, files.config_path,
        files.credentials_path,
        source.keys.access_key_id.empty() ? "aws_secret_access_key" : "aws_access_key_id",
        source.keys.access_key_id.empty() ? "aws_access_key_id" : "aws_secret_access_key"));
  }
  source.found = true;
  source.kind = "profile";
  source.from = AwsConfigSettingFrom(files, name, "aws_access_key_id");
  source.identity = fmt::format("keys\x1f{}\x1f{}\x1f{}", source.keys.access_key_id,
                                source.keys.secret_access_key, source.keys.session_token);
  return source;
}

// The credentials profile `name` names, in the order the SDKs apply within a profile: a role
// (role_arn with source_profile or web_identity_token_file), then static keys, then
// credential_process. `depth` counts source_profile hops, to stop a loop.
Result<ProfileSource> AwsConfigProfileCredentials(const AwsSharedConfig& files,
                                                  const std::string& name,
                                                  const std::string& region, int depth) {
  const auto found = files.profiles.find(name);
  if (found == files.profiles.end()) {
    return UsageError(fmt::format("AWS profile '{}' is in neither {} nor {}", name,
                                  files.config_path, files.credentials_path));
  }
  const AwsSettings& settings = found->second;
  const std::string role_arn = AwsConfigSetting(settings, "role_arn");
  if (!role_arn.empty()) {
    ASSIGN_OR_RETURN(const std::string sts_url,
                     AwsConfigEndpointUrl("", "sts", files, name, settings, region));
    std::string session = AwsConfigSetting(settings, "role_session_name");
    if (session.empty()) session = fmt::format("sluice-{}", ::getpid());
    const std::string token_file = AwsConfigSetting(settings, "web_identity_token_file");
    const std::string source_name = AwsConfigSetting(settings, "source_profile");
    ProfileSource out;
    out.found = true;
    if (!source_name.empty()) {
      if (depth >= 8) {
        return UsageError(fmt::format(
            "AWS profile '{}': source_profile goes round in a loop (or more than 8 roles deep)",
            name));
      }
      ProfileSource base;
      if (source_name == name) {
        // A profile that is its own source assumes its role with its own keys.
        ASSIGN_OR_RETURN(base, AwsConfigProfileKeys(files, name, settings));
      } else {
        ASSIGN_OR_RETURN(base, AwsConfigProfileCredentials(files, source_name, region, depth + 1));
      }
      if (!base.found) {
        return UsageError(
            fmt::format("AWS profile '{}': its source_profile '{}' gives no "
                        "credentials (no keys, role or credential_process)",
                        name, source_name));
      }
      AssumeRoleRequest request;
      request.role_arn = role_arn;
      request.session_name = session;
      request.external_id = AwsConfigSetting(settings, "external_id");
      const std::string duration = AwsConfigSetting(settings, "duration_seconds");
      if (!duration.empty() &&
          (!ParseInt(duration, &request.duration_seconds) || request.duration_seconds < 900 ||
           request.duration_seconds > 43200)) {
        return UsageError(fmt::format(
            "AWS profile '{}': duration_seconds must be a whole number from 900 to 43200", name));
      }
      ASSIGN_OR_RETURN(const Endpoint sts, ParseEndpoint(sts_url));
      SourceCredentials credentials =
          base.provider ? SourceCredentials([p = base.provider] { return p->Get(); })
                        : SourceCredentials([k = base.keys] { return Result<AwsCredentials>(k); });
      out.kind = "assume-role";
      out.from = fmt::format("{}, assumed through STS with the credentials of {}",
                             AwsConfigSettingFrom(files, name, "role_arn"), base.from);
      out.identity =
          fmt::format("role\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f({})", role_arn, sts_url, region,
                      session, request.external_id, request.duration_seconds, base.identity);
      out.provider = AwsConfigSharedProvider(out.identity, [&] {
        return MakeAssumeRoleCredentials(sts, region, request, credentials, MakeCurlTransport());
      });
      return out;
    }
    if (!token_file.empty()) {
      out.kind = "web-identity";
      out.from = fmt::format("{} with its web_identity_token_file",
                             AwsConfigSettingFrom(files, name, "role_arn"));
      out.identity =
          fmt::format("web\x1f{}\x1f{}\x1f{}\x1f{}", role_arn, sts_url, session, token_file);
      out.provider = AwsConfigSharedProvider(out.identity, [&] {
        return MakeWebIdentityCredentials(sts_url, role_arn, session,
                                          AwsConfigExpandHome(token_file), MakeCurlTransport());
      });
      return out;
    }
    if (!AwsConfigSetting(settings, "credential_source").empty()) {
      return UsageError(
          fmt::format("AWS profile '{}': credential_source is not supported by "
                      "Sluice; use source_profile, or leave role_arn out and let "
                      "Sluice find the environment's or the machine's role",
                      name));
    }
    return UsageError(fmt::format(
        "AWS profile '{}' has role_arn but neither source_profile nor web_identity_token_file",
        name));
  }
  ASSIGN_OR_RETURN(ProfileSource keys, AwsConfigProfileKeys(files, name, settings));
  if (keys.found) return keys;
  const std::string command = AwsConfigSetting(settings, "credential_process");
  if (settings.contains("credential_process")) {
    // Present but empty (or only blanks and quotes) is a mistake to name, not a profile without
    // credentials: the chain would go on to the machine's role and fail far from the cause.
    const std::string where = AwsSettingWhere(files.profile_origins, name, "credential_process");
    const std::string place = where.empty() ? "" : fmt::format(" ({})", where);
    if (command.find_first_not_of(" \t\r\n\"") == std::string::npos) {
      return UsageError(fmt::format("credential_process in profile '{}'{} is empty", name, place));
    }
    RETURN_IF_ERROR(SplitCredentialProcessCommand(command).status().WithContext(
        fmt::format("AWS profile '{}'{}", name, place)));
    ProfileSource out;
    out.found = true;
    out.kind = "credential_process";
    out.from = AwsConfigSettingFrom(files, name, "credential_process");
    out.identity = fmt::format("process\x1f{}\x1f{}", name, command);
    out.provider = AwsConfigSharedProvider(out.identity,
                                           [&] { return MakeProcessCredentials(name, command); });
    return out;
  }
  return ProfileSource{};
}

// Puts a profile's credentials into `config`.
void AwsConfigUse(ProfileSource source, AwsConfig& config) {
  config.sources.credentials_kind = std::move(source.kind);
  config.sources.credentials_source = std::move(source.from);
  if (source.provider) {
    config.provider = std::move(source.provider);
  } else {
    config.credentials = std::move(source.keys);
  }
}

// The CA bundle at `path` (given by `from`: "AWS_CA_BUNDLE", or a profile's ca_bundle and its
// file) must be a readable file holding a PEM certificate. libcurl would find out only at the
// first https request, as a TLS failure that names neither the setting nor the path.
Status AwsConfigCheckCaBundle(const std::string& path, const std::string& from) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    return UsageError(
        fmt::format("{} names the CA bundle {}, which {}", from, path,
                    errno == ENOENT || errno == ENOTDIR
                        ? "does not exist"
                        : fmt::format("cannot be looked at: {}", std::strerror(errno))));
  }
  if (!S_ISREG(info.st_mode)) {
    return UsageError(fmt::format(
        "{} names the CA bundle {}, which is not a file (a PEM file of CA certificates is "
        "expected)",
        from, path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return UsageError(fmt::format("{} names the CA bundle {}, which cannot be read: {}", from, path,
                                  std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return UsageError(
        fmt::format("{} names the CA bundle {}, which is not a PEM file of certificates (it has "
                    "no '-----BEGIN CERTIFICATE-----' line)",
                    from, path));
  }
  return Status::Ok();
}

}  // namespace

namespace {

// ResolveAwsConfig's work, filling `config` as each setting resolves so that the caller keeps
// what did when a later one fails.
Status AwsConfigResolveInto(const std::string& endpoint_flag, std::string_view service,
                            AwsConfig& config) {
  ASSIGN_OR_RETURN(const AwsSharedConfig files, LoadAwsSharedConfig());
  const std::string chosen = GetEnv("AWS_PROFILE");
  const std::string profile = chosen.empty() ? "default" : chosen;
  const auto found = files.profiles.find(profile);
  if (!chosen.empty() && found == files.profiles.end()) {
    return UsageError(fmt::format("AWS profile '{}' (AWS_PROFILE) is in neither {} nor {}", profile,
                                  files.config_path, files.credentials_path));
  }
  static const AwsSettings kNoSettings;
  const AwsSettings& settings = found == files.profiles.end() ? kNoSettings : found->second;
  // A fault in a services section this profile does not name stops nothing: a warning, once.
  for (const auto& [name, fault] : files.services_faults) {
    static std::mutex warned_mutex;
    static std::set<std::string> warned;
    std::lock_guard lock(warned_mutex);
    if (name != AwsConfigSetting(settings, "services") && warned.insert(fault).second) {
      LogWarn("{} (not used: AWS profile '{}' does not name [services {}])", fault, profile, name);
    }
  }

  AwsSettingSources& sources = config.sources;
  sources.profile = profile;
  sources.profile_source = chosen.empty() ? "default" : "AWS_PROFILE";
  for (const char* variable : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (config.region.empty()) {
      config.region = GetEnv(variable);
      sources.region_source = variable;
    }
  }
  if (config.region.empty()) {
    config.region = AwsConfigSetting(settings, "region");
    sources.region_source = AwsConfigSettingFrom(files, profile, "region");
  }
  if (config.region.empty()) {
    config.region = "us-east-1";
    sources.region_source = "default";
  }
  // The region goes into the endpoint's host name and every signature's scope: a value with a
  // space or an inline comment would only fail at the service, with an error naming neither.
  if (!IsAwsRegionName(config.region)) {
    return UsageError(
        fmt::format("the AWS region '{}' (from {}) is not a region name: letters, digits and "
                    "'-', like us-east-1",
                    config.region, sources.region_source));
  }

  ASSIGN_OR_RETURN(const std::string endpoint,
                   AwsConfigEndpointUrl(endpoint_flag, service, files, profile, settings,
                                        config.region, &sources.endpoint_source));
  ASSIGN_OR_RETURN(config.endpoint, ParseEndpoint(endpoint));
  std::string ca_bundle = GetEnv("AWS_CA_BUNDLE");
  if (!ca_bundle.empty()) {
    sources.ca_bundle_source = "AWS_CA_BUNDLE";
  } else {
    ca_bundle = AwsConfigExpandHome(AwsConfigSetting(settings, "ca_bundle"));
    if (!ca_bundle.empty()) {
      sources.ca_bundle_source = AwsConfigSettingFrom(files, profile, "ca_bundle");
    }
  }
  sources.ca_bundle = ca_bundle;
  if (!ca_bundle.empty())
    RETURN_IF_ERROR(AwsConfigCheckCaBundle(ca_bundle, sources.ca_bundle_source));
  SetAwsCaBundle(ca_bundle);

  // Credentials, in the SDKs' order: the environment's keys; a profile named by AWS_PROFILE; a
  // web identity from the environment; the default profile; the machine's role.
  config.credentials.access_key_id = GetEnv("AWS_ACCESS_KEY_ID");
  config.credentials.secret_access_key = GetEnv("AWS_SECRET_ACCESS_KEY");
  config.credentials.session_token = GetEnv("AWS_SESSION_TOKEN");
  RegisterSecret(config.credentials.secret_access_key);
  RegisterSecret(config.credentials.session_token);
  if (!config.credentials.access_key_id.empty() && !config.credentials.secret_access_key.empty()) {
    sources.credentials_kind = "environment";
    sources.credentials_source = config.credentials.session_token.empty()
                                     ? "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                                     : "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and "
                                       "AWS_SESSION_TOKEN";
    return Status::Ok();
  }
  config.credentials = {};
  // A fault in the profile's credentials is named by the error; the kind says where to look.
  sources.credentials_kind = "profile";
  sources.credentials_source = fmt::format("profile '{}'", profile);
  if (!chosen.empty()) {
    ASSIGN_OR_RETURN(ProfileSource source,
                     AwsConfigProfileCredentials(files, profile, config.region, 0));
    if (source.found) {
      AwsConfigUse(std::move(source), config);
      return Status::Ok();
    }
  }
  if (!GetEnv("AWS_WEB_IDENTITY_TOKEN_FILE").empty() && !GetEnv("AWS_ROLE_ARN").empty()) {
    ASSIGN_OR_RETURN(const std::string sts_url,
                     AwsConfigEndpointUrl("", "sts", files, profile, settings, config.region));
    config.provider = EnvWebIdentityCredentials(sts_url);
    sources.credentials_kind = "web-identity";
    sources.credentials_source = "AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE";
    return Status::Ok();
  }
  if (chosen.empty() && found != files.profiles.end()) {
    ASSIGN_OR_RETURN(ProfileSource source,
                     AwsConfigProfileCredentials(files, profile, config.region, 0));
    if (source.found) {
      AwsConfigUse(std::move(source), config);
      return Status::Ok();
    }
  }
  config.provider = MachineRoleCredentials();
  if (!config.provider) {
    sources.credentials_kind = "none";
    sources.credentials_source = "";
    return UsageError(fmt::format(
        "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or choose a "
        "profile of {} or {} with AWS_PROFILE, or run where a container endpoint or instance "
        "metadata provides a role (instance metadata is disabled by AWS_EC2_METADATA_DISABLED)",
        files.config_path, files.credentials_path));
  }
  // MachineRoleCredentials's own choice: the container endpoint when either variable names it.
  if (!GetEnv("AWS_CONTAINER_CREDENTIALS_FULL_URI").empty()) {
    sources.credentials_kind = "container";
    sources.credentials_source = "the container endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI)";
  } else if (!GetEnv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").empty()) {
    sources.credentials_kind = "container";
    sources.credentials_source = "the container endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)";
  } else {
    sources.credentials_kind = "instance-metadata";
    sources.credentials_source = "EC2 instance metadata";
  }
  return Status::Ok();
}

}  // namespace

bool IsAwsRegionName(std::string_view region) {
  if (region.empty() || region.size() > 63 || region.front() == '-' || region.back() == '-') {
    return false;
  }
  return std::all_of(region.begin(), region.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

Result<AwsConfig> ResolveAwsConfig(const std::string& endpoint_flag, std::string_view service,
                                   AwsConfig* resolved) {
  AwsConfig config;
  const Status status = AwsConfigResolveInto(endpoint_flag, service, config);
  if (resolved != nullptr) *resolved = config;
  if (!status.ok()) return status;
  return config;
}

}  // namespace sluice
