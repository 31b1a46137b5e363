#include "aws/shared_config.h"

#include <fmt/format.h>
#include <ini.h>
#include <sys/stat.h>

#include <cerrno>
#include <optional>

#include "core/environment.h"
#include "core/files.h"
#include "core/secrets.h"
#include "core/strings.h"

namespace sluice {
namespace {

// What libinih's callbacks share while one file is read. inih reads a line, then calls the
// handler at most once for it before reading the next, so the reader's notes on "the line just
// read" describe the line the handler is called for.
struct SharedConfigReadState {
  std::string_view text;
  size_t pos = 0;
  int line = 0;
  bool indented = false;  // the line just read starts with a space or a tab
  // The value of a line too long for inih's fixed line buffer (Debian builds it with 200
  // bytes), which the reader handed to inih shortened: the handler takes it from here.
  std::optional<std::string> long_value;
  std::string reader_error;  // why the reader replaced the line by one inih refuses

  AwsSharedFileKind kind = AwsSharedFileKind::kConfig;
  AwsSharedConfig* config = nullptr;
  std::string path;                      // the file's, for the origins of its settings
  std::string last_section;              // as inih gave it, to notice a new section
  AwsSettings* target = nullptr;         // the settings of the current section; null to ignore it
  AwsSettingOrigins* origins = nullptr;  // where they were read; null with `target`
  bool in_services = false;              // the current section is a [services NAME]
  std::string services_name;             // its NAME
  std::string last_key;                  // the key of the last unindented "name = value" line
  std::string last_key_written;          // that key as the file spells it, for messages
  bool last_key_opened_block = false;    // that key's value was empty: indented lines are sub-keys
  int error_line = 0;                    // the first line the handler refused, and why
  std::string error;
};

// Without the whitespace inih strips around names and values (isspace's set).
std::string_view SharedConfigTrim(std::string_view s) {
  const std::string_view blanks = " \t\r\n\v\f";
  const size_t first = s.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(blanks) - first + 1);
}

// inih's own treatment of a value, for the long lines it never sees whole: an inline comment
// starts at a ';' that follows whitespace, and the value is trimmed.
std::string SharedConfigValueRules(std::string_view raw) {
  for (size_t i = 1; i < raw.size(); ++i) {
    if (raw[i] == ';' && (raw[i - 1] == ' ' || raw[i - 1] == '\t')) {
      raw = raw.substr(0, i);
      break;
    }
  }
  return std::string(SharedConfigTrim(raw));
}

// inih's reader callback (fgets's contract): one line of the text per call, '\n' included.
char* SharedConfigReadLine(char* out, int size, void* stream) {
  auto* state = static_cast<SharedConfigReadState*>(stream);
  if (state->pos >= state->text.size() || size < 8) return nullptr;
  size_t end = state->text.find('\n', state->pos);
  end = end == std::string_view::npos ? state->text.size() : end + 1;
  const std::string_view line = state->text.substr(state->pos, end - state->pos);
  state->pos = end;
  ++state->line;
  state->indented = line.starts_with(' ') || line.starts_with('\t');
  state->long_value.reset();
  state->reader_error.clear();
  std::string shown(line);
  // An unclosed '[' on an unindented line is the one line inih always refuses: it stands in
  // for lines this reader refuses, so that inih's answer names their line.
  const std::string refused = "[\n";
  if (line.find('\0') != std::string_view::npos) {
    state->reader_error = "has a NUL byte (the file is not text)";
    shown = refused;
  } else if (line.size() + 1 > static_cast<size_t>(size)) {
    const std::string_view body = SharedConfigTrim(line);
    const size_t separator = line.find_first_of("=:");
    if (body.starts_with('#') || body.starts_with(';')) {
      shown = "#\n";  // a long comment
    } else if (state->indented) {
      // A long indented line: a sub-property or a continued value, given whole to the handler.
      state->long_value = std::string(body);
      shown = " x\n";
    } else if (separator != std::string_view::npos && separator + 8 < static_cast<size_t>(size) &&
               !body.starts_with('[')) {
      state->long_value = SharedConfigValueRules(line.substr(separator + 1));
      shown = std::string(line.substr(0, separator + 1)) + " x\n";
    } else {
      state->reader_error = "is too long to be a section or a key";
      shown = refused;
    }
  }
  if (!state->reader_error.empty() && state->error_line == 0) {
    state->error_line = state->line;
    state->error = state->reader_error;
  }
  std::copy(shown.begin(), shown.end(), out);
  out[shown.size()] = '\0';
  return out;
}

// Points `state.target` and `state.origins` where the settings of section `name` go, or at
// nothing for a section this file kind ignores.
void SharedConfigEnterSection(SharedConfigReadState& state, std::string_view name) {
  state.target = nullptr;
  state.origins = nullptr;
  state.in_services = false;
  name = SharedConfigTrim(name);
  std::string profile;
  if (state.kind == AwsSharedFileKind::kCredentials || name == "default") {
    profile = name;
  } else {
    const size_t space = name.find_first_of(" \t");
    if (space == std::string_view::npos) return;
    const std::string_view prefix = name.substr(0, space);
    const std::string rest(SharedConfigTrim(name.substr(space)));
    if (rest.empty()) return;
    if (prefix == "services") {
      state.in_services = true;
      state.services_name = rest;
      state.target = &state.config->services[rest];
      state.origins = &state.config->services_origins[rest];
      return;
    }
    if (prefix != "profile") return;  // [sso-session NAME] and sections of other tools
    profile = rest;
  }
  state.target = &state.config->profiles[profile];
  state.origins = &state.config->profile_origins[profile];
}

// Stores `key` = `value` in the current section, noting the line it was read on.
void SharedConfigStore(SharedConfigReadState& state, const std::string& key, std::string value) {
  if (state.target == nullptr) return;
  (*state.target)[key] = std::move(value);
  (*state.origins)[key] = AwsSettingOrigin{state.path, state.line};
}

int SharedConfigRefuse(SharedConfigReadState& state, std::string why) {
  if (state.error_line == 0) {
    state.error_line = state.line;
    state.error = std::move(why);
  }
  return 0;
}

// A fault in the [services NAME] being read: kept for the profile that names the section (the
// first one only), and the line skipped, so that a section nobody uses stops nothing.
int SharedConfigServicesFault(SharedConfigReadState& state, const std::string& why) {
  state.config->services_faults.try_emplace(
      state.services_name,
      fmt::format("AWS config file {}, line {}: {}", state.path, state.line, why));
  return 1;
}

int SharedConfigHandle(void* user, const char* section, const char* name, const char* value) {
  auto& state = *static_cast<SharedConfigReadState*>(user);
  if (!state.reader_error.empty()) return SharedConfigRefuse(state, state.reader_error);
  const std::string text = state.long_value ? *state.long_value : std::string(value);
  if (section != state.last_section) {
    state.last_section = section;
    SharedConfigEnterSection(state, section);
    state.last_key.clear();
  }
  if (state.last_section.empty()) {
    return SharedConfigRefuse(state, "a setting before any [section]");
  }
  const std::string key = AsciiLower(SharedConfigTrim(name));
  // inih hands an indented line under a key to the handler again with that key's name and the
  // whole line as the value: a sub-property when the key's own value was empty, else more of
  // its value.
  const bool continued = state.indented && !state.last_key.empty() && key == state.last_key;
  if (continued && state.last_key_opened_block) {
    const size_t eq = text.find('=');
    const std::string sub =
        eq == std::string::npos ? "" : AsciiLower(SharedConfigTrim(text.substr(0, eq)));
    if (sub.empty()) {
      return SharedConfigRefuse(
          state,
          fmt::format("expected 'name = value' under '{} =' (an indented sub-setting)", key));
    }
    SharedConfigStore(state, key + "." + sub, std::string(SharedConfigTrim(text.substr(eq + 1))));
    return 1;
  }
  if (continued) {
    // More of the value: its origin stays the key's line.
    if (state.target != nullptr) (*state.target)[key] += "\n" + text;
    return 1;
  }
  if (key == "aws_secret_access_key" || key == "aws_session_token") RegisterSecret(text);
  if (state.in_services && !text.empty()) {
    // The AWS CLI reads a key of a services section as a service only with its settings
    // indented under it; a key with a value of its own belongs to the section, which has none.
    // Ignoring it would leave the service on AWS's public endpoint without a word.
    // Names are quoted as the file spells them: a lower-cased one could match a value elsewhere.
    const std::string section_name(SharedConfigTrim(state.last_section));
    const std::string written(SharedConfigTrim(name));
    if (!state.indented && !state.last_key.empty() && state.last_key_opened_block) {
      return SharedConfigServicesFault(
          state, fmt::format("in [{}], '{}' is not indented, so it is a setting of the section "
                             "itself, which holds only service names; indent it under '{} =' "
                             "(as '  {} = ...') to make it {}'s",
                             section_name, written, state.last_key_written, written,
                             state.last_key_written));
    }
    return SharedConfigServicesFault(
        state, fmt::format("in [{}], '{}' has a value of its own, but a services section holds "
                           "only service names, each on a line of its own ('s3 =') with its "
                           "settings indented under it ('  endpoint_url = URL')",
                           section_name, written));
  }
  state.last_key = key;
  state.last_key_written = SharedConfigTrim(name);
  state.last_key_opened_block = text.empty();
  SharedConfigStore(state, key, text);
  return 1;
}

// "~/x" → "$HOME/x", as the SDKs expand the files' paths.
std::string SharedConfigExpandHome(std::string path) {
  if (path == "~" || path.starts_with("~/")) path = GetEnv("HOME") + path.substr(1);
  return path;
}

// Adds the file at `path` to `config`; a file that does not exist adds nothing.
Status SharedConfigReadFile(const std::string& path, AwsSharedFileKind kind,
                            AwsSharedConfig* config) {
  const std::string_view what =
      kind == AwsSharedFileKind::kConfig ? "the AWS config file" : "the AWS credentials file";
  struct stat info;
  if (stat(path.c_str(), &info) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
    return Status::Ok();
  }
  Result<std::string> text = ReadWholeFile(path, what);
  if (!text.ok()) return UsageError(text.status().message());
  return ParseAwsSharedFile(*text, kind, path, config);
}

}  // namespace

Status ParseAwsSharedFile(std::string_view text, AwsSharedFileKind kind, std::string_view path,
                          AwsSharedConfig* config) {
  SharedConfigReadState state;
  state.text = text;
  state.kind = kind;
  state.config = config;
  state.path = path;
  const int failed_line =
      ini_parse_stream(&SharedConfigReadLine, &state, &SharedConfigHandle, &state);
  if (failed_line == 0) return Status::Ok();
  const std::string_view what = kind == AwsSharedFileKind::kConfig ? "config" : "credentials";
  if (failed_line < 0) {
    return UsageError(fmt::format("AWS {} file {}: cannot be read", what, path));
  }
  const std::string why = failed_line == state.error_line
                              ? state.error
                              : "expected a [section], a comment or 'name = value'";
  return UsageError(fmt::format("AWS {} file {}, line {}: {}", what, path, failed_line, why));
}

std::string AwsSettingWhere(const std::map<std::string, AwsSettingOrigins>& origins,
                            const std::string& section, const std::string& key) {
  const auto in_section = origins.find(section);
  if (in_section == origins.end()) return "";
  const auto origin = in_section->second.find(key);
  if (origin == in_section->second.end()) return "";
  return fmt::format("{}:{}", origin->second.path, origin->second.line);
}

Result<AwsSharedConfig> LoadAwsSharedConfig() {
  AwsSharedConfig config;
  config.config_path = GetEnv("AWS_CONFIG_FILE");
  if (config.config_path.empty()) config.config_path = "~/.aws/config";
  config.config_path = SharedConfigExpandHome(config.config_path);
  config.credentials_path = GetEnv("AWS_SHARED_CREDENTIALS_FILE");
  if (config.credentials_path.empty()) config.credentials_path = "~/.aws/credentials";
  config.credentials_path = SharedConfigExpandHome(config.credentials_path);
  // The config file first: the credentials file's values then replace its for the same key.
  RETURN_IF_ERROR(SharedConfigReadFile(config.config_path, AwsSharedFileKind::kConfig, &config));
  RETURN_IF_ERROR(
      SharedConfigReadFile(config.credentials_path, AwsSharedFileKind::kCredentials, &config));
  return config;
}

}  // namespace sluice
