#include "jobs/warehouse/models_schema.h"

#include "core/json_writer.h"
#include "jobs/warehouse/models_file.h"

namespace sluice::warehouse {
namespace {

constexpr std::string_view kModelNamePattern = "^[a-z][a-z0-9_-]*$";
constexpr std::string_view kIdentifierPattern = "^[a-z_][a-z0-9_]*$";

void Strings(JsonWriter& w, const std::vector<std::string>& values) {
  w.BeginArray();
  for (const auto& v : values)
    w.String(v);
  w.EndArray();
}

// A lower-case identifier of at most `max` bytes that is none of `reserved`.
void Identifier(JsonWriter& w, std::string_view description, int max,
                const std::vector<std::string>& reserved) {
  w.BeginObject().Key("description").String(description).Key("type").String("string");
  w.Key("pattern").String(kIdentifierPattern).Key("maxLength").Int(max);
  w.Key("not").BeginObject().Key("enum");
  Strings(w, reserved);
  w.EndObject().EndObject();
}

void FieldSchema(JsonWriter& w) {
  w.BeginObject().Key("type").String("object").Key("additionalProperties").Bool(false);
  w.Key("required").BeginArray().String("column").String("type").EndArray();
  w.Key("properties").BeginObject();
  w.Key("column");
  Identifier(w, "The column's name", 63, ReservedColumns());
  w.Key("type").BeginObject().Key("description").String("The column's type").Key("enum");
  Strings(w, ModelTypeNames());
  w.EndObject();
  w.Key("csv")
      .BeginObject()
      .Key("description")
      .String("Its header in a CSV file (default: the column), matched in any letter case")
      .Key("type")
      .String("string")
      .Key("minLength")
      .Int(1)
      .EndObject();
  w.Key("json")
      .BeginObject()
      .Key("description")
      .String(
          "Its path in a JSON record (default: the column): keys joined by '.', each "
          "followed by [N] or [] (every element, with pick)")
      .Key("type")
      .String("string")
      .Key("pattern")
      .String(kJsonPathPattern)
      .EndObject();
  w.Key("pick")
      .BeginObject()
      .Key("description")
      .String("With [] in the path: which element's value counts")
      .Key("enum")
      .BeginArray()
      .String("first")
      .String("last")
      .EndArray()
      .EndObject();
  w.Key("skip")
      .BeginObject()
      .Key("description")
      .String("With [] in the path: values that never count")
      .Key("type")
      .String("array")
      .Key("items")
      .BeginObject()
      .Key("type")
      .String("string")
      .EndObject()
      .EndObject();
  w.EndObject();
  // [] takes pick; pick and skip take [].
  w.Key("if").BeginObject().Key("required").BeginArray().String("json").EndArray();
  w.Key("properties").BeginObject().Key("json").BeginObject().Key("pattern").String(R"(\[\])");
  w.EndObject().EndObject().EndObject();
  w.Key("then").BeginObject().Key("required").BeginArray().String("pick").EndArray().EndObject();
  w.Key("else").BeginObject().Key("not").BeginObject().Key("anyOf").BeginArray();
  w.BeginObject().Key("required").BeginArray().String("pick").EndArray().EndObject();
  w.BeginObject().Key("required").BeginArray().String("skip").EndArray().EndObject();
  w.EndArray().EndObject().EndObject();
  w.EndObject();
}

void ModelSchema(JsonWriter& w) {
  w.BeginObject().Key("type").String("object").Key("additionalProperties").Bool(false);
  w.Key("required").BeginArray().String("name").String("table").String("key").String("fields");
  w.EndArray();
  w.Key("properties").BeginObject();
  w.Key("name").BeginObject().Key("description").String("The model's name, as --model takes it");
  w.Key("type").String("string").Key("pattern").String(kModelNamePattern);
  w.Key("maxLength").Int(63).EndObject();
  w.Key("table");
  Identifier(w, "Its table", 58, ReservedTables());
  w.Key("key")
      .BeginObject()
      .Key("description")
      .String("The fields that identify a row, or content-hash (a hash of the values)");
  w.Key("anyOf").BeginArray();
  w.BeginObject().Key("const").String("content-hash").EndObject();
  w.BeginObject().Key("type").String("array").Key("minItems").Int(1);
  w.Key("uniqueItems").Bool(true).Key("items").BeginObject().Key("type").String("string");
  w.EndObject().EndObject();
  w.EndArray().EndObject();
  w.Key("fields").BeginObject().Key("type").String("array").Key("minItems").Int(1);
  w.Key("maxItems").Int(static_cast<int64_t>(kMaxModelFields)).Key("items");
  FieldSchema(w);
  w.EndObject();
  w.EndObject().EndObject();
}

}  // namespace

std::string ModelsJsonSchema() {
  JsonWriter w;
  w.BeginObject();
  w.Key("$schema").String("https://json-schema.org/draft/2020-12/schema");
  w.Key("title").String("Sluice warehouse models file");
  w.Key("description").String("Warehouse models (docs/warehouse-models.md)");
  w.Key("type").String("object").Key("additionalProperties").Bool(false);
  w.Key("required").BeginArray().String("models").EndArray();
  w.Key("properties").BeginObject().Key("models").BeginObject();
  w.Key("type").String("array").Key("minItems").Int(1).Key("items");
  ModelSchema(w);
  w.EndObject().EndObject();
  w.EndObject();
  return w.Take() + "\n";
}

}  // namespace sluice::warehouse
