// `sluice manpage` (hidden): the man page sluice(1) in roff, written from the live command tree
// (cli/command_tree.h) and the environment table (core/environment.h), so it lists every
// command, option and variable the binary has. The build runs it into build/sluice.1, which
// `cmake --install` puts in share/man/man1.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace sluice::cli {

std::string ManPage(CLI::App& app);

void AddManpageCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
