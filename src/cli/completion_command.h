// `sluice completion bash|zsh`: a completion script for the shell, written from the live command
// tree (cli/command_tree.h) each time, so it always knows the binary's own commands, options and
// choices. The build also writes both into the install tree (CMakeLists.txt, "install").
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace sluice::cli {

// The scripts themselves, for the command and for tests. Bash: defines _sluice and registers it
// with `complete -F _sluice sluice`. Zsh: a #compdef file (for a directory of $fpath, named
// _sluice) that also registers itself when sourced.
std::string BashCompletion(CLI::App& app);
std::string ZshCompletion(CLI::App& app);

void AddCompletionCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
