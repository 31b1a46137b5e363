// LogEvent (core/log.h): in JSON a line with the event's name and typed fields, redacted like
// the message; in human format the message alone; nothing formatted below the level.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "core/log.h"
#include "core/secrets.h"

namespace sluice {
// Counts how often it is formatted: a disabled level must not format the message.
struct LogEventCounted {
  int* count;
};
}  // namespace sluice

template <>
struct fmt::formatter<sluice::LogEventCounted> : fmt::formatter<std::string_view> {
  auto format(const sluice::LogEventCounted& counted, fmt::format_context& ctx) const {
    ++*counted.count;
    return fmt::formatter<std::string_view>::format("counted", ctx);
  }
};

namespace sluice {
namespace {

// What `write` sends to stderr, captured through a temporary file.
template <typename F>
std::string LogEventCapture(F write) {
  std::fflush(stderr);
  FILE* file = std::tmpfile();
  const int saved = dup(STDERR_FILENO);
  dup2(fileno(file), STDERR_FILENO);
  write();
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::string text;
  std::rewind(file);
  for (int c; (c = std::fgetc(file)) != EOF;)
    text.push_back(static_cast<char>(c));
  std::fclose(file);
  return text;
}

class LogEventTest : public ::testing::Test {
 protected:
  void TearDown() override {
    SetLogFormat(LogFormat::kHuman);
    SetLogLevel(LogLevel::kInfo);
  }
};

TEST_F(LogEventTest, JsonKeepsEachFieldsTypeAndRedactsText) {
  RegisterSecret("log-event-secret-42");
  SetLogFormat(LogFormat::kJson);
  const std::string text = LogEventCapture([] {
    LogEvent(LogLevel::kWarn, "batch.retry",
             {{"attempt", 2},
              {"messages", uint64_t{18446744073709551615u}},
              {"ratio", 0.5},
              {"final", false},
              {"component", "sqs"},
              {"url", "https://u:log-event-secret-42@host/q"}},
             "attempt {} failed", 2);
  });
  simdjson::dom::parser parser;
  simdjson::dom::element line;
  ASSERT_FALSE(parser.parse(text).get(line)) << text;
  EXPECT_EQ(std::string_view(line["event"].get_string().value_unsafe()), "batch.retry");
  EXPECT_EQ(std::string_view(line["level"].get_string().value_unsafe()), "warn");
  EXPECT_EQ(std::string_view(line["msg"].get_string().value_unsafe()), "attempt 2 failed");
  EXPECT_EQ(line["attempt"].get_int64().value_unsafe(), 2);
  EXPECT_EQ(line["messages"].get_uint64().value_unsafe(), 18446744073709551615u);
  EXPECT_EQ(line["ratio"].get_double().value_unsafe(), 0.5);
  EXPECT_FALSE(line["final"].get_bool().value_unsafe());
  EXPECT_EQ(std::string_view(line["component"].get_string().value_unsafe()), "sqs");
  EXPECT_EQ(text.find("log-event-secret-42"), std::string::npos) << text;
}

TEST_F(LogEventTest, HumanFormatIsTheMessageAlone) {
  const std::string text = LogEventCapture([] {
    LogEvent(LogLevel::kInfo, "run.start", {{"pipeline", "p.yaml"}}, "running {}", "p");
  });
  EXPECT_NE(text.find(" info  running p\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("run.start"), std::string::npos) << text;
}

TEST_F(LogEventTest, ABelowLevelEventIsNeitherFormattedNorWritten) {
  SetLogLevel(LogLevel::kWarn);
  int formatted = 0;
  const std::string text = LogEventCapture([&] {
    LogEvent(LogLevel::kInfo, "x", {{"n", 1}}, "{}", LogEventCounted{&formatted});
  });
  EXPECT_EQ(text, "");
  EXPECT_EQ(formatted, 0);
  LogEventCapture([&] {
    LogEvent(LogLevel::kWarn, "x", {{"n", 1}}, "{}", LogEventCounted{&formatted});
  });
  EXPECT_EQ(formatted, 1);
}

TEST_F(LogEventTest, TheLastErrorIsKeptForTheSummary) {
  LogEventCapture([] { LogError("first {}", 1); });
  LogEventCapture([] { LogWarn("not an error"); });
  EXPECT_EQ(LastLoggedError(), "first 1");
}

}  // namespace
}  // namespace sluice
