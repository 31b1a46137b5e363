// The warehouse's models: for each, its table, its columns and where each column comes from in a
// CSV file (a header name) or a JSON record (a path, json_path.h). A model is data: the built-in
// six are examples/warehouse-models.yaml, compiled in and loaded as any models file is
// (models_file.h).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/batch.h"
#include "core/status.h"
#include "jobs/warehouse/json_path.h"

namespace sluice::warehouse {

struct ModelField {
  std::string column;
  ColumnType type = ColumnType::kText;
  bool key = false;        // part of the natural key: required, never null
  std::string csv_header;  // the column's name in CSV input, matched in any letter case
  JsonPath json;           // where the value is in a JSON record
};

struct Model {
  std::string name;   // singular, as the CLI takes it: "movie"
  std::string table;  // plural: "movies"
  std::vector<ModelField> fields;
  // Streams and reviews have no natural key: a hash of their content is the key, stored as the
  // uuid column `content_hash`.
  bool content_hash_key = false;

  // The columns a load sends: the fields, then content_hash where the model has one.
  Schema LoadSchema() const;
  std::vector<std::string> KeyColumns() const;
};

inline constexpr std::string_view kContentHashColumn = "content_hash";

// The built-in models, loaded from BuiltinModelsYaml(); a text that does not load is a bug.
const std::vector<Model>& Models();
// examples/warehouse-models.yaml as it was at build time (cmake/embed_text.cmake).
std::string_view BuiltinModelsYaml();
// Finds a model by its singular or plural name, among the built-in ones or `models`.
const Model* FindModel(std::string_view name);
const Model* FindModel(std::span<const Model> models, std::string_view name);
// "movie, user, ..." for help and errors.
std::string ModelNames();
std::string ModelNames(std::span<const Model> models);
// "unknown model 'podcst' (did you mean podcast?)", or with the list of `models`' names;
// `file` names the models file they come from ("" for the built-in ones).
std::string UnknownModel(std::span<const Model> models, std::string_view name,
                         std::string_view file);

// The model in a few lines for `sluice warehouse models`: its name, table and key, then a line
// per field with its column, type, CSV header and JSON path (with pick and skip):
//   podcast: table podcasts, key podcast_id
//     podcast_id  text     csv id     json id
std::string DescribeModel(const Model& model);

// CREATE TABLE IF NOT EXISTS for the model, with its key and history columns.
std::string CreateTableSql(const Model& model);
// The table that keeps every rejected record of every load.
std::string CreateRejectsTableSql();
inline constexpr std::string_view kRejectsTable = "load_rejects";

}  // namespace sluice::warehouse
