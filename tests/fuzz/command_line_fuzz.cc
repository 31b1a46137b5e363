// The typo check (cli/typo_check.h) walks every word of a command line before CLI11 does: any
// words, of any length and bytes, give "" or one "unknown ..." message, never a crash, and never
// repeat the value of an option (which may be a password); the "--" rewrite only moves words.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/typo_check.h"

namespace {

// A tree of the shapes the real one has: global options taken anywhere (fallthrough), commands
// under commands, short and long flags, options with a value, a list option, positionals.
CLI::App& CommandLineFuzzApp() {
  static CLI::App* app = [] {
    auto* root = new CLI::App("fuzz");
    static std::string text;
    static std::vector<std::string> list;
    static bool flag = false;
    root->fallthrough();
    root->add_option("--log-format", text)->check(CLI::IsMember({"human", "json"}));
    root->add_flag("--no-progress", flag);
    CLI::App* warehouse = root->add_subcommand("warehouse", "");
    CLI::App* load = warehouse->add_subcommand("load", "");
    load->add_option("-m,--model", text);
    load->add_flag("-q,--quiet", flag);
    load->add_option("--tags", list);
    load->add_option("files", list);
    warehouse->add_subcommand("init", "")->add_option("--pg", text);
    root->add_subcommand("validate", "")->add_option("file", text);
    CLI::App* hidden = root->add_subcommand("manpage", "");
    hidden->group("");
    return root;
  }();
  return *app;
}

// The word a message quotes: the option in "unknown option W; did you mean --x?" or "unknown
// option W; 'fuzz --help' lists its options", the command in "unknown command 'W' for 'fuzz'
// ...". Its fixed wording comes last and holds its separator once, so the last separator
// ends the word, whatever W holds. A value counts as shown only inside W: a W that ends
// in "x@" shows the value "x@;" only by running into the wording after it.
std::string CommandLineFuzzQuotedWord(const std::string& message) {
  const std::string option = "unknown option ", command = "unknown command '";
  size_t end = std::string::npos;
  if (message.rfind(option, 0) == 0) {
    end = message.ends_with(" lists its options") ? message.rfind("; '")
                                                  : message.rfind("; did you mean ");
    return end == std::string::npos || end < option.size()
               ? message
               : message.substr(option.size(), end - option.size());
  }
  end = message.rfind("' for '", message.find("\nits commands: "));
  return end == std::string::npos || end < command.size()
             ? message
             : message.substr(command.size(), end - command.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Words separated by NUL bytes, as argv holds them.
  std::vector<std::string> args(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      args.emplace_back();
    } else {
      args.back() += static_cast<char>(data[i]);
    }
  }
  const std::string message = sluice::cli::FindUnknownName(CommandLineFuzzApp(), args);
  if (!message.empty() && message.rfind("unknown option ", 0) != 0 &&
      message.rfind("unknown command '", 0) != 0) {
    std::abort();
  }
  // The word after --pg or -m is a value: it is skipped, never quoted. (A value with an '@', as
  // a password-bearing URL has, can be quoted only through another word holding it.) An
  // "-m" that is itself the value of an option before it (`--log-format -m x@y`) is no option,
  // and the word after it is a word of its own.
  auto takes_value = [](const std::string& w) {
    return w == "--pg" || w == "-m" || w == "--model" || w == "--log-format" || w == "--tags";
  };
  const std::string quoted = message.empty() ? message : CommandLineFuzzQuotedWord(message);
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    const std::string& value = args[i + 1];
    if ((args[i] != "--pg" && args[i] != "-m") || (i > 0 && takes_value(args[i - 1])) ||
        value.find('@') == std::string::npos || value[0] == '-' ||
        quoted.find(value) == std::string::npos) {
      continue;
    }
    bool elsewhere = false;
    for (size_t j = 0; j < args.size(); ++j)
      elsewhere |= j != i + 1 && args[j].find(value) != std::string::npos;
    if (!elsewhere) std::abort();
  }
  // "--" (ArgumentsAfterDoubleDash) only moves words, never drops or makes one, and the words
  // after the "--" still follow it, and end the line that CLI11 gets.
  std::string refused;
  const std::vector<std::string> line =
      sluice::cli::ArgumentsAfterDoubleDash(CommandLineFuzzApp(), args, &refused);
  std::vector<std::string> words_in = args, words_out = line;
  std::sort(words_in.begin(), words_in.end());
  std::sort(words_out.begin(), words_out.end());
  if (words_in != words_out) std::abort();
  // (With one "--" only: a "--" may also be an option's value, as in `-m --`.)
  const auto dash = std::find(args.begin(), args.end(), "--");
  if (std::count(args.begin(), args.end(), "--") == 1) {
    const auto after = static_cast<size_t>(args.end() - dash - 1);
    const auto tail = line.end() - static_cast<std::ptrdiff_t>(after);
    if (!std::equal(dash + 1, args.end(), tail) || std::find(line.begin(), tail, "--") == tail) {
      std::abort();
    }
  }
  return 0;
}
