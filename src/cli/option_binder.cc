#include "cli/option_binder.h"

#include <fmt/format.h>

#include <map>

#include "cli/exit_policy.h"

namespace sluice::cli {
namespace {

// --help's line: the summary, then the default and the environment variable, which CLI11 does
// not show for values bound as text.
std::string HelpText(const OptionSpec& spec) {
  std::string text = spec.summary;
  if (!spec.default_value.empty()) text += fmt::format(" (default: {})", spec.default_value);
  if (!spec.env.empty()) text += fmt::format(" (env: {})", spec.env);
  return text;
}

std::string FlagNames(const OptionSpec& spec) {
  if (spec.positional) return spec.name;
  return spec.alias.empty() ? "--" + spec.name : spec.alias + ",--" + spec.name;
}

}  // namespace

void BindOptions(CLI::App& command, std::span<const OptionSpec> specs, OptionValues* values) {
  std::map<std::string, CLI::Option*> declared;
  for (const OptionSpec& spec : specs) {
    bool* given = &values->Given(spec.name);
    if (spec.type == OptionType::kFlag) {
      declared[spec.name] = command.add_flag(FlagNames(spec), *given, HelpText(spec));
      continue;
    }
    CLI::Option* option;
    if (spec.type == OptionType::kList) {
      option = command.add_option(FlagNames(spec), values->List(spec.name), HelpText(spec));
    } else {
      option = command.add_option(FlagNames(spec), values->Text(spec.name), HelpText(spec));
    }
    declared[spec.name] = option;
    option->each([given](const std::string&) { *given = true; });
    // A required value that the environment may give is checked by Resolve, not by CLI11.
    if (spec.required && spec.env.empty()) option->required();
    // "-" is standard input (core/input_stream.h), which exists whenever the command runs.
    if (spec.must_exist) {
      option->check(CLI::Validator(
          [](std::string& value) {
            return value == "-" ? std::string() : CLI::ExistingFile(value);
          },
          "FILE"));
    }
    switch (spec.type) {
      case OptionType::kInt:
        option->type_name("INT");
        if (spec.bounded) option->check(CLI::Range(spec.min, spec.max));
        break;
      case OptionType::kChoice:
        option->check(CLI::IsMember(spec.choices));
        break;
      case OptionType::kPath:
        option->type_name("PATH");
        break;
      default:
        break;
    }
  }
  for (const OptionSpec& spec : specs) {
    if (!spec.excludes.empty() && declared.count(spec.excludes)) {
      declared[spec.name]->excludes(declared[spec.excludes]);
    }
  }
}

CLI::App* AddCommand(CLI::App& parent, const std::string& name, const std::string& description,
                     std::vector<OptionSpec> specs, CommandFn run, int* exit_code) {
  struct State {
    std::vector<OptionSpec> specs;
    OptionValues values;
  };
  auto state = std::make_shared<State>();
  state->specs = std::move(specs);
  CLI::App* command = parent.add_subcommand(name, description);
  BindOptions(*command, state->specs, &state->values);
  command->callback([state, run = std::move(run), exit_code] {
    Status resolved = state->values.Resolve(state->specs);
    *exit_code = resolved.ok() ? run(state->values) : Fail(resolved);
  });
  return command;
}

}  // namespace sluice::cli
