// The warehouse's models: for each, its table, its columns and where each column comes from in a
// CSV file (a header name) or a JSON record (a dotted path, or a rule for nested vendor data).
#pragma once

#include <simdjson.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/batch.h"
#include "core/status.h"

namespace sluice::warehouse {

using JsonExtractor =
    std::function<Result<std::optional<std::string>>(const simdjson::dom::element&)>;

struct ModelField {
  std::string column;
  ColumnType type;
  bool key = false;         // part of the natural key: required, never null
  std::string csv_header;   // the column's name in CSV input
  std::string json_path;    // dotted path in JSON input; for from_json, the keys it reads
  JsonExtractor from_json;  // overrides json_path for nested vendor shapes
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

const std::vector<Model>& Models();
// Finds a model by its singular or plural name.
const Model* FindModel(std::string_view name);
// "movie, user, ..." for help and errors.
std::string ModelNames();

// CREATE TABLE IF NOT EXISTS for the model, with its key and history columns.
std::string CreateTableSql(const Model& model);
// The table that keeps every rejected record of every load.
std::string CreateRejectsTableSql();
inline constexpr std::string_view kRejectsTable = "load_rejects";

}  // namespace sluice::warehouse
