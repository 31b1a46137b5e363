// Credentials that come from where AWS hands them to a running workload, fetched on first use
// and again shortly before they expire: STS for a web identity (EKS IRSA), the container
// endpoint of ECS tasks and EKS Pod Identity (AWS_CONTAINER_CREDENTIALS_FULL_URI /
// _RELATIVE_URI, with its authorization token), and EC2 instance metadata (IMDSv2). Static keys
// from the environment need none of this.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "aws/http_client.h"
#include "aws/sigv4.h"
#include "core/status.h"

namespace sluice {

class CredentialsProvider {
 public:
  // What one fetch from a source gives.
  struct Fetched {
    AwsCredentials credentials;
    std::string expiration;  // ISO 8601, or empty
  };

  virtual ~CredentialsProvider() = default;
  // The current credentials. Thread-safe; a fetch happens only when none are cached or the
  // cached ones expire within five minutes.
  Result<AwsCredentials> Get();

 protected:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  explicit CredentialsProvider(std::unique_ptr<HttpTransport> transport, Clock clock);

  // One fetch from the source. Secrets in the answer are registered before anything can
  // print them; errors never quote the answer.
  virtual Result<Fetched> Fetch(HttpTransport& transport) = 0;
  virtual std::string_view Name() const = 0;

 private:
  std::mutex mutex_;
  std::unique_ptr<HttpTransport> transport_;
  Clock clock_;
  AwsCredentials cached_;
  std::chrono::system_clock::time_point refresh_at_{};
};

// The credentials in STS's answer `r` to `action` ("AssumeRole", "AssumeRoleWithWebIdentity"):
// <ACTIONResponse><ACTIONResult><Credentials> with AccessKeyId, SecretAccessKey, SessionToken
// and Expiration, as the STS API reference gives them. The secret key and session token are
// registered as secrets. Any status but 200 is kUnavailable "WHAT: CODE MESSAGE" from STS's
// <ErrorResponse>, else "WHAT: HTTP STATUS". Missing elements read as empty strings, which
// CredentialsProvider::Get refuses.
Result<CredentialsProvider::Fetched> ReadStsCredentials(const HttpResponse& r,
                                                        std::string_view action,
                                                        std::string_view what);

// The container endpoint at `url`, sending as the Authorization header the contents of
// `authorization_file` (read at every fetch: EKS rotates it) if given, else `authorization`
// (may be empty).
std::unique_ptr<CredentialsProvider> MakeContainerCredentials(
    std::string url, std::string authorization, std::string authorization_file,
    std::unique_ptr<HttpTransport> transport,
    std::function<std::chrono::system_clock::time_point()> clock = {});

// STS AssumeRoleWithWebIdentity at `sts_url` (https://sts.<region>.amazonaws.com) for
// `role_arn`, with the token in `token_file` (read at every fetch: EKS rotates it).
std::unique_ptr<CredentialsProvider> MakeWebIdentityCredentials(
    std::string sts_url, std::string role_arn, std::string session_name, std::string token_file,
    std::unique_ptr<HttpTransport> transport,
    std::function<std::chrono::system_clock::time_point()> clock = {});

// EC2 instance metadata at `base_url` (http://169.254.169.254 on EC2): a session token first,
// then the instance role's name, then its credentials.
std::unique_ptr<CredentialsProvider> MakeInstanceMetadataCredentials(
    std::string base_url, std::unique_ptr<HttpTransport> transport,
    std::function<std::chrono::system_clock::time_point()> clock = {});

}  // namespace sluice
