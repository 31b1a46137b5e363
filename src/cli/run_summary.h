// The end-of-run summary of a job (warehouse load, logins run, report run, lake build, queue
// send, and `run FILE` through the job it runs): the human line(s) the job always printed, or,
// with the global --json flag (cli/global_options.h), one JSON object on stdout that a
// scheduler parses:
//   {"job": "logins run", ["pipeline": FILE,] <the job's counts>, "ok": BOOL,
//    "exit_code": N, "duration_ms": N}
// "ok" is exit_code == 0; exit code 3 means the work was committed with rejected records, which
// the job's own fields count and say where they are kept. A job that fails before its summary
// still prints one object (PrintFailureSummary) naming the error.
#pragma once

#include <string>
#include <string_view>

#include "core/json_writer.h"

namespace sluice::cli {

// Set once the command line is parsed (the global --json flag).
void SetJsonSummary(bool on);
bool JsonSummaryWanted();
// `sluice run FILE`: the summary of the job it runs carries "pipeline": FILE.
void SetSummaryPipeline(std::string file);

class RunSummary {
 public:
  // `job` is the command ("warehouse load"); the clock started with the process.
  explicit RunSummary(std::string_view job);
  // The object being written, after "job" (and "pipeline"): the job adds its own fields.
  JsonWriter& json() { return json_; }
  // Prints `human` as it is (it ends in a newline), or the JSON object closed with ok,
  // exit_code and duration_ms, on one line; stdout is flushed. With --log-format json the object
  // is also logged, as the "summary" field of a "job.end" event.
  void Print(int exit_code, std::string_view human);

 private:
  std::string job_;
  JsonWriter json_;
};

// With --json, when the command that ran is a job (`command` is its path, "logins run") and it
// printed no summary: {"job", "ok": false, "exit_code", "error": the last error logged,
// "duration_ms"}. Nothing otherwise.
void PrintFailureSummary(std::string_view command, int exit_code);

}  // namespace sluice::cli
