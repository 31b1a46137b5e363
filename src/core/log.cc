#include "core/log.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "core/json_escape.h"
#include "core/progress.h"
#include "core/secrets.h"
#include "core/text_check.h"

namespace sluice {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::atomic<LogFormat> g_format{LogFormat::kHuman};
std::mutex g_last_error_mutex;
std::string g_last_error;

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::string NowUtc() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, millis);
}

void WriteLogLine(const std::string& line) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  // A progress line drawn in place would be overwritten half-way: it is cleared first and
  // redrawn by its next update.
  ClearDrawnProgressLine();
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void RememberError(LogLevel level, const std::string& safe) {
  if (level != LogLevel::kError) return;
  std::lock_guard lock(g_last_error_mutex);
  g_last_error = safe;
}

std::string JsonLinePrefix(LogLevel level) {
  return "{\"ts\":\"" + NowUtc() + "\",\"level\":\"" + LevelName(level) + "\"";
}

}  // namespace

void SetLogLevel(LogLevel level) {
  g_level = level;
}
void SetLogFormat(LogFormat format) {
  g_format = format;
}

bool ParseLogFormat(std::string_view text, LogFormat* out) {
  if (text == "human" || text == "text") {
    *out = LogFormat::kHuman;
  } else if (text == "json") {
    *out = LogFormat::kJson;
  } else {
    return false;
  }
  return true;
}

bool ParseLogLevel(std::string_view text, LogLevel* out) {
  for (auto level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (text == LevelName(level)) {
      *out = level;
      return true;
    }
  }
  return false;
}

bool LogEnabled(LogLevel level) {
  return level >= g_level.load();
}

bool LogFormatIsJson() {
  return g_format == LogFormat::kJson;
}

std::string LastLoggedError() {
  std::lock_guard lock(g_last_error_mutex);
  return g_last_error;
}

void LogMessage(LogLevel level, std::string_view message) {
  std::string safe = Redact(message);
  RememberError(level, safe);
  std::string line;
  if (g_format == LogFormat::kJson) {
    line = JsonLinePrefix(level) + ",\"msg\":";
    AppendJsonString(line, safe);
    line += "}\n";
  } else {
    // One line, and nothing that drives a terminal: messages quote keys and names from outside.
    line = fmt::format("{} {:5} {}\n", NowUtc(), LevelName(level), ForTerminal(safe));
  }
  WriteLogLine(line);
}

void LogEventMessage(LogLevel level, std::string_view event, std::initializer_list<LogField> fields,
                     std::string_view message) {
  if (g_format != LogFormat::kJson) {
    LogMessage(level, message);
    return;
  }
  std::string safe = Redact(message);
  RememberError(level, safe);
  std::string line = JsonLinePrefix(level) + ",\"event\":";
  AppendJsonString(line, event);
  line += ",\"msg\":";
  AppendJsonString(line, safe);
  for (const LogField& field : fields) {
    line += ',';
    AppendJsonString(line, field.key);
    line += ':';
    if (const auto* text = std::get_if<std::string_view>(&field.value)) {
      AppendJsonString(line, Redact(*text));
    } else if (const auto* json = std::get_if<LogJson>(&field.value)) {
      line += Redact(json->text);
    } else if (const auto* flag = std::get_if<bool>(&field.value)) {
      line += *flag ? "true" : "false";
    } else if (const auto* real = std::get_if<double>(&field.value)) {
      // JSON has no NaN or infinity: such a value is null.
      line += std::isfinite(*real) ? fmt::format("{}", *real) : "null";
    } else if (const auto* count = std::get_if<uint64_t>(&field.value)) {
      line += std::to_string(*count);
    } else {
      line += std::to_string(std::get<int64_t>(field.value));
    }
  }
  line += "}\n";
  WriteLogLine(line);
}

}  // namespace sluice
