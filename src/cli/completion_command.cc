#include "cli/completion_command.h"

#include <fmt/format.h>

#include <cstdio>
#include <set>

#include "cli/command_tree.h"
#include "cli/exit_policy.h"
#include "cli/version.h"

namespace sluice::cli {
namespace {

// Words the scripts hold unquoted inside case patterns and word lists: names and choices made of
// these characters only. Anything else is left out of the script rather than quoted, so no
// declaration can put shell syntax into a user's shell.
bool CompletionSafeWord(const std::string& word) {
  if (word.empty()) return false;
  for (char c : word) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == '/' || c == '+' || c == '@' ||
                    c == ',';
    if (!ok) return false;
  }
  return true;
}

std::string CompletionPathKey(const CommandInfo& command) {
  return fmt::format("{}", fmt::join(command.path, " "));
}

// A command's options, then those it inherits, each flag once: a command's own option hides an
// inherited one of the same name (`check postgres --json` is check's, not the global --json), and
// a flag listed twice would be offered twice.
std::vector<OptionInfo> CompletionOptions(const CommandInfo& command) {
  std::vector<OptionInfo> options;
  std::set<std::string> seen;
  auto add = [&](const OptionInfo& option) {
    OptionInfo kept = option;
    kept.flags.clear();
    for (const std::string& flag : option.flags)
      if (seen.insert(flag).second) kept.flags.push_back(flag);
    if (!kept.flags.empty()) options.push_back(std::move(kept));
  };
  for (const OptionInfo& option : command.options)
    add(option);
  for (const OptionInfo& option : command.inherited_options)
    add(option);
  return options;
}

std::string CompletionJoinSafe(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& word : words) {
    if (!CompletionSafeWord(word)) continue;
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

// A description inside zsh single quotes, on one line.
std::string CompletionZshQuoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "'";
}

// The four tables both scripts look things up in, as shell functions of the command path
// ("" for sluice itself, "warehouse load") that set `var`: the commands, the options, the options
// that take a value, and an option's choices. `zsh`: arrays of "name:description" for the
// commands and options, as _describe wants them; bash: words.
std::string CompletionTables(const std::vector<CommandInfo>& commands, bool zsh) {
  const std::string var = zsh ? "reply" : "REPLY";
  auto assign = [&](const std::string& words) {
    return zsh ? fmt::format("{}=({})", var, words) : fmt::format("{}=\"{}\"", var, words);
  };
  std::string commands_fn = "_sluice_commands() {\n  case $1 in\n";
  std::string options_fn = "_sluice_options() {\n  case $1 in\n";
  std::string values_fn = "_sluice_value_options() {\n  case $1 in\n";
  std::string choices_fn = "_sluice_choices() {\n  case \"$1|$2\" in\n";
  for (const CommandInfo& command : commands) {
    const std::string key = "\"" + CompletionPathKey(command) + "\"";
    std::vector<std::string> names;
    std::string described;
    for (size_t i = 0; i < command.commands.size(); ++i) {
      if (!CompletionSafeWord(command.commands[i])) continue;
      names.push_back(command.commands[i]);
      described +=
          " " + CompletionZshQuoted(command.commands[i] + ":" + command.command_descriptions[i]);
    }
    if (!names.empty()) {
      commands_fn += fmt::format("    {}) {} ;;\n", key,
                                 assign(zsh ? described.substr(1) : CompletionJoinSafe(names)));
    }
    std::vector<std::string> flags, value_flags;
    std::string described_flags;
    for (const OptionInfo& kept : CompletionOptions(command)) {
      const OptionInfo* option = &kept;
      std::vector<std::string> safe_flags;
      for (const std::string& flag : option->flags) {
        if (!CompletionSafeWord(flag)) continue;
        safe_flags.push_back(flag);
        flags.push_back(flag);
        described_flags += " " + CompletionZshQuoted(flag + ":" + option->description);
        if (option->takes_value) value_flags.push_back(flag);
      }
      const std::string choices = CompletionJoinSafe(option->choices);
      if (safe_flags.empty() || choices.empty()) continue;
      std::vector<std::string> patterns;
      for (const std::string& flag : safe_flags)
        patterns.push_back(fmt::format("\"{}|{}\"", CompletionPathKey(command), flag));
      choices_fn += fmt::format("    {}) {} ;;\n", fmt::join(patterns, "|"),
                                assign(zsh ? "'" + choices + "'" : choices));
    }
    // A first argument with choices (`sluice completion bash|zsh`): listed under the flag "".
    const std::string argument_choices = CompletionJoinSafe(command.argument_choices);
    if (!argument_choices.empty()) {
      choices_fn += fmt::format("    \"{}|\") {} ;;\n", CompletionPathKey(command),
                                assign(zsh ? "'" + argument_choices + "'" : argument_choices));
    }
    options_fn += fmt::format("    {}) {} ;;\n", key,
                              assign(zsh ? described_flags.substr(described_flags.empty() ? 0 : 1)
                                         : CompletionJoinSafe(flags)));
    if (!value_flags.empty()) {
      values_fn += fmt::format("    {}) {} ;;\n", key, assign(CompletionJoinSafe(value_flags)));
    }
  }
  const std::string none = fmt::format("    *) {} ;;\n  esac\n}}\n", assign(""));
  std::string tables =
      commands_fn + none + options_fn + none + values_fn + none + choices_fn + none;
  if (zsh) {
    // The choices come as one word; split them here, where zsh does not split on its own.
    tables += "_sluice_choice_words() {\n  _sluice_choices \"$1\" \"$2\"\n  reply=(${=reply})\n}\n";
  }
  return tables;
}

}  // namespace

std::string BashCompletion(CLI::App& app) {
  const std::vector<CommandInfo> commands = DescribeCommands(app);
  return fmt::format(
      R"(# bash completion for sluice. Generated by `sluice completion bash` from {}: do not edit.
# Install: sluice completion bash > ~/.local/share/bash-completion/completions/sluice
# (or put `source <(sluice completion bash)` in ~/.bashrc).
{}
_sluice() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} cmd_path="" word value_of="" i REPLY
  [[ $cur == "=" ]] && cur=""
  # Walk the words before the cursor: options (and the value after one that takes it) are
  # skipped, a command's name steps into it.
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${{COMP_WORDS[i]}}
    if [[ -n $value_of ]]; then
      [[ $word == "=" ]] || value_of=""
      continue
    fi
    case $word in
      --)
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        return 0 ;;
      -*=*) continue ;;
      -*)
        _sluice_value_options "$cmd_path"
        [[ " $REPLY " == *" $word "* ]] && value_of=$word
        continue ;;
    esac
    _sluice_commands "$cmd_path"
    [[ " $REPLY " == *" $word "* ]] && cmd_path=${{cmd_path:+$cmd_path }}$word
  done
  if [[ -n $value_of ]]; then
    _sluice_choices "$cmd_path" "$value_of"
    if [[ -n $REPLY ]]; then
      mapfile -t COMPREPLY < <(compgen -W "$REPLY" -- "$cur")
    else
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
    return 0
  fi
  if [[ $cur == -* ]]; then
    _sluice_options "$cmd_path"
    mapfile -t COMPREPLY < <(compgen -W "$REPLY" -- "$cur")
    return 0
  fi
  _sluice_commands "$cmd_path"
  if [[ -n $REPLY ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$REPLY" -- "$cur")
    return 0
  fi
  _sluice_choices "$cmd_path" ""
  if [[ -n $REPLY ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$REPLY" -- "$cur")
    return 0
  fi
  compopt -o filenames 2>/dev/null
  mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  return 0
}}
complete -F _sluice sluice
)",
      VersionLine(), CompletionTables(commands, false));
}

std::string ZshCompletion(CLI::App& app) {
  const std::vector<CommandInfo> commands = DescribeCommands(app);
  return fmt::format(R"(#compdef sluice
# zsh completion for sluice. Generated by `sluice completion zsh` from {}: do not edit.
# Install: sluice completion zsh > ~/.zfunc/_sluice, with fpath=(~/.zfunc $fpath) before
# compinit in ~/.zshrc (any directory of $fpath will do); or `source <(sluice completion zsh)`
# after compinit.
{}
_sluice() {{
  local cur=${{words[CURRENT]}} cmd_path="" word value_of="" i
  local -a reply
  for ((i = 2; i < CURRENT; i++)); do
    word=${{words[i]}}
    if [[ -n $value_of ]]; then
      value_of=""
      continue
    fi
    case $word in
      --) _files; return ;;
      -*=*) continue ;;
      -*)
        _sluice_value_options "$cmd_path"
        reply=(${{=reply}})
        (( ${{reply[(Ie)$word]}} )) && value_of=$word
        continue ;;
    esac
    _sluice_commands "$cmd_path"
    (( ${{reply[(I)${{word}}:*]}} )) && cmd_path=${{cmd_path:+$cmd_path }}$word
  done
  if [[ -n $value_of ]]; then
    _sluice_choice_words "$cmd_path" "$value_of"
    if (( $#reply )); then
      compadd -a reply
    else
      _files
    fi
    return
  fi
  if [[ $cur == -* ]]; then
    _sluice_options "$cmd_path"
    _describe -t options 'option' reply
    return
  fi
  _sluice_commands "$cmd_path"
  if (( $#reply )); then
    _describe -t commands 'command' reply
    return
  fi
  _sluice_choice_words "$cmd_path" ""
  if (( $#reply )); then
    compadd -a reply
    return
  fi
  _files
}}

if [[ $funcstack[1] == _sluice ]]; then
  _sluice "$@"
else
  compdef _sluice sluice
fi
)",
                     VersionLine(), CompletionTables(commands, true));
}

void AddCompletionCommand(CLI::App& app, int* exit_code) {
  CLI::App* completion = app.add_subcommand(
      "completion", "Print a shell completion script (bash or zsh) for sluice's commands");
  auto shell = std::make_shared<std::string>();
  completion->add_option("shell", *shell, "bash or zsh")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh"}));
  completion->callback([&app, shell, exit_code] {
    const std::string script = *shell == "zsh" ? ZshCompletion(app) : BashCompletion(app);
    std::fwrite(script.data(), 1, script.size(), stdout);
    *exit_code = std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
  });
}

}  // namespace sluice::cli
