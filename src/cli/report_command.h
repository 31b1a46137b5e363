// `sluice report ...`: run a report and list past runs.
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

void AddReportCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
