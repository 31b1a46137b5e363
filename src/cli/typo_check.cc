#include "cli/typo_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/suggest.h"

namespace sluice::cli {
namespace {

std::string TypoCheckLower(const std::string& text) {
  std::string lower = text;
  for (char& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

// ClosestName in any case: "--MODEL" and "SQS" are near their names. The name is given as
// declared, not as lowered.
std::string TypoCheckClosest(const std::string& word, const std::vector<std::string>& names) {
  std::vector<std::string> lowered;
  lowered.reserve(names.size());
  for (const std::string& name : names)
    lowered.push_back(TypoCheckLower(name));
  const std::string closest = ClosestName(TypoCheckLower(word), lowered);
  if (closest.empty()) return "";
  return names[static_cast<size_t>(std::find(lowered.begin(), lowered.end(), closest) -
                                   lowered.begin())];
}

// The commands whose options are known at `command`: itself, then each parent it passes unknown
// options up to (CLI11's fallthrough), ending at the root's global options.
std::vector<CLI::App*> TypoCheckScope(CLI::App* command) {
  std::vector<CLI::App*> scope{command};
  while (scope.back()->get_parent() != nullptr && scope.back()->get_fallthrough())
    scope.push_back(scope.back()->get_parent());
  return scope;
}

CLI::Option* TypoCheckFindOption(const std::vector<CLI::App*>& scope, const std::string& flag) {
  for (CLI::App* command : scope) {
    for (CLI::Option* option : command->get_options()) {
      if (option->get_positional() && !option->nonpositional()) continue;
      if (option->check_name(flag)) return option;
    }
  }
  return nullptr;
}

CLI::App* TypoCheckSubcommand(CLI::App* command, const std::string& word) {
  for (CLI::App* sub : command->get_subcommands([](CLI::App*) { return true; })) {
    if (!sub->get_name().empty() && sub->check_name(word)) return sub;
  }
  return nullptr;
}

bool TypoCheckTakesValue(const CLI::Option* option) {
  return option->get_items_expected_max() > 0;
}

// Steps `*i` over the values of `option` that follow it, as CLI11 takes them: those it must
// have, whatever they look like, then up to its most while the next word is neither an option
// nor a command of `command` (a list, or a value that may be left out). `given` values were
// already attached to the flag ("-mmovie").
void TypoCheckSkipValues(const CLI::Option* option, CLI::App* command,
                         const std::vector<std::string>& args, int given, size_t* i) {
  int taken = given;
  for (; taken < option->get_items_expected_min() && *i + 1 < args.size(); ++taken)
    ++*i;
  for (; taken < option->get_items_expected_max() && *i + 1 < args.size(); ++taken) {
    const std::string& next = args[*i + 1];
    if (next.rfind('-', 0) == 0 || TypoCheckSubcommand(command, next) != nullptr) break;
    ++*i;
  }
}

// "-5", "-0.5": a value (or a positional), not a short option.
bool TypoCheckIsNumber(const std::string& word) {
  return word.size() > 1 && word[0] == '-' &&
         (std::isdigit(static_cast<unsigned char>(word[1])) || word[1] == '.');
}

bool TypoCheckHasPositionals(CLI::App* command) {
  for (CLI::Option* option : command->get_options())
    if (option->get_positional()) return true;
  return false;
}

std::string TypoCheckUnknownOption(const std::vector<CLI::App*>& scope, const std::string& flag) {
  const bool is_long = flag.rfind("--", 0) == 0;
  const std::string bare = flag.substr(is_long ? 2 : 1);
  std::vector<std::string> candidates;
  for (CLI::App* command : scope) {
    for (CLI::Option* option : command->get_options()) {
      if (option->get_group().empty()) continue;
      for (const std::string& name : is_long ? option->get_lnames() : option->get_snames())
        candidates.push_back(name);
    }
  }
  std::string closest = TypoCheckClosest(bare, candidates);
  // A long name misspelt with one dash ("-model") is the long option, not a pile of short ones.
  if (closest.empty() && !is_long) {
    std::vector<std::string> long_names;
    for (CLI::App* command : scope)
      for (CLI::Option* option : command->get_options())
        if (!option->get_group().empty())
          for (const std::string& name : option->get_lnames())
            long_names.push_back(name);
    closest = TypoCheckClosest(bare, long_names);
    if (!closest.empty())
      return fmt::format("unknown option {}; did you mean --{}?", flag, closest);
  }
  if (!closest.empty()) {
    return fmt::format("unknown option {}; did you mean {}{}?", flag, is_long ? "--" : "-",
                       closest);
  }
  return fmt::format("unknown option {}; '{} --help' lists its options", flag,
                     CommandPath(*scope.front()));
}

std::string TypoCheckUnknownCommand(CLI::App* command, const std::string& word) {
  std::vector<std::string> names;
  for (CLI::App* sub : VisibleSubcommands(*command))
    names.push_back(sub->get_name());
  // A word no longer than a command name is shown as typed; anything longer is cut, so a pasted
  // blob (or a URL meant for a flag) does not fill the terminal.
  const std::string shown = word.size() > 40 ? word.substr(0, 40) + "..." : word;
  std::string message = fmt::format("unknown command '{}' for '{}'", shown, CommandPath(*command));
  const std::string closest = TypoCheckClosest(word, names);
  if (!closest.empty()) message += fmt::format("; did you mean '{}'?", closest);
  message += fmt::format("\nits commands: {}", fmt::join(names, ", "));
  return message;
}

// What one pass over the line, reading it as CLI11 will, found.
struct TypoCheckWalk {
  std::string unknown;            // the first unknown option or command, as a message; "" if none
  CLI::App* command = nullptr;    // the command the walk ended under
  size_t end = 0;                 // the index of the first "--", or the number of words
  bool takes_anything = false;    // it ended at a command that takes extras as they are
  std::vector<size_t> arguments;  // the words before `end` that are `command`'s arguments
};

TypoCheckWalk TypoCheckWalkLine(CLI::App& app, const std::vector<std::string>& args) {
  TypoCheckWalk walk;
  walk.command = &app;
  for (walk.end = 0; walk.end < args.size(); ++walk.end) {
    CLI::App* command = walk.command;
    if (command->get_allow_extras() || command->get_prefix_command()) {
      walk.takes_anything = true;
      return walk;
    }
    size_t& i = walk.end;
    const std::string& word = args[i];
    if (word == "--") return walk;
    const std::vector<CLI::App*> scope = TypoCheckScope(command);
    if (word.size() > 2 && word.rfind("--", 0) == 0) {
      const size_t equals = word.find('=');
      const std::string flag = word.substr(0, equals);
      CLI::Option* option = TypoCheckFindOption(scope, flag);
      if (option == nullptr) {
        walk.unknown = TypoCheckUnknownOption(scope, flag);
        return walk;
      }
      if (!TypoCheckTakesValue(option)) continue;
      TypoCheckSkipValues(option, command, args, equals == std::string::npos ? 0 : 1, &i);
      continue;
    }
    if (word.size() > 1 && word[0] == '-' && !TypoCheckIsNumber(word)) {
      // Short options, possibly run together ("-qv") or with their value attached ("-mmovie").
      for (size_t j = 1; j < word.size(); ++j) {
        const std::string flag = std::string("-") + word[j];
        CLI::Option* option = TypoCheckFindOption(scope, flag);
        if (option == nullptr) {
          walk.unknown = TypoCheckUnknownOption(scope, j == 1 ? word : flag);
          return walk;
        }
        if (!TypoCheckTakesValue(option)) continue;
        TypoCheckSkipValues(option, command, args, j + 1 == word.size() ? 0 : 1, &i);
        break;
      }
      continue;
    }
    if (CLI::App* sub = TypoCheckSubcommand(command, word)) {
      walk.command = sub;
      walk.arguments.clear();
      continue;
    }
    // A word that is no command is an argument, unless this command takes only commands.
    if (!TypoCheckHasPositionals(command) &&
        !command->get_subcommands([](CLI::App*) { return true; }).empty()) {
      walk.unknown = TypoCheckUnknownCommand(command, word);
      return walk;
    }
    walk.arguments.push_back(i);
  }
  return walk;
}

}  // namespace

std::string CommandPath(const CLI::App& command) {
  if (command.get_parent() == nullptr) return "sluice";
  return CommandPath(*command.get_parent()) + " " + command.get_name();
}

std::vector<std::string> LikelyNames(const std::string& word,
                                     const std::vector<std::string>& names) {
  const std::string closest = TypoCheckClosest(word, names);
  if (!closest.empty()) return {closest};
  std::vector<std::string> likely;
  if (word.empty()) return likely;
  const std::string lower_word = TypoCheckLower(word);
  for (const std::string& declared : names) {
    const std::string name = TypoCheckLower(declared);
    for (size_t start = 0; start <= name.size();) {
      const size_t dash = std::min(name.find('-', start), name.size());
      const std::string part = name.substr(start, dash - start);
      const bool starts = lower_word.size() >= 3 && part.rfind(lower_word, 0) == 0;
      if (starts || !ClosestName(lower_word, std::vector<std::string>{part}).empty()) {
        likely.push_back(declared);
        break;
      }
      start = dash + 1;
    }
  }
  return likely;
}

std::string DidYouMean(const std::vector<std::string>& likely) {
  if (likely.empty()) return "";
  std::string names = "'" + likely.front() + "'";
  for (size_t i = 1; i < likely.size(); ++i)
    names += fmt::format("{}'{}'", i + 1 == likely.size() ? " or " : ", ", likely[i]);
  return fmt::format("; did you mean {}?", names);
}

std::vector<CLI::App*> VisibleSubcommands(CLI::App& command) {
  return command.get_subcommands(
      [](CLI::App* sub) { return !sub->get_name().empty() && !sub->get_group().empty(); });
}

std::string FindUnknownName(CLI::App& app, const std::vector<std::string>& args) {
  return TypoCheckWalkLine(app, args).unknown;
}

std::vector<std::string> ArgumentsAfterDoubleDash(CLI::App& app,
                                                  const std::vector<std::string>& args,
                                                  std::string* error) {
  const TypoCheckWalk walk = TypoCheckWalkLine(app, args);
  if (!walk.unknown.empty() || walk.takes_anything || walk.end == args.size()) return args;
  if (!TypoCheckHasPositionals(walk.command)) {
    if (walk.end + 1 < args.size()) {
      const std::string& word = args[walk.end + 1];
      const std::string shown = word.size() > 40 ? word.substr(0, 40) + "..." : word;
      *error = fmt::format("'{}' takes no arguments, but '{}' follows '--'",
                           CommandPath(*walk.command), shown);
    }
    return args;
  }
  // The command's arguments move from before the "--" to just after it, in their order, ahead
  // of the words that followed it: the options and their values stay where they were.
  std::vector<std::string> line;
  line.reserve(args.size());
  size_t next_argument = 0;
  for (size_t i = 0; i < walk.end; ++i) {
    if (next_argument < walk.arguments.size() && walk.arguments[next_argument] == i) {
      ++next_argument;
      continue;
    }
    line.push_back(args[i]);
  }
  line.push_back("--");
  for (size_t index : walk.arguments)
    line.push_back(args[index]);
  line.insert(line.end(), args.begin() + static_cast<std::ptrdiff_t>(walk.end) + 1, args.end());
  return line;
}

}  // namespace sluice::cli
