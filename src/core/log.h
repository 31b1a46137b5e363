// Logging to stderr, as human-readable lines or as JSON lines (`--log-format json`) for log
// shippers. Every message is redacted before it is written.
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace sluice {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };
enum class LogFormat { kHuman, kJson };

void SetLogLevel(LogLevel level);
void SetLogFormat(LogFormat format);
bool ParseLogFormat(std::string_view text, LogFormat* out);
bool ParseLogLevel(std::string_view text, LogLevel* out);

bool LogEnabled(LogLevel level);
void LogMessage(LogLevel level, std::string_view message);

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
