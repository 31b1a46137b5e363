// A misspelt option or command, found before CLI11 parses the line. CLI11 alone reports what it
// makes of the words after a typo: `load --modle movie f.csv` read as the files "movie" and
// "f.csv" ("File does not exist: movie"), `load --bogus` as a missing --model, `warehouse lod` as
// no subcommand at all. This walks the line against the command tree first and names the word
// itself, with the closest known name. The same walk of the line lets "--" end the options
// (ArgumentsAfterDoubleDash), and its suggestions serve other names too (LikelyNames).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace sluice::cli {

// The first unknown option or command in `args` (the command line without the program's name),
// as a message; "" when every name is known. An option is known to the command it follows or to
// any command above it (the global options are taken anywhere); a word where a command must
// stand (after `sluice`, after `sluice warehouse`) must name one. The messages:
//   unknown option --modle; did you mean --model?   (in any case: --MODEL too)
//   unknown option --bogus; 'sluice warehouse load --help' lists its options
//   unknown command 'lod' for 'sluice warehouse'; did you mean 'load'?
//   (followed by a line listing the commands)
// Values are skipped, never quoted (one may hold a password). Words after "--" are not checked,
// nor anything below a command that takes extra arguments as they are (allow_extras).
std::string FindUnknownName(CLI::App& app, const std::vector<std::string>& args);

// `args` (the line without the program's name) as CLI11 must get it for the first "--" to end
// the options (POSIX utility guideline 10): every word after it is an argument, even "--json".
// CLI11 2.1 ends a command at a "--" once the command's required arguments are given (in
// `warehouse load -m user u.csv -- --json`, u.csv), and the commands above it then read the
// words after it as their own options again, so the global --json was taken. The command's
// arguments given before the "--" are moved to just after it, so that CLI11 meets "--" with
// arguments still to come and keeps every later word as one. Unchanged when there is no "--",
// the line has an unknown name (FindUnknownName says), or the command takes extras as they are.
// `*error` (left alone otherwise) names a command that takes no arguments when words follow.
std::vector<std::string> ArgumentsAfterDoubleDash(CLI::App& app,
                                                  const std::vector<std::string>& args,
                                                  std::string* error);

// The names in `names` that `word` likely misspells: the closest whole name (core/suggest.h),
// else every name with a '-'-separated part that is close to `word` or starts with it (at least
// three letters): "warehous" gives warehouse-load, "lake" lake-seed, lake-build and lake-serve.
// Empty when none is close. Case is ignored ("SQS" gives sqs); the names come back as given.
std::vector<std::string> LikelyNames(const std::string& word,
                                     const std::vector<std::string>& names);

// "; did you mean 'a'?", "; did you mean 'a', 'b' or 'c'?", or "" for no names.
std::string DidYouMean(const std::vector<std::string>& likely);

// "sluice warehouse load" for the command `command` (the root is "sluice").
std::string CommandPath(const CLI::App& command);

// The commands under `command` that --help shows (hidden ones, in group "", left out).
std::vector<CLI::App*> VisibleSubcommands(CLI::App& command);

}  // namespace sluice::cli
