#include "pipeline/pipeline_schema.h"

#include "core/json_writer.h"
#include "pipeline/settings.h"

namespace sluice {
namespace {

// A string holding an environment reference, accepted in place of any value.
constexpr std::string_view kReferencePattern = R"(\$\{)";
// The only form of a secret value: exactly one reference.
constexpr std::string_view kWholeReferencePattern = R"(^\$\{[A-Za-z_][A-Za-z0-9_]*\}$)";

void ReferenceString(JsonWriter& w) {
  w.BeginObject().Key("type").String("string").Key("pattern").String(kReferencePattern).EndObject();
}

// The value's own shape, without the reference alternative.
void ValueShape(JsonWriter& w, const OptionSpec& spec) {
  w.BeginObject();
  switch (spec.type) {
    case OptionType::kInt:
      w.Key("type").String("integer");
      if (spec.bounded) w.Key("minimum").Int(spec.min).Key("maximum").Int(spec.max);
      break;
    case OptionType::kChoice:
      w.Key("enum").BeginArray();
      for (const std::string& choice : spec.choices)
        w.String(choice);
      w.EndArray();
      break;
    case OptionType::kFlag:
      w.Key("type").String("boolean");
      break;
    case OptionType::kList:
      // The binder refuses an empty item, and an empty list of a required option.
      w.Key("type").String("array").Key("items").BeginObject().Key("type").String("string");
      w.Key("minLength").Int(1).EndObject();
      if (spec.required) w.Key("minItems").Int(1);
      break;
    case OptionType::kString:
    case OptionType::kPath:
      w.Key("type").String("string");
      break;
  }
  w.EndObject();
}

// Whether the pipeline file's binder refuses an empty string for a text or path option (as
// component_options.cc does): one the environment could give, or one whose own check refuses
// "" (a name, a URL, an address), so the schema says minLength 1 where validate would refuse.
bool RefusesEmpty(const OptionSpec& spec) {
  if (spec.type == OptionType::kPath || !spec.env.empty()) return true;
  return spec.check != nullptr && !spec.check("").ok();
}

void OptionSchema(JsonWriter& w, const OptionSpec& spec) {
  std::string description = spec.summary;
  if (!spec.description.empty()) description += ". " + spec.description;
  if (IsSecretValue(spec)) description += " (a secret: only as ${VARIABLE})";
  w.Key(spec.name).BeginObject().Key("description").String(description);
  if (IsSecretValue(spec)) {
    w.Key("type").String("string").Key("pattern").String(kWholeReferencePattern);
  } else if (spec.type == OptionType::kString || spec.type == OptionType::kPath) {
    w.Key("type").String("string");
    if (RefusesEmpty(spec)) w.Key("minLength").Int(1);
  } else {
    w.Key("anyOf").BeginArray();
    ValueShape(w, spec);
    ReferenceString(w);
    w.EndArray();
  }
  if (!spec.default_value.empty()) {
    w.Key("default");
    if (spec.type == OptionType::kInt) {
      w.Int(std::stoll(spec.default_value));
    } else {
      w.String(spec.default_value);
    }
  }
  w.EndObject();
}

void ComponentSchema(JsonWriter& w, const ComponentSpec& component) {
  w.Key(component.name).BeginObject();
  w.Key("description").String(component.summary);
  // No options at all may be written as `NAME:` (null) or `NAME: {}`.
  w.Key("type").BeginArray().String("object").String("null").EndArray();
  w.Key("additionalProperties").Bool(false);
  w.Key("properties").BeginObject();
  for (const OptionSpec& spec : component.options)
    OptionSchema(w, spec);
  w.EndObject();
  w.Key("required").BeginArray();
  for (const OptionSpec& spec : component.options) {
    if (spec.required && spec.env.empty()) w.String(spec.name);
  }
  w.EndArray();
  w.EndObject();
}

// "$defs/source": an object of exactly one of the kind's components.
void SlotSchema(JsonWriter& w, const ComponentRegistry& registry, ComponentKind kind) {
  w.Key(ComponentKindName(kind)).BeginObject();
  w.Key("type").String("object");
  w.Key("minProperties").Int(1).Key("maxProperties").Int(1);
  w.Key("additionalProperties").Bool(false);
  w.Key("properties").BeginObject();
  for (const ComponentSpec& component : registry.components()) {
    if (component.kind == kind) ComponentSchema(w, component);
  }
  w.EndObject();
  w.EndObject();
}

void Ref(JsonWriter& w, std::string_view kind) {
  w.BeginObject().Key("$ref").String(std::string("#/$defs/") + std::string(kind)).EndObject();
}

void RequiredKeys(JsonWriter& w, std::initializer_list<std::string_view> keys) {
  w.BeginObject().Key("required").BeginArray();
  for (std::string_view key : keys)
    w.String(key);
  w.EndArray().EndObject();
}

}  // namespace

std::string PipelineJsonSchema(const ComponentRegistry& registry) {
  JsonWriter w;
  w.BeginObject();
  w.Key("$schema").String("https://json-schema.org/draft/2020-12/schema");
  w.Key("title").String("Sluice pipeline");
  w.Key("description").String("A Sluice pipeline file: a source, transforms and a sink, or a job");
  w.Key("type").String("object");
  w.Key("additionalProperties").Bool(false);
  w.Key("properties").BeginObject();
  w.Key("source");
  Ref(w, "source");
  w.Key("transforms").BeginObject();
  w.Key("type").BeginArray().String("array").String("null").EndArray().Key("items");
  Ref(w, "transform");
  w.EndObject();
  w.Key("sink");
  Ref(w, "sink");
  w.Key("job");
  Ref(w, "job");
  // Written as a component's options are: the same declaration (pipeline/settings.h).
  ComponentSchema(w, PipelineSettingsComponent());
  w.EndObject();
  // Either a job alone, or a source and a sink.
  w.Key("oneOf").BeginArray();
  w.BeginObject().Key("allOf").BeginArray();
  RequiredKeys(w, {"job"});
  w.BeginObject().Key("not").BeginObject().Key("anyOf").BeginArray();
  RequiredKeys(w, {"source"});
  RequiredKeys(w, {"transforms"});
  RequiredKeys(w, {"sink"});
  w.EndArray().EndObject().EndObject();
  w.EndArray().EndObject();
  w.BeginObject().Key("allOf").BeginArray();
  RequiredKeys(w, {"source", "sink"});
  w.BeginObject().Key("not");
  RequiredKeys(w, {"job"});
  w.EndObject();
  w.EndArray().EndObject();
  w.EndArray();
  w.Key("$defs").BeginObject();
  for (ComponentKind kind : {ComponentKind::kSource, ComponentKind::kTransform,
                             ComponentKind::kSink, ComponentKind::kJob}) {
    SlotSchema(w, registry, kind);
  }
  w.EndObject();
  w.EndObject();
  return w.Take();
}

}  // namespace sluice
