// `sluice warehouse ...`: init, load, query and questions.
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

// Adds the subcommand; its callbacks store their exit status in `*exit_code`.
void AddWarehouseCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
