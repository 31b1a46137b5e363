// `sluice warehouse ...`: init, load, query and questions.
#pragma once

#include <CLI/CLI.hpp>

#include "pipeline/option_spec.h"

namespace sluice::cli {

// Adds the subcommand; its callbacks store their exit status in `*exit_code`.
void AddWarehouseCommand(CLI::App& app, int* exit_code);

// `warehouse load` on values resolved against WarehouseLoadComponent().options: the command,
// and `sluice run` on a file whose job is warehouse-load (run_command.h). Returns the exit status.
int RunWarehouseLoad(const OptionValues& values);

}  // namespace sluice::cli
