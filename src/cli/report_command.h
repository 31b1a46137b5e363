// `sluice report ...`: run a report and list past runs.
#pragma once

#include <CLI/CLI.hpp>
#include <vector>

#include "pipeline/option_spec.h"

namespace sluice::cli {

void AddReportCommand(CLI::App& app, int* exit_code);

// `report run`'s options: the daily-lessons job's and the s3-object's, composed.
std::vector<OptionSpec> ReportRunOptions();

// `report run` on values resolved against ReportRunOptions(): the command, and `sluice run` on a
// file whose job is daily-lessons (run_command.h). Returns the exit status.
int RunReport(const OptionValues& values);

}  // namespace sluice::cli
