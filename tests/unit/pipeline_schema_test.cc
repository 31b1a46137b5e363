// `sluice schema`'s JSON Schema (pipeline/pipeline_schema.h) is valid JSON of draft 2020-12 and
// covers every registered component, under its kind, with every option and its rule.
#include "pipeline/pipeline_schema.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "pipeline/component_registry.h"

namespace sluice {
namespace {

TEST(PipelineSchema, CoversEveryComponentAndOption) {
  ComponentRegistry registry;
  RegisterBuiltinComponents(registry);
  const std::string schema = PipelineJsonSchema(registry);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(schema).get(root), simdjson::SUCCESS) << schema;
  EXPECT_EQ(std::string_view(root["$schema"]), "https://json-schema.org/draft/2020-12/schema");
  EXPECT_EQ(std::string_view(root["properties"]["source"]["$ref"]), "#/$defs/source");

  size_t components = 0, options = 0;
  for (const ComponentSpec& component : registry.components()) {
    SCOPED_TRACE(component.name);
    simdjson::dom::element slot = root["$defs"][ComponentKindName(component.kind)];
    EXPECT_EQ(int64_t(slot["maxProperties"]), 1);
    simdjson::dom::element c;
    ASSERT_EQ(slot["properties"][component.name].get(c), simdjson::SUCCESS);
    EXPECT_EQ(std::string_view(c["description"]), component.summary);
    ++components;
    for (const OptionSpec& spec : component.options) {
      SCOPED_TRACE(spec.name);
      simdjson::dom::element o;
      ASSERT_EQ(c["properties"][spec.name].get(o), simdjson::SUCCESS);
      ++options;
      const std::string description{std::string_view(o["description"])};
      EXPECT_EQ(description.rfind(spec.summary, 0), 0u) << description;
      if (IsSecretValue(spec)) {
        EXPECT_EQ(std::string_view(o["pattern"]), R"(^\$\{[A-Za-z_][A-Za-z0-9_]*\}$)");
        continue;
      }
      if (spec.type == OptionType::kString || spec.type == OptionType::kPath) {
        EXPECT_EQ(std::string_view(o["type"]), "string");
        continue;
      }
      // The value's shape, or a string holding a ${VAR} reference.
      simdjson::dom::element shape = o["anyOf"].at(0);
      EXPECT_EQ(std::string_view(o["anyOf"].at(1)["pattern"]), R"(\$\{)");
      switch (spec.type) {
        case OptionType::kInt:
          EXPECT_EQ(std::string_view(shape["type"]), "integer");
          if (spec.bounded) {
            EXPECT_EQ(int64_t(shape["minimum"]), spec.min);
            EXPECT_EQ(int64_t(shape["maximum"]), spec.max);
          }
          if (!spec.default_value.empty()) {
            EXPECT_EQ(std::to_string(int64_t(o["default"])), spec.default_value);
          }
          break;
        case OptionType::kChoice: {
          std::vector<std::string> choices;
          for (simdjson::dom::element e : simdjson::dom::array(shape["enum"]))
            choices.emplace_back(std::string_view(e));
          EXPECT_EQ(choices, spec.choices);
          break;
        }
        case OptionType::kFlag:
          EXPECT_EQ(std::string_view(shape["type"]), "boolean");
          break;
        case OptionType::kList:
          EXPECT_EQ(std::string_view(shape["type"]), "array");
          break;
        default:
          break;
      }
    }
    // Required only where no environment variable may stand in.
    std::vector<std::string> required;
    for (simdjson::dom::element e : simdjson::dom::array(c["required"]))
      required.emplace_back(std::string_view(e));
    std::vector<std::string> expected;
    for (const OptionSpec& spec : component.options) {
      if (spec.required && spec.env.empty()) expected.push_back(spec.name);
    }
    EXPECT_EQ(required, expected);
  }
  EXPECT_EQ(components, registry.components().size());
  EXPECT_GT(options, 30u);
}

}  // namespace
}  // namespace sluice
