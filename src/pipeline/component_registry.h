// The components Sluice is built from (sources, transforms, sinks, and the jobs composed of
// them), each with its options declared once (option_spec.h). `sluice components` lists them,
// `sluice components NAME` prints one's options, and docs/components/*.md are generated from
// the same specs (a test fails when they are stale).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pipeline/option_spec.h"

namespace sluice {

enum class ComponentKind { kSource, kTransform, kSink, kJob };

// "source", "transform", "sink", "job".
const char* ComponentKindName(ComponentKind kind);

struct ComponentSpec {
  std::string name = {};  // lower case, '-' between words: "sqs", "logins-postgres"
  ComponentKind kind = ComponentKind::kSource;
  std::string summary = {};      // one line
  std::string description = {};  // a paragraph for the docs; may be empty
  std::vector<OptionSpec> options = {};
};

class ComponentRegistry {
 public:
  // A second component of the same name is a bug: Die naming it.
  void Add(ComponentSpec spec);
  const ComponentSpec* Find(std::string_view name) const;
  // In the order added.
  const std::vector<ComponentSpec>& components() const { return components_; }

 private:
  std::vector<ComponentSpec> components_;
};

// Every component that ships with Sluice, one line each (builtin_components.cc).
void RegisterBuiltinComponents(ComponentRegistry& registry);

// The options of several components as one command's list, in order; a name declared by more
// than one (a PostgreSQL URL shared by a source and a sink) appears once, as first declared.
std::vector<OptionSpec> ComposeOptions(std::initializer_list<std::span<const OptionSpec>> parts);

// A component's reference page: its summary, description and options table.
std::string ComponentMarkdown(const ComponentSpec& component);

}  // namespace sluice
