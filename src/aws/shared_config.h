// The AWS shared config and credentials files (~/.aws/config, ~/.aws/credentials), read as the
// AWS SDKs and CLI read them: AWS SDKs and Tools Reference Guide, "Using shared config and
// credentials files" (file format, profiles, sub-properties) and "Service-specific endpoints"
// (the [services NAME] sections). The INI syntax itself is libinih's; this file only maps its
// sections and keys onto profiles. Which setting wins over which is aws_config.cc's business.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sluice {

// A profile's or a services section's settings: lower-cased key → value. A sub-property
// ("s3 =" followed by an indented "addressing_style = path") is stored as "s3.addressing_style".
// A value continued on indented lines holds them joined by '\n'.
using AwsSettings = std::map<std::string, std::string>;

// Where a setting was read: the file (as looked at) and its line, from 1. For a value continued
// on indented lines, the line of its key.
struct AwsSettingOrigin {
  std::string path;
  int line = 0;
};
// The origins of a section's settings, under the same keys as its AwsSettings.
using AwsSettingOrigins = std::map<std::string, AwsSettingOrigin>;

struct AwsSharedConfig {
  // Profile name ("default", "dev") → its settings, the credentials file's value of a key
  // winning over the config file's for the same profile (as the SDKs merge them). A profile
  // whose section exists but is empty is present with no settings.
  std::map<std::string, AwsSettings> profiles;
  // [services NAME] sections of the config file: NAME → "s3.endpoint_url" → URL.
  std::map<std::string, AwsSettings> services;
  // Where each of those settings was read (the file whose value won), for messages and for
  // `sluice check`.
  std::map<std::string, AwsSettingOrigins> profile_origins;
  std::map<std::string, AwsSettingOrigins> services_origins;
  // [services NAME] sections with a fault (a key with a value of its own): NAME → "AWS config
  // file PATH, line N: WHY", the first one. Kept rather than refused, so that a section no
  // profile in use names stops nothing; aws_config.cc refuses it for a profile that names it.
  std::map<std::string, std::string> services_faults;
  // The files looked at (whether or not they exist), for messages.
  std::string config_path;
  std::string credentials_path;
};

enum class AwsSharedFileKind {
  kConfig,       // sections [default], [profile NAME], [services NAME]; others are ignored
  kCredentials,  // sections [NAME], each a profile
};

// Adds the settings in `text`, the contents of the file at `path` (used in messages only), to
// `config`; values already there from another file are replaced. Errors are kUsage and read
// "AWS config file PATH, line N: WHY": a line that is neither a [section], a comment nor
// "name = value", a setting before any section, an indented line under a key that is not
// "name = value" when the key opened a block of sub-properties, a NUL byte, a section or key
// too long to read. In a [services NAME] section, a key with a value of its own ("endpoint_url
// = URL" not indented under "s3 ="), which the section cannot hold (it holds service names, each
// followed by its settings indented), is no error here: it is kept in services_faults, worded as
// an error would be, and the section's other settings are read. A message never quotes a value
// (it may be a secret key).
// The values of aws_secret_access_key and aws_session_token are registered for redaction as
// they are read.
Status ParseAwsSharedFile(std::string_view text, AwsSharedFileKind kind, std::string_view path,
                          AwsSharedConfig* config);

// Reads AWS_CONFIG_FILE (default ~/.aws/config) and AWS_SHARED_CREDENTIALS_FILE (default
// ~/.aws/credentials); a leading "~/" is the home directory ($HOME). A file that does not exist
// adds nothing; one that exists but cannot be read, or is malformed, is an error naming it.
Result<AwsSharedConfig> LoadAwsSharedConfig();

// "PATH:LINE" where `origins` (a profile's or a services section's) says `key` was read, or ""
// when it was not read from a file.
std::string AwsSettingWhere(const std::map<std::string, AwsSettingOrigins>& origins,
                            const std::string& section, const std::string& key);

}  // namespace sluice
