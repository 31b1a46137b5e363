// `sluice logins ...`: run, keygen and reveal.
#pragma once

#include <CLI/CLI.hpp>
#include <vector>

#include "pipeline/option_spec.h"

namespace sluice::cli {

void AddLoginsCommand(CLI::App& app, int* exit_code);

// `logins run`'s options: those of a source (file, or sqs), the mask transform and the
// logins-postgres sink, composed; `file` excludes `queue`.
std::vector<OptionSpec> LoginsRunOptions();

// The logins job on values resolved against LoginsRunOptions(): `sluice logins run`, and
// `sluice run` on a file of the same shape (run_command.h). Returns the exit status.
int RunLoginsCommand(const OptionValues& values);

}  // namespace sluice::cli
