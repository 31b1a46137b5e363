#include "core/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "core/json_escape.h"
#include "core/secrets.h"
#include "core/text_check.h"

namespace sluice {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::atomic<LogFormat> g_format{LogFormat::kHuman};

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

void LogMessage(LogLevel level, std::string_view message) {
  std::string safe = Redact(message);
  std::string line;
  if (g_format == LogFormat::kJson) {
    line = "{\"ts\":\"" + NowUtc() + "\",\"level\":\"" + LevelName(level) + "\",\"msg\":";
    AppendJsonString(line, safe);
    line += "}\n";
  } else {
    // One line, and nothing that drives a terminal: messages quote keys and names from outside.
    line = fmt::format("{} {:5} {}\n", NowUtc(), LevelName(level), ForTerminal(safe));
  }
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace sluice
