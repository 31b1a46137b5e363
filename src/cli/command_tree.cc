#include "cli/command_tree.h"

namespace sluice::cli {
namespace {

// The name CompletionWords gives its validator, before the words joined by ','.
constexpr char kCommandTreeWordsName[] = "completion-words:";

// The choices of an IsMember check: CLI11 describes one as "{a,b,c}", and keeps no other record
// of them. A description of any other shape is another check (a range, an existing file).
std::vector<std::string> CommandTreeChoices(CLI::Option* option) {
  for (int i = 0;; ++i) {
    CLI::Validator* validator = nullptr;
    try {
      validator = option->get_validator(i);
    } catch (const CLI::OptionNotFound&) {
      return {};
    }
    std::string text = validator->get_description();
    const std::string& name = validator->get_name();
    if (name.rfind(kCommandTreeWordsName, 0) == 0)
      text = "{" + name.substr(std::string_view(kCommandTreeWordsName).size()) + "}";
    if (text.size() < 2 || text.front() != '{' || text.back() != '}') continue;
    std::vector<std::string> choices;
    std::string item;
    for (char c : text.substr(1, text.size() - 2)) {
      if (c == ',') {
        choices.push_back(item);
        item.clear();
      } else {
        item += c;
      }
    }
    choices.push_back(item);
    return choices;
  }
}

std::vector<OptionInfo> CommandTreeOptions(CLI::App* command) {
  std::vector<OptionInfo> options;
  for (CLI::Option* option : command->get_options()) {
    if (!option->nonpositional() || option->get_group().empty()) continue;
    OptionInfo info;
    for (const std::string& name : option->get_snames())
      info.flags.push_back("-" + name);
    for (const std::string& name : option->get_lnames())
      info.flags.push_back("--" + name);
    info.takes_value = option->get_items_expected_max() > 0;
    info.choices = CommandTreeChoices(option);
    info.type_name = info.takes_value ? option->get_type_name() : "";
    info.description = option->get_description();
    info.required = option->get_required();
    info.is_help = option == command->get_help_ptr();
    options.push_back(std::move(info));
  }
  return options;
}

void CommandTreeWalk(CLI::App* command, std::vector<std::string> path,
                     std::vector<CommandInfo>* out) {
  CommandInfo info;
  info.path = path;
  info.description = command->get_description();
  info.options = CommandTreeOptions(command);
  for (CLI::Option* option : command->get_options())
    if (option->get_positional() && !option->nonpositional()) {
      if (info.arguments.empty()) info.argument_choices = CommandTreeChoices(option);
      info.arguments.push_back(option->get_name(true));
    }
  for (CLI::App* above = command; above->get_parent() != nullptr && above->get_fallthrough();) {
    above = above->get_parent();
    for (OptionInfo& option : CommandTreeOptions(above))
      if (!option.is_help) info.inherited_options.push_back(std::move(option));
  }
  const std::vector<CLI::App*> subcommands = command->get_subcommands(
      [](CLI::App* sub) { return !sub->get_name().empty() && !sub->get_group().empty(); });
  for (CLI::App* sub : subcommands) {
    info.commands.push_back(sub->get_name());
    info.command_descriptions.push_back(sub->get_description());
  }
  out->push_back(std::move(info));
  for (CLI::App* sub : subcommands) {
    std::vector<std::string> sub_path = path;
    sub_path.push_back(sub->get_name());
    CommandTreeWalk(sub, sub_path, out);
  }
}

}  // namespace

CLI::Validator CompletionWords(const std::vector<std::string>& words) {
  std::string name = kCommandTreeWordsName;
  for (size_t i = 0; i < words.size(); ++i)
    name += (i == 0 ? "" : ",") + words[i];
  return CLI::Validator([](std::string&) { return std::string(); }, "", name);
}

std::vector<CommandInfo> DescribeCommands(CLI::App& app) {
  std::vector<CommandInfo> commands;
  CommandTreeWalk(&app, {}, &commands);
  return commands;
}

}  // namespace sluice::cli
