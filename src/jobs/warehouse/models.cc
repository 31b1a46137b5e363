#include "jobs/warehouse/models.h"

#include <fmt/format.h>

#include "connectors/postgres/pg_connection.h"
#include "formats/json_reader.h"

namespace sluice::warehouse {
namespace {

ModelField Text(std::string column, std::string json_path = "", bool key = false) {
  ModelField f{column, ColumnType::kText, key, column, json_path.empty() ? column : json_path, {}};
  return f;
}

ModelField Typed(std::string column, ColumnType type, std::string json_path = "") {
  return ModelField{column, type, false, column, json_path.empty() ? column : json_path, {}};
}

// `keys_read` names the keys the extractor looks at, dotted as a path, so that key checks
// (json_checks.h) know them.
ModelField Custom(std::string column, ColumnType type, std::string keys_read,
                  JsonExtractor extractor) {
  return ModelField{column, type, false, column, std::move(keys_read), std::move(extractor)};
}

// Authors list several nationalities, some blank; the last one with a slug is the author's.
Result<std::optional<std::string>> LastNationalitySlug(const simdjson::dom::element& author) {
  simdjson::dom::array list;
  if (author["nationalities"].get_array().get(list)) return std::optional<std::string>();
  std::optional<std::string> slug;
  for (simdjson::dom::element n : list) {
    std::string_view s = JsonStringOr(n["slug"]);
    if (!s.empty()) slug = std::string(s);
  }
  return slug;
}

// Reviews name two movies, one of them the vendor's placeholder "end": the last real title is
// the reviewed movie.
Result<std::optional<std::string>> ReviewedMovieTitle(const simdjson::dom::element& review) {
  simdjson::dom::array list;
  if (review["movies"].get_array().get(list)) return std::optional<std::string>();
  std::optional<std::string> title;
  for (simdjson::dom::element m : list) {
    std::string_view t = JsonStringOr(m["title"]);
    if (!t.empty() && t != "end") title = std::string(t);
  }
  return title;
}

Result<std::optional<std::string>> ReviewedBookTitle(const simdjson::dom::element& review) {
  simdjson::dom::array list;
  if (review["books"].get_array().get(list) || list.size() == 0) {
    return std::optional<std::string>();
  }
  return JsonScalarAt(list.at(0).value(), "metadata.title");
}

std::vector<Model> BuildModels() {
  std::vector<Model> m;
  m.push_back({"movie",
               "movies",
               {Text("title", "", true), Typed("duration_mins", ColumnType::kInt32),
                Text("original_language"), Typed("size_mb", ColumnType::kInt32)},
               false});
  m.push_back(
      {"user", "users", {Text("email", "", true), Text("first_name"), Text("last_name")}, false});
  m.push_back(
      {"stream",
       "streams",
       {Text("movie_title"), Text("user_email"), Typed("size_mb", ColumnType::kFloat64),
        Typed("start_at", ColumnType::kTimestamptz), Typed("end_at", ColumnType::kTimestamptz)},
       true});
  m.push_back(
      {"author",
       "authors",
       {Text("name", "metadata.name", true),
        Typed("birth_date", ColumnType::kDate, "metadata.birth_date"),
        Typed("died_at", ColumnType::kDate, "metadata.died_at"),
        Custom("nationality", ColumnType::kText, "nationalities.slug", LastNationalitySlug)},
       false});
  m.push_back({"book",
               "books",
               {Text("title", "name", true), Typed("pages", ColumnType::kInt32), Text("author"),
                Text("publisher")},
               false});
  m.push_back({"review",
               "reviews",
               {Custom("movie_title", ColumnType::kText, "movies.title", ReviewedMovieTitle),
                Custom("book_title", ColumnType::kText, "books.metadata.title", ReviewedBookTitle),
                Typed("rating", ColumnType::kInt32, "rating.rate"), Text("text", "content.text")},
               true});
  return m;
}

}  // namespace

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
  static const std::vector<Model> models = BuildModels();
  return models;
}

const Model* FindModel(std::string_view name) {
  for (const auto& m : Models()) {
    if (m.name == name || m.table == name) return &m;
  }
  return nullptr;
}

std::string ModelNames() {
  std::string out;
  for (const auto& m : Models())
    out += (out.empty() ? "" : ", ") + m.name;
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
