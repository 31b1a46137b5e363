#include "core/environment.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "core/secrets.h"

namespace sluice {
namespace {

constexpr EnvironmentVariable kVariables[] = {
    // A URL's password is registered when the URL is parsed, so the rest of it can be shown.
    {"SLUICE_PG_URL", "PostgreSQL URL when --pg is not given (its password is never shown)"},
    {"SLUICE_MYSQL_URL",
     "MySQL/MariaDB URL when --mysql is not given (its password is never shown)"},
    {"SLUICE_MASK_KEY_FILE", "masking key file when --key-file is not given"},
    {"SLUICE_WAREHOUSE_MODELS", "warehouse models file when --models is not given"},
    {"SLUICE_LOG_FORMAT", "human or json: the log lines' format when --log-format is not given"},
    {"SLUICE_LOG_LEVEL", "debug, info, warn or error: the least level logged without --log-level"},
    {"AWS_ACCESS_KEY_ID", "AWS access key id (with AWS_SECRET_ACCESS_KEY)"},
    {"AWS_PROFILE",
     "profile of the AWS shared config and credentials files to use (default: default)"},
    {"AWS_CONFIG_FILE", "AWS shared config file (default ~/.aws/config)"},
    {"AWS_SHARED_CREDENTIALS_FILE", "AWS shared credentials file (default ~/.aws/credentials)"},
    {"AWS_SECRET_ACCESS_KEY", "AWS secret access key", true},
    {"AWS_SESSION_TOKEN",
     "session token of temporary AWS credentials; a presigned URL made with them carries it, as "
     "SigV4 requires",
     true},
    {"AWS_REGION", "AWS region (else AWS_DEFAULT_REGION, else us-east-1)"},
    {"AWS_DEFAULT_REGION", "AWS region when AWS_REGION is unset"},
    {"AWS_ENDPOINT_URL",
     "endpoint for every AWS service (a local S3/SQS), unless a flag names one"},
    {"AWS_ENDPOINT_URL_S3", "S3 endpoint, before AWS_ENDPOINT_URL"},
    {"AWS_ENDPOINT_URL_SQS", "SQS endpoint, before AWS_ENDPOINT_URL"},
    {"AWS_ENDPOINT_URL_STS",
     "STS endpoint for a web identity or a profile's role, before AWS_ENDPOINT_URL"},
    {"AWS_CA_BUNDLE",
     "PEM file of the CAs an https S3/SQS/STS endpoint's certificate is checked against, "
     "instead of the system's (before the AWS profile's ca_bundle)"},
    {"AWS_WEB_IDENTITY_TOKEN_FILE",
     "web identity token file (with AWS_ROLE_ARN): a role's credentials"},
    {"AWS_ROLE_ARN", "role to assume with the web identity token"},
    {"AWS_ROLE_SESSION_NAME", "session name of the assumed role (default sluice-PID)"},
    {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "container credentials endpoint"},
    {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "container credentials path on 169.254.170.2"},
    {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "token for the container credentials endpoint", true},
    {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "file holding that token, read at each refresh"},
    {"AWS_EC2_METADATA_DISABLED", "true: never ask the EC2 instance metadata service"},
    {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "instance metadata endpoint (default 169.254.169.254)"},
    {"PGCONNECT_TIMEOUT", "libpq's connect timeout; when unset, Sluice uses 10 s"},
    // Read by libpq itself when no --pg or SLUICE_PG_URL is given (and for what a URL leaves
    // out); listed so the docs name them. PGPASSWORD is read here too, to be masked.
    {"PGPASSWORD", "PostgreSQL password libpq uses when the URL has none", true},
    {"PGHOST", "PostgreSQL host (or socket directory) without --pg/SLUICE_PG_URL, read by libpq"},
    {"PGPORT", "PostgreSQL port without --pg/SLUICE_PG_URL, read by libpq"},
    {"PGUSER", "PostgreSQL user without --pg/SLUICE_PG_URL, read by libpq"},
    {"PGDATABASE", "PostgreSQL database without --pg/SLUICE_PG_URL, read by libpq"},
    {"PGSERVICE", "a pg_service.conf section naming the connection, read by libpq"},
    {"PGSERVICEFILE", "the service file (default ~/.pg_service.conf), read by libpq"},
    {"PGPASSFILE", "the password file (default ~/.pgpass; its passwords are never shown)"},
    {"PGSSLMODE", "PostgreSQL sslmode when the URL sets none, read by libpq"},
    {"HOME", "home directory: where ~/.aws/config and ~/.aws/credentials are"},
    {"TMPDIR", "where the report spills completions while it runs (default /tmp)"},
};

}  // namespace

std::span<const EnvironmentVariable> EnvironmentVariables() {
  return kVariables;
}

char** InheritedEnvironment() {
  return environ;
}

std::string EnvironmentMarkdown() {
  std::string out = "| Variable | What it is |\n|---|---|\n";
  for (const EnvironmentVariable& v : EnvironmentVariables()) {
    out += fmt::format("| `{}` | {}{} |\n", v.name, v.summary,
                       v.secret ? " (a secret: never shown in a log or an error)" : "");
  }
  return out;
}

std::string GetEnv(std::string_view name) {
  const auto* known = std::find_if(std::begin(kVariables), std::end(kVariables),
                                   [&](const EnvironmentVariable& v) { return v.name == name; });
  if (known == std::end(kVariables)) {
    DieOfBug(fmt::format("environment variable {} is not in the table", name));
  }
  const char* value = std::getenv(std::string(name).c_str());
  if (!value) return "";
  if (known->secret) RegisterSecret(value);
  return value;
}

std::optional<std::string> GetPipelineVariable(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (!value) return std::nullopt;
  const auto* known = std::find_if(std::begin(kVariables), std::end(kVariables),
                                   [&](const EnvironmentVariable& v) { return v.name == name; });
  if (known != std::end(kVariables) && known->secret) RegisterSecret(value);
  return std::string(value);
}

}  // namespace sluice
