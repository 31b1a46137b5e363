// Turns OptionSpecs (pipeline/option_spec.h) into CLI11 options of a command, so that the flags,
// their checks and their --help text (rule, default, environment variable) come from the one
// declaration.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pipeline/option_spec.h"

namespace sluice::cli {

// Declares `specs` on `command`; parsed values land in `*values` (which must outlive the
// parse), and OptionValues::Resolve completes them from the environment and the defaults.
// CLI11 refuses a value outside its range or choices, or a missing file, while parsing: exit 2.
void BindOptions(CLI::App& command, std::span<const OptionSpec> specs, OptionValues* values);

// A subcommand of `parent` whose options are `specs`: after parsing, the values are resolved
// (OptionValues::Resolve; a usage error exits 2) and `run` gives the exit status.
using CommandFn = std::function<int(const OptionValues& values)>;
CLI::App* AddCommand(CLI::App& parent, const std::string& name, const std::string& description,
                     std::vector<OptionSpec> specs, CommandFn run, int* exit_code);

}  // namespace sluice::cli
