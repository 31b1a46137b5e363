// Logging to stderr, as human-readable lines or as JSON lines (`--log-format json`) for log
// shippers. Every message is redacted before it is written.
//
// Plain lines (LogInfo and friends) are {"ts","level","msg"} in JSON. Events (LogEvent) also
// carry a name and typed fields, so a log shipper filters on them without parsing the text:
//   {"ts":..., "level":"info", "event":"logins.start", "msg":<the human line>,
//    "job":"logins run", "consumers":4, ...}
// docs/configuration.md ("JSON log lines") lists the events and their fields.
#pragma once

#include <fmt/format.h>

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace sluice {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };
enum class LogFormat { kHuman, kJson };

void SetLogLevel(LogLevel level);
void SetLogFormat(LogFormat format);
bool ParseLogFormat(std::string_view text, LogFormat* out);
bool ParseLogLevel(std::string_view text, LogLevel* out);

bool LogEnabled(LogLevel level);
// Whether lines are JSON (--log-format json): an event that only repeats what standard output
// already shows a person is logged only then.
bool LogFormatIsJson();
void LogMessage(LogLevel level, std::string_view message);

// The last message logged at error level (redacted), or "" if none: the "error" of a failed
// job's JSON summary (cli/run_summary.h).
std::string LastLoggedError();

// A field's value that is already a JSON document (a job's summary object), written as it is
// (redacted) in JSON lines.
struct LogJson {
  std::string_view text;
};

// One field of a log event: a key and a value that keeps its JSON type (integers and doubles
// are numbers, bool is true/false, text is a string, redacted like the message). The views
// must outlive the LogEvent call only.
struct LogField {
  using Value = std::variant<int64_t, uint64_t, double, bool, std::string_view, LogJson>;
  template <std::integral T>
  LogField(std::string_view k, T v) : key(k) {
    if constexpr (std::same_as<T, bool>) {
      value = v;
    } else if constexpr (std::signed_integral<T>) {
      value = static_cast<int64_t>(v);
    } else {
      value = static_cast<uint64_t>(v);
    }
  }
  LogField(std::string_view k, double v) : key(k), value(v) {}
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, LogJson v) : key(k), value(v) {}

  std::string_view key;  // not ts, level, event or msg
  Value value;
};

void LogEventMessage(LogLevel level, std::string_view event, std::initializer_list<LogField> fields,
                     std::string_view message);

// A named event ("warehouse.file_loaded") with typed fields: in human format the formatted
// message alone, as a plain line; in JSON the message plus "event" and the fields. The message
// is formatted only when `level` is on; the fields are views and numbers, cheap to build.
template <typename... Args>
void LogEvent(LogLevel level, std::string_view event, std::initializer_list<LogField> fields,
              fmt::format_string<Args...> format, Args&&... args) {
  if (!LogEnabled(level)) return;
  LogEventMessage(level, event, fields, fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
void Log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  if (!LogEnabled(level)) return;
  LogMessage(level, fmt::format(format, std::forward<Args>(args)...));
}

#define SLUICE_LOG_FN(name, level)                                \
  template <typename... Args>                                     \
  void name(fmt::format_string<Args...> format, Args&&... args) { \
    Log(level, format, std::forward<Args>(args)...);              \
  }
SLUICE_LOG_FN(LogDebug, LogLevel::kDebug)
SLUICE_LOG_FN(LogInfo, LogLevel::kInfo)
SLUICE_LOG_FN(LogWarn, LogLevel::kWarn)
SLUICE_LOG_FN(LogError, LogLevel::kError)
#undef SLUICE_LOG_FN

}  // namespace sluice
