#include "cli/run_summary.h"

#include <fmt/format.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>

#include "core/log.h"

namespace sluice::cli {
namespace {

// The process's start, near enough: static initialisation runs before main.
const std::chrono::steady_clock::time_point g_summary_start = std::chrono::steady_clock::now();
std::atomic<bool> g_summary_json{false};
std::atomic<bool> g_summary_printed{false};
std::string g_summary_pipeline;

int64_t SummaryMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               g_summary_start)
      .count();
}

}  // namespace

void SetJsonSummary(bool on) {
  g_summary_json = on;
}
bool JsonSummaryWanted() {
  return g_summary_json;
}
void SetSummaryPipeline(std::string file) {
  g_summary_pipeline = std::move(file);
}

RunSummary::RunSummary(std::string_view job) : job_(job) {
  json_.BeginObject().Key("job").String(job);
  if (!g_summary_pipeline.empty()) json_.Key("pipeline").String(g_summary_pipeline);
}

void RunSummary::Print(int exit_code, std::string_view human) {
  g_summary_printed = true;
  json_.Key("ok").Bool(exit_code == 0).Key("exit_code").Int(exit_code);
  json_.Key("duration_ms").Int(SummaryMillis()).EndObject();
  if (!g_summary_json) {
    fmt::print("{}", human);
  } else {
    fmt::print("{}\n", json_.str());
  }
  std::fflush(stdout);
  // A log shipper gets the same object from the JSON log, whatever stdout is used for; a person
  // reading human lines has it on stdout already.
  if (LogFormatIsJson()) {
    LogEvent(exit_code == 0 ? LogLevel::kInfo : LogLevel::kWarn, "job.end",
             {{"job", job_}, {"exit_code", exit_code}, {"summary", LogJson{json_.str()}}},
             "{}: finished with exit status {}", job_, exit_code);
  }
}

void PrintFailureSummary(std::string_view command, int exit_code) {
  static constexpr std::array<std::string_view, 6> kJobs = {
      "warehouse load", "logins run", "report run", "lake build", "queue send", "run"};
  if (!g_summary_json || g_summary_printed || exit_code == 0) return;
  bool job = false;
  for (std::string_view name : kJobs)
    job = job || name == command;
  if (!job) return;
  RunSummary summary(command);
  summary.json().Key("error").String(LastLoggedError());
  summary.Print(exit_code, "");
}

}  // namespace sluice::cli
