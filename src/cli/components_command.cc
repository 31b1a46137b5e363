#include "cli/components_command.h"

#include <fmt/format.h>

#include "cli/command_tree.h"
#include "cli/exit_policy.h"
#include "cli/typo_check.h"
#include "core/environment.h"
#include "core/strings.h"
#include "pipeline/component_registry.h"
#include "pipeline/settings.h"

namespace sluice::cli {
namespace {

struct ComponentsFlags {
  std::string name;
  bool environment = false;
  bool settings = false;
};

// The component named `name` in any case ("SQS" is sqs), when exactly one name matches so; a
// name that differs from another only in case must be typed as declared.
const ComponentSpec* ComponentsFindAnyCase(const ComponentRegistry& registry,
                                           const std::string& name) {
  if (const ComponentSpec* exact = registry.Find(name)) return exact;
  const std::string lower = AsciiLower(name);
  const ComponentSpec* found = nullptr;
  for (const ComponentSpec& c : registry.components()) {
    if (AsciiLower(c.name) != lower) continue;
    if (found != nullptr) return nullptr;
    found = &c;
  }
  return found;
}

int RunComponents(const ComponentsFlags& flags) {
  ComponentRegistry registry;
  RegisterBuiltinComponents(registry);
  if (flags.environment) {
    fmt::print("{}", EnvironmentMarkdown());
    return kExitOk;
  }
  if (flags.settings) {
    fmt::print("{}", OptionsMarkdown(PipelineSettingsComponent().options));
    return kExitOk;
  }
  if (flags.name.empty()) {
    size_t width = 0;
    for (const ComponentSpec& c : registry.components())
      width = std::max(width, c.name.size());
    for (const ComponentSpec& c : registry.components())
      fmt::print("{:<{}}  {:<9}  {}\n", c.name, width, ComponentKindName(c.kind), c.summary);
    return kExitOk;
  }
  const ComponentSpec* component = ComponentsFindAnyCase(registry, flags.name);
  if (!component) {
    std::vector<std::string> names;
    for (const ComponentSpec& c : registry.components())
      names.push_back(c.name);
    // A pasted blob is cut, as an unknown command is (cli/typo_check.h).
    const std::string shown =
        flags.name.size() > 40 ? flags.name.substr(0, 40) + "..." : flags.name;
    const std::string did_you_mean = DidYouMean(LikelyNames(flags.name, names));
    const std::string list = fmt::format("{}", fmt::join(names, ", "));
    // A usage error like CLI11's and the typo check's (main prints it and exits 2), not a log
    // line.
    throw CLI::ValidationError(
        did_you_mean.empty()
            ? fmt::format("no component '{}': there are {}", shown, list)
            : fmt::format("no component '{}'{} There are {}", shown, did_you_mean, list));
  }
  fmt::print("{}", ComponentMarkdown(*component));
  return kExitOk;
}

}  // namespace

void AddComponentsCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ComponentsFlags>();
  CLI::App* components = app.add_subcommand(
      "components", "List the sources, transforms, sinks and jobs, or print one's options");
  std::vector<std::string> names;
  {
    ComponentRegistry registry;
    RegisterBuiltinComponents(registry);
    for (const ComponentSpec& c : registry.components())
      names.push_back(c.name);
  }
  // The names complete in the shell; any other word still reaches RunComponents' did-you-mean.
  components->add_option("name", flags->name, "A component to describe")
      ->check(CompletionWords(names));
  components->add_flag("--environment", flags->environment,
                       "Print every environment variable Sluice reads");
  components->add_flag("--settings", flags->settings,
                       "Print the settings a pipeline file's `settings` block takes");
  components->callback([flags, exit_code] { *exit_code = RunComponents(*flags); });
}

}  // namespace sluice::cli
