// Where and as whom to reach AWS: endpoint, region and credentials from flags, the standard AWS
// environment variables and the AWS shared config files' profiles, in the AWS SDKs' order.
// Secrets are registered for redaction on load.
#pragma once

#include <memory>
#include <string>

#include "aws/credentials_provider.h"
#include "aws/sigv4.h"
#include "core/status.h"
#include "pipeline/option_spec.h"

namespace sluice {

struct Endpoint {
  std::string scheme;     // "http" or "https"
  std::string host;       // "127.0.0.1:55000" (with the port when one is given)
  std::string base_path;  // "" or "/prefix"

  std::string Url(std::string_view path_and_query) const;
};

// "http[s]://host[:port][/base]": a kUsage error for anything else (no scheme, another scheme,
// an empty host or one with a space, '@' or other byte a Host header cannot carry), the URL
// shown redacted. AwsEndpointOption's check runs the same rule, so validate refuses what a
// client would.
Result<Endpoint> ParseEndpoint(const std::string& url);

// Where ResolveAwsConfig found each setting, in words a person reads, for `sluice check`. A
// profile's setting is named with its file and line ("profile 'dev' (/home/u/.aws/config:3)").
// Never holds a secret.
struct AwsSettingSources {
  std::string profile;         // the profile looked at: AWS_PROFILE's, else "default"
  std::string profile_source;  // "AWS_PROFILE", or "default" (AWS_PROFILE is not set)
  // "AWS_REGION", "AWS_DEFAULT_REGION", "region of profile 'dev' (FILE:LINE)", or "default".
  std::string region_source;
  // "flag" (the command's endpoint option), "AWS_ENDPOINT_URL_S3" (or _SQS...),
  // "AWS_ENDPOINT_URL", "[services NAME] of profile 'dev' (FILE:LINE)", "endpoint_url of profile
  // 'dev' (FILE:LINE)", or "default" (AWS's endpoint for the region).
  std::string endpoint_source;
  // The CA bundle's path, and where it came from: "AWS_CA_BUNDLE", "ca_bundle of profile 'dev'
  // (FILE:LINE)"; both "" for the system's CAs.
  std::string ca_bundle;
  std::string ca_bundle_source;
  // Which source gives the credentials: "environment", "profile" (its static keys),
  // "credential_process", "assume-role", "web-identity", "container", "instance-metadata".
  std::string credentials_kind;
  // That source in words: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", "aws_access_key_id of
  // profile 'dev' (FILE:LINE)", "credential_process of profile 'p' (FILE:LINE)", ...
  std::string credentials_source;
};

struct AwsConfig {
  Endpoint endpoint;
  std::string region;
  AwsCredentials credentials;  // static keys, used when there is no provider
  // Fetches (and renews) credentials when they come from the workload's role; shared by every
  // client made from this configuration.
  std::shared_ptr<CredentialsProvider> provider;
  AwsSettingSources sources;

  // The credentials to sign with now.
  Result<AwsCredentials> CurrentCredentials() const {
    return provider ? provider->Get() : Result<AwsCredentials>(credentials);
  }
};

// `service` is "sqs" or "s3". Settings come, in the order of the AWS SDKs and Tools Reference
// Guide ("Precedence of settings"), from the flag, then the environment, then the profile of the
// shared config files (shared_config.h) that AWS_PROFILE names (else "default"):
// - region: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1;
// - endpoint: `endpoint_flag`, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's
//   [services NAME] `<service> = endpoint_url`, the profile's endpoint_url, else AWS's public
//   endpoint for the region ("Service-specific endpoints");
// - CA bundle: AWS_CA_BUNDLE, else the profile's ca_bundle (SetAwsCaBundle); the file must
//   exist and hold a PEM certificate, checked here so that a wrong path is named with the
//   setting that gave it rather than found as a TLS failure at the first request;
// - credentials ("Understand the credential provider chain"): AWS_ACCESS_KEY_ID and
//   AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN); then the profile when AWS_PROFILE names it;
//   then STS for a web identity (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN); then the default
//   profile; then the container endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI,
//   with AWS_CONTAINER_AUTHORIZATION_TOKEN or _TOKEN_FILE); then EC2 instance metadata unless
//   AWS_EC2_METADATA_DISABLED is true. Within a profile: role_arn (assumed through STS with
//   source_profile's credentials, or with web_identity_token_file), then its keys (the
//   credentials file's over the config file's), then credential_process. STS is reached as
//   any service is (AWS_ENDPOINT_URL_STS, ..., the region's). Fetched credentials are renewed
//   before they expire.
// Errors are kUsage: a profile named by AWS_PROFILE (or a source_profile) in neither file (the
// message names both paths), a malformed or unreadable file (its path and line), a profile
// with half its keys, a role without a source, a services section that is missing, an endpoint
// that is not a URL, a CA bundle that is missing or not PEM (naming the variable, or the
// profile's ca_bundle and its file, and the path), a credential_process that is empty (naming
// the profile, file and line). No message quotes a secret.
// `resolved`, when not null, is set to what did resolve even when an error is returned (the
// profile, region, endpoint and CA bundle found before the fault), so that `sluice check` can
// say where each came from when only the credentials fail; after a credentials error its
// credentials_kind is "none" (no source gives any) or "profile" (the chosen profile's source is
// at fault, named by the error).
// (A region that is not IsAwsRegionName is kUsage too, naming where it came from.)
Result<AwsConfig> ResolveAwsConfig(const std::string& endpoint_flag, std::string_view service,
                                   AwsConfig* resolved = nullptr);

// Whether `region` can be an AWS region: one host-name label (RFC 1123 §2.1: 1 to 63 letters,
// digits and '-', not beginning or ending with '-'), as the AWS SDKs check it before building
// an endpoint. "us-east-1" and a local server's "local" are; "us-east-1 x" is not.
bool IsAwsRegionName(std::string_view region);

// The endpoint option of a client of `service` ("s3", "sqs"), named `flag` ("s3-endpoint"):
// when it is empty, ResolveAwsConfig looks at AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL,
// then the AWS profile's endpoints, then the region's AWS endpoint.
OptionSpec AwsEndpointOption(std::string flag, std::string_view service);

}  // namespace sluice
