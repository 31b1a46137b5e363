#include "jobs/warehouse/models.h"

#include <fmt/format.h>

#include <algorithm>

#include "connectors/postgres/pg_connection.h"
#include "core/suggest.h"
#include "jobs/warehouse/models_file.h"

namespace sluice::warehouse {

Schema Model::LoadSchema() const {
  Schema schema;
  for (const auto& f : fields)
    schema.push_back({f.column, f.type, !f.key});
  if (content_hash_key)
    schema.push_back({std::string(kContentHashColumn), ColumnType::kUuid, false});
  return schema;
}

std::vector<std::string> Model::KeyColumns() const {
  if (content_hash_key) return {std::string(kContentHashColumn)};
  std::vector<std::string> key;
  for (const auto& f : fields) {
    if (f.key) key.push_back(f.column);
  }
  return key;
}

const std::vector<Model>& Models() {
  static const std::vector<Model> models = [] {
    LoadedModels loaded = ParseModels(BuiltinModelsYaml());
    if (!loaded.ok()) {
      DieOfBug("examples/warehouse-models.yaml, compiled in, does not load: " +
               FormatPipelineError("warehouse-models.yaml", loaded.errors[0]));
    }
    return std::move(loaded.models);
  }();
  return models;
}

const Model* FindModel(std::span<const Model> models, std::string_view name) {
  for (const auto& m : models) {
    if (m.name == name || m.table == name) return &m;
  }
  return nullptr;
}

const Model* FindModel(std::string_view name) {
  return FindModel(Models(), name);
}

std::string ModelNames(std::span<const Model> models) {
  std::string out;
  for (const auto& m : models)
    out += (out.empty() ? "" : ", ") + m.name;
  return out;
}

std::string UnknownModel(std::span<const Model> models, std::string_view name,
                         std::string_view file) {
  std::vector<std::string> names;
  for (const auto& m : models) {
    names.push_back(m.name);
    names.push_back(m.table);
  }
  const std::string closest = ClosestName(name, names);
  const std::string where = file.empty() ? std::string() : fmt::format(" in {}", file);
  if (!closest.empty()) {
    return fmt::format("unknown model '{}'{} (did you mean {}?)", name, where, closest);
  }
  return fmt::format("unknown model '{}'{}: use one of {}", name, where, ModelNames(models));
}

std::string ModelNames() {
  return ModelNames(Models());
}

namespace {

// The type as a models file declares it (models_file.h), which is PostgreSQL's name but for
// double precision.
std::string_view DeclaredTypeName(ColumnType type) {
  return type == ColumnType::kFloat64 ? "double" : ColumnTypeName(type);
}

}  // namespace

std::string DescribeModel(const Model& model) {
  std::string key;
  for (const auto& k : model.KeyColumns())
    key += (key.empty() ? "" : ", ") + k;
  std::string out = fmt::format("{}: table {}, key {}{}\n", model.name, model.table, key,
                                model.content_hash_key ? " (a hash of the values)" : "");
  size_t column_width = 0, type_width = 0, csv_width = 0;
  for (const auto& f : model.fields) {
    column_width = std::max(column_width, f.column.size());
    type_width = std::max(type_width, DeclaredTypeName(f.type).size());
    csv_width = std::max(csv_width, f.csv_header.size());
  }
  for (const auto& f : model.fields) {
    std::string json = f.json.text;
    if (f.json.pick != JsonPick::kNone) {
      json += f.json.pick == JsonPick::kFirst ? ", pick first" : ", pick last";
    }
    if (!f.json.skip.empty()) {
      std::string skip;
      for (const auto& v : f.json.skip)
        skip += (skip.empty() ? "" : ", ") + v;
      json += ", skip [" + skip + "]";
    }
    out += fmt::format("  {:<{}}  {:<{}}  csv {:<{}}  json {}\n", f.column, column_width,
                       DeclaredTypeName(f.type), type_width, f.csv_header, csv_width, json);
  }
  return out;
}

std::string CreateTableSql(const Model& model) {
  std::string columns;
  for (const auto& f : model.LoadSchema()) {
    columns += fmt::format("  {} {}{},\n", QuoteIdent(f.name), ColumnTypeName(f.type),
                           f.nullable ? "" : " NOT NULL");
  }
  std::string key;
  for (const auto& k : model.KeyColumns())
    key += (key.empty() ? "" : ", ") + QuoteIdent(k);
  return fmt::format(
      "CREATE TABLE IF NOT EXISTS {0} (\n{1}"
      "  first_seen_at timestamptz NOT NULL DEFAULT now(),\n"
      "  updated_at timestamptz NOT NULL DEFAULT now(),\n"
      "  deleted_in_source_at timestamptz,\n"
      "  CONSTRAINT {2} PRIMARY KEY ({3})\n)",
      QuoteIdent(model.table), columns, QuoteIdent(model.table + "_pkey"), key);
}

std::string CreateRejectsTableSql() {
  return fmt::format(
      "CREATE TABLE IF NOT EXISTS {} (\n"
      "  id bigserial PRIMARY KEY,\n"
      "  rejected_at timestamptz NOT NULL DEFAULT now(),\n"
      "  model text NOT NULL,\n"
      "  source_file text NOT NULL,\n"
      "  position text NOT NULL,\n"
      "  reason text NOT NULL,\n"
      "  record text\n)",
      kRejectsTable);
}

}  // namespace sluice::warehouse
