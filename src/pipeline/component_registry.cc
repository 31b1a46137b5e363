#include "pipeline/component_registry.h"

#include <fmt/format.h>

#include <algorithm>

namespace sluice {

const char* ComponentKindName(ComponentKind kind) {
  switch (kind) {
    case ComponentKind::kSource:
      return "source";
    case ComponentKind::kTransform:
      return "transform";
    case ComponentKind::kSink:
      return "sink";
    case ComponentKind::kJob:
      return "job";
  }
  return "component";
}

void ComponentRegistry::Add(ComponentSpec spec) {
  if (Find(spec.name)) DieOfBug(fmt::format("component '{}' is registered twice", spec.name));
  components_.push_back(std::move(spec));
}

const ComponentSpec* ComponentRegistry::Find(std::string_view name) const {
  auto it = std::find_if(components_.begin(), components_.end(),
                         [&](const ComponentSpec& c) { return c.name == name; });
  return it == components_.end() ? nullptr : &*it;
}

std::vector<OptionSpec> ComposeOptions(std::initializer_list<std::span<const OptionSpec>> parts) {
  std::vector<OptionSpec> out;
  for (std::span<const OptionSpec> part : parts) {
    for (const OptionSpec& spec : part) {
      const bool seen = std::any_of(out.begin(), out.end(),
                                    [&](const OptionSpec& o) { return o.name == spec.name; });
      if (!seen) out.push_back(spec);
    }
  }
  return out;
}

std::string ComponentMarkdown(const ComponentSpec& component) {
  std::string out = fmt::format("# {} ({})\n\n{}.\n", component.name,
                                ComponentKindName(component.kind), component.summary);
  if (!component.description.empty()) out += "\n" + component.description + "\n";
  if (component.options.empty()) return out + "\nIt has no options.\n";
  return out + "\n" + OptionsMarkdown(component.options);
}

}  // namespace sluice
