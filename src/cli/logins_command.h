// `sluice logins ...`: run, keygen and reveal.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "jobs/logins/logins_sink.h"
#include "pipeline/option_spec.h"
#include "pipeline/stages.h"

namespace sluice::cli {

void AddLoginsCommand(CLI::App& app, int* exit_code);

// `logins run`'s options: those of a source (file, or sqs), the mask transform and the
// logins-postgres sink, composed; `file` excludes `queue`.
std::vector<OptionSpec> LoginsRunOptions();

// The logins job on values resolved against LoginsRunOptions(): `sluice logins run`, and
// `sluice run` on a file of the same shape (run_command.h). Returns the exit status.
int RunLoginsCommand(const OptionValues& values);

// A queue (or file) -> message transform -> PostgreSQL table run, of which the logins job is the
// preset: values resolved against the sink's, a source's (file, sqs) and the runner settings'
// options (file, queue, sqs-*, pg, table, batch-size, ledger-days, metrics-listen, ...).
struct TableRun {
  // Builds the transform once the names are checked and before anything is connected to; its
  // error is the run's (a usage error for a missing key file).
  std::function<Result<std::unique_ptr<Transform>>()> make_transform;
  // The table's columns (user_logins' by default) and the name of the table option in errors.
  logins::TableShape shape = {};
  std::string table_flag = "--table";
};
int RunIntoTable(const OptionValues& values, const TableRun& run);

}  // namespace sluice::cli
