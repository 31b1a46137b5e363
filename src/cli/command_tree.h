// The command tree as plain data, read from the live CLI11 app: each visible command with its
// options (flags, whether a value follows, the choices of an IsMember check, the help text) and
// arguments. Shell completion and the man page are generated from it, so neither can name an
// option the binary does not have, nor miss one it has.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace sluice::cli {

struct OptionInfo {
  std::vector<std::string> flags;  // as typed: "-m", "--model"
  bool takes_value = false;        // a value follows the flag (a flag alone takes none)
  // The values an IsMember check allows, or CompletionWords' words; empty: any.
  std::vector<std::string> choices;
  std::string type_name;    // CLI11's, with its checks: "INT:INT in [1 - 64]", "PATH"
  std::string description;  // the --help line
  bool required = false;
  bool is_help = false;  // -h/--help, which every command has
};

struct CommandInfo {
  std::vector<std::string> path;  // {} for the root, {"warehouse", "load"}
  std::string description;
  std::vector<std::string> commands;              // its visible subcommands' names
  std::vector<std::string> command_descriptions;  // beside them
  std::vector<std::string> arguments;             // positionals' names ("files"), in order
  std::vector<std::string> argument_choices;      // the first positional's, as for an option
  std::vector<OptionInfo> options;                // its own, in declaration order
  // The options it also accepts from the commands above it (the global ones, through CLI11's
  // fallthrough).
  std::vector<OptionInfo> inherited_options;
};

// A check that refuses nothing and shows nothing in --help, but gives completion the words an
// argument or option likely takes (`sluice components <TAB>`: the component names), where an
// IsMember check would refuse any other word or drop the command's own did-you-mean.
CLI::Validator CompletionWords(const std::vector<std::string>& words);

// Every command that --help shows (hidden ones, in group "", left out, with what is below them),
// the root first, each command before its subcommands, in declaration order.
std::vector<CommandInfo> DescribeCommands(CLI::App& app);

}  // namespace sluice::cli
