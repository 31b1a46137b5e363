// Credentials a profile of the AWS shared config files names a way to get, beyond static keys:
// an external command (credential_process, AWS SDKs and Tools Reference Guide, "Process
// credential provider") and a role assumed with another profile's credentials (role_arn +
// source_profile, "Assume role credential provider"). Both renew their credentials shortly
// before they expire, as the providers of credentials_provider.h do.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "aws/aws_config.h"
#include "aws/credentials_provider.h"

namespace sluice {

// A credential_process command line split into the program and its arguments, as the AWS CLI
// documents it: elements separated by spaces or tabs, an element holding a space enclosed in
// double quotes. No shell is involved. A kUsage error for an empty command or an unclosed quote.
Result<std::vector<std::string>> SplitCredentialProcessCommand(std::string_view command);

// Runs `command` (split as above, the program looked up in PATH) at each fetch and reads from
// its standard output the JSON object {"Version": 1, "AccessKeyId", "SecretAccessKey",
// "SessionToken" (optional), "Expiration" (optional, RFC 3339)}. Its standard error passes
// through to Sluice's. Errors name `profile` and the program, never its output or arguments: a
// program that cannot be started, a non-zero exit or a signal, output that is not such an
// object, an Expiration that is not an RFC 3339 time with a zone (not quoted), credentials
// already expired by `clock` ("credential_process returned credentials that expired at ...").
// The secret and token are registered for redaction before anything else is done.
// A command that has not answered and exited within `timeout` is killed (SIGKILL) and the fetch
// fails, naming the program: the AWS tools wait forever, which would hold every job.
inline constexpr std::chrono::milliseconds kCredentialProcessTimeout{60000};
std::unique_ptr<CredentialsProvider> MakeProcessCredentials(
    std::string profile, std::string command,
    std::function<std::chrono::system_clock::time_point()> clock = {},
    std::chrono::milliseconds timeout = kCredentialProcessTimeout);

struct AssumeRoleRequest {
  std::string role_arn;
  std::string session_name;
  std::string external_id;   // sent when not empty
  int duration_seconds = 0;  // sent when not 0 (STS accepts 900 to 43200)
};

// The credentials of the source profile, asked for at each fetch (they may renew themselves).
using SourceCredentials = std::function<Result<AwsCredentials>()>;

// STS AssumeRole at `sts` (https://sts.REGION.amazonaws.com), signed (SigV4, service "sts",
// `region`) with `source`'s credentials. An STS error reads "STS AssumeRole for ROLE: CODE
// MESSAGE"; a failure of the source is returned with its own message.
std::unique_ptr<CredentialsProvider> MakeAssumeRoleCredentials(
    Endpoint sts, std::string region, AssumeRoleRequest request, SourceCredentials source,
    std::unique_ptr<HttpTransport> transport,
    std::function<std::chrono::system_clock::time_point()> clock = {});

}  // namespace sluice
