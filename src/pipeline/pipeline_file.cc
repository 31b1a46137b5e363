#include "pipeline/pipeline_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <tuple>

#include "core/environment.h"
#include "core/suggest.h"
#include "pipeline/settings.h"
#include "pipeline/yaml_tree.h"

namespace sluice {
namespace {

const std::vector<std::string> kTopLevelKeys = {"source", "transforms", "sink", "job", "settings"};

class StructureChecker {
 public:
  StructureChecker(const ComponentRegistry& registry, const VariableLookup& lookup,
                   LoadedPipeline* out)
      : registry_(registry), lookup_(lookup), out_(out) {}

  void Check(const YamlNode& root) {
    if (root.kind == YamlNode::Kind::kRefused) return;
    if (root.kind != YamlNode::Kind::kMap) {
      Error(root.position, "",
            fmt::format("expected a map of source, transforms and sink (or job), not {}",
                        root.KindName()));
      return;
    }
    std::optional<FilePosition> job_key;
    const YamlNode* settings = nullptr;
    bool source = false, sink = false, transforms = false;
    for (size_t i = 0; i < root.MapSize(); ++i) {
      const YamlNode& key = root.Key(i);
      const YamlNode& value = root.Value(i);
      if (key.kind != YamlNode::Kind::kScalar) continue;  // reported by the YAML reader
      if (key.value == "source") {
        source = true;
        Assign(&out_->pipeline.source, Slot(value, "source", ComponentKind::kSource));
      } else if (key.value == "sink") {
        sink = true;
        Assign(&out_->pipeline.sink, Slot(value, "sink", ComponentKind::kSink));
      } else if (key.value == "job") {
        job_key = key.position;
        Assign(&out_->pipeline.job, Slot(value, "job", ComponentKind::kJob));
      } else if (key.value == "transforms") {
        transforms = true;
        Transforms(value);
      } else if (key.value == "settings") {
        if (!settings) settings = &value;
        Settings(value);
      } else {
        const std::string closest = ClosestName(key.value, kTopLevelKeys);
        Error(key.position, key.value,
              closest.empty() ? "unknown key: a pipeline has source, transforms, sink, settings "
                                "(or job)"
                              : fmt::format("unknown key (did you mean {}?)", closest));
      }
    }
    if (job_key) {
      if (source || sink || transforms) {
        Error(*job_key, "job",
              "a job is a whole pipeline: give it alone, without source, transforms or sink");
      }
      if (settings) StreamSettingsUnderAJob(*settings);
      return;
    }
    if (!source)
      Error(root.position, "", "no source: a pipeline has a source and a sink (or a job)");
    if (!sink) Error(root.position, "", "no sink: a pipeline has a source and a sink (or a job)");
  }

 private:
  void Error(FilePosition position, std::string path, std::string message) {
    out_->errors.push_back({position, std::move(path), std::move(message)});
  }

  // A repeated slot key was reported by the YAML reader; the first one is kept.
  static void Assign(std::optional<ComponentUse>* slot, std::optional<ComponentUse> use) {
    if (!*slot) *slot = std::move(use);
  }

  std::string UnknownComponent(std::string_view name, ComponentKind kind) const {
    std::vector<std::string> same_kind, all;
    for (const ComponentSpec& c : registry_.components()) {
      all.push_back(c.name);
      if (c.kind == kind) same_kind.push_back(c.name);
    }
    std::string closest = ClosestName(name, same_kind);
    if (closest.empty()) closest = ClosestName(name, all);
    if (!closest.empty())
      return fmt::format("unknown component '{}' (did you mean {}?)", name, closest);
    std::string names;
    for (const std::string& n : same_kind)
      names += (names.empty() ? "" : ", ") + n;
    return fmt::format("unknown component '{}': the {}s are {}", name, ComponentKindName(kind),
                       names);
  }

  // A slot holds one component: a map of one key, the component's name, over its options.
  std::optional<ComponentUse> Slot(const YamlNode& node, const std::string& slot,
                                   ComponentKind kind) {
    if (node.kind == YamlNode::Kind::kRefused) return std::nullopt;
    if (node.kind != YamlNode::Kind::kMap || node.MapSize() == 0) {
      Error(node.position, slot,
            fmt::format("expected one {} as a map ({{NAME: {{options}}}}), not {}",
                        ComponentKindName(kind),
                        node.kind == YamlNode::Kind::kMap ? "an empty map" : node.KindName()));
      return std::nullopt;
    }
    if (node.MapSize() > 1) {
      Error(node.Key(1).position, slot,
            fmt::format("one {} only, not {}", ComponentKindName(kind), node.MapSize()));
    }
    const YamlNode& name = node.Key(0);
    if (name.kind != YamlNode::Kind::kScalar) return std::nullopt;
    const ComponentSpec* spec = registry_.Find(name.value);
    if (!spec) {
      Error(name.position, slot, UnknownComponent(name.value, kind));
      return std::nullopt;
    }
    if (spec->kind != kind) {
      std::string message = fmt::format("'{}' is a {}, not a {}", spec->name,
                                        ComponentKindName(spec->kind), ComponentKindName(kind));
      if (spec->kind == ComponentKind::kJob) message += " (a job stands alone: job: {NAME: ...})";
      Error(name.position, slot, std::move(message));
      return std::nullopt;
    }
    ComponentUse use{.spec = spec, .path = slot + "." + spec->name, .position = name.position};
    BindComponentOptions(node.Value(0), lookup_, &use, &out_->errors);
    return use;
  }

  void Transforms(const YamlNode& node) {
    if (node.kind == YamlNode::Kind::kNull || node.kind == YamlNode::Kind::kRefused) return;
    if (node.kind != YamlNode::Kind::kSequence) {
      Error(node.position, "transforms",
            fmt::format("expected a list (- NAME: {{options}}), not {}", node.KindName()));
      return;
    }
    for (size_t i = 0; i < node.children.size(); ++i) {
      std::optional<ComponentUse> use =
          Slot(node.children[i], fmt::format("transforms[{}]", i), ComponentKind::kTransform);
      if (use) out_->pipeline.transforms.push_back(std::move(*use));
    }
  }

  // A stream runner's setting (batching, retries, metrics) given to a job would do nothing.
  void StreamSettingsUnderAJob(const YamlNode& node) {
    if (node.kind != YamlNode::Kind::kMap) return;
    const std::vector<std::string>& global = GlobalSettingNames();
    for (size_t i = 0; i < node.MapSize(); ++i) {
      const YamlNode& key = node.Key(i);
      if (key.kind != YamlNode::Kind::kScalar) continue;
      const bool known = std::any_of(PipelineSettingsComponent().options.begin(),
                                     PipelineSettingsComponent().options.end(),
                                     [&](const OptionSpec& o) { return o.name == key.value; });
      if (!known || std::find(global.begin(), global.end(), key.value) != global.end()) continue;
      Error(key.position, "settings." + key.value,
            "a setting of a stream (a source into a sink); a job runs none, so it would do "
            "nothing");
    }
  }

  // The job-level settings, checked as a component's options are (pipeline/settings.h).
  void Settings(const YamlNode& node) {
    if (node.kind == YamlNode::Kind::kRefused) return;
    ComponentUse use{
        .spec = &PipelineSettingsComponent(), .path = "settings", .position = node.position};
    BindComponentOptions(node, lookup_, &use, &out_->errors);
    if (!out_->pipeline.settings) out_->pipeline.settings = std::move(use);
  }

  const ComponentRegistry& registry_;
  const VariableLookup& lookup_;
  LoadedPipeline* out_;
};

// Rewrites each relative beside_pipeline path the file gave as the same path from `path`'s
// folder; those from the environment or defaults stay as they are.
void PlaceDefinitionsBeside(const std::string& path, PipelineFile* pipeline) {
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  if (folder.empty()) return;
  auto place = [&](ComponentUse& use) {
    for (const OptionSpec& spec : use.spec->options) {
      // positions holds what the file gave and bound; values may lack a slot for an option of
      // a component with errors (never Resolved), which FromCommandLine would take for a bug.
      if (!spec.beside_pipeline || !use.positions.count(spec.name)) continue;
      std::string& value = use.values.Text(spec.name);
      if (value.empty() || std::filesystem::path(value).is_absolute()) continue;
      value = (folder / value).string();
    }
  };
  for (std::optional<ComponentUse>* use : {&pipeline->source, &pipeline->sink, &pipeline->job}) {
    if (*use) place(**use);
  }
  for (ComponentUse& use : pipeline->transforms)
    place(use);
}

}  // namespace

std::string PipelineFile::Summary() const {
  if (job) return "job " + job->spec->name;
  std::string out;
  if (source) out = "source " + source->spec->name;
  out += fmt::format("{}{} transform{}", out.empty() ? "" : ", ", transforms.size(),
                     transforms.size() == 1 ? "" : "s");
  if (sink) out += ", sink " + sink->spec->name;
  return out;
}

VariableLookup EnvironmentLookup() {
  return [](std::string_view name) { return GetPipelineVariable(name); };
}

LoadedPipeline ParsePipeline(std::string_view text, const ComponentRegistry& registry,
                             const VariableLookup& lookup) {
  LoadedPipeline out;
  if (text.size() > kMaxPipelineFileBytes) {
    out.errors.push_back({{}, "", "larger than 1 MiB: a pipeline file is at most 1,048,576 bytes"});
    return out;
  }
  YamlDocument doc = ReadYaml(text);
  out.errors = std::move(doc.errors);
  if (doc.root) {
    StructureChecker(registry, lookup, &out).Check(*doc.root);
  } else if (out.errors.empty()) {
    out.errors.push_back(
        {{}, "", "empty: a pipeline has a source and a sink (or a job); see docs/pipelines.md"});
  }
  SortAndBoundErrors(&out.errors, kMaxPipelineErrors);
  return out;
}

LoadedPipeline LoadPipelineFile(const std::string& path, const ComponentRegistry& registry,
                                const VariableLookup& lookup) {
  LoadedPipeline out;
  std::optional<std::string> text =
      ReadBoundedFile(path, kMaxPipelineFileBytes, "a pipeline file", &out.errors);
  if (!text) return out;
  out = ParsePipeline(*text, registry, lookup);
  PlaceDefinitionsBeside(path, &out.pipeline);
  return out;
}

}  // namespace sluice
