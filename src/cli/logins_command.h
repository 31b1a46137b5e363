// `sluice logins ...`: run, keygen and reveal.
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

void AddLoginsCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
