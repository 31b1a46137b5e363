// Where and as whom to reach AWS: endpoint, region and credentials from flags or the standard
// AWS environment variables (flags win). Secrets are registered for redaction on load.
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

struct AwsConfig {
  Endpoint endpoint;
  std::string region;
  AwsCredentials credentials;  // static keys, used when there is no provider
  // Fetches (and renews) credentials when they come from the workload's role; shared by every
  // client made from this configuration.
  std::shared_ptr<CredentialsProvider> provider;

  // The credentials to sign with now.
  Result<AwsCredentials> CurrentCredentials() const {
    return provider ? provider->Get() : Result<AwsCredentials>(credentials);
  }
};

// `service` is "sqs" or "s3". The endpoint comes from `endpoint_flag`, else
// AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL, else AWS's public endpoint for the region.
// Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; without
// them, from STS for a web identity (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN; STS at
// AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else the region's), else from the container
// endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI, with
// AWS_CONTAINER_AUTHORIZATION_TOKEN or _TOKEN_FILE), else from EC2 instance metadata unless
// AWS_EC2_METADATA_DISABLED is true. Fetched credentials are renewed before they expire.
Result<AwsConfig> ResolveAwsConfig(const std::string& endpoint_flag, std::string_view service);

// The endpoint option of a client of `service` ("s3", "sqs"), named `flag` ("s3-endpoint"):
// when it is empty, ResolveAwsConfig looks at AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL,
// then the region's AWS endpoint.
OptionSpec AwsEndpointOption(std::string flag, std::string_view service);

}  // namespace sluice
