#include "jobs/warehouse/table_shape.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

namespace sluice::warehouse {
namespace {

// format_type()'s spelling of each column type, as the catalog reports a column's type.
std::string CatalogTypeName(ColumnType type) {
  return type == ColumnType::kTimestamptz ? "timestamp with time zone" : ColumnTypeName(type);
}

// The columns Sluice adds to every model's table, as CreateTableSql (models.cc) makes them.
struct HistoryColumn {
  std::string_view name, definition;
};
constexpr HistoryColumn kHistory[] = {
    {"first_seen_at", "timestamptz NOT NULL DEFAULT now()"},
    {"updated_at", "timestamptz NOT NULL DEFAULT now()"},
    {"deleted_in_source_at", "timestamptz"},
};

bool IsHistoryColumn(std::string_view name) {
  return std::any_of(std::begin(kHistory), std::end(kHistory),
                     [&](const HistoryColumn& h) { return h.name == name; });
}

std::string Listed(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ", ") + QuoteIdent(n);
  return out.empty() ? "none" : out;
}

}  // namespace

std::string AddColumnsHint(std::string_view table, std::span<const MissingColumn> missing) {
  std::string out;
  for (const MissingColumn& m : missing) {
    out += fmt::format("{}ALTER TABLE {} ADD COLUMN {} {}",
                       out.empty() ? "a missing column can be added with " : "; ",
                       QuoteIdent(table), QuoteIdent(m.name), m.definition);
  }
  return out;
}

Status CheckIsTable(PgConnection& conn, std::string_view table) {
  ASSIGN_OR_RETURN(PgResult r,
                   conn.Query("SELECT relkind FROM pg_catalog.pg_class WHERE oid = "
                              "to_regclass($1)",
                              {QuoteIdent(table)}, fmt::format("looking up what {} is", table)));
  if (r.rows() == 0) return Status::Ok();
  const std::string_view kind = r.Value(0, 0);
  if (kind == "r" || kind == "p") return Status::Ok();
  static constexpr std::pair<std::string_view, std::string_view> kKinds[] = {
      {"v", "a view"},           {"m", "a materialized view"},
      {"f", "a foreign table"},  {"S", "a sequence"},
      {"i", "an index"},         {"I", "an index"},
      {"c", "a composite type"}, {"t", "a TOAST table"}};
  std::string_view what = "not a table";
  for (const auto& [k, name] : kKinds)
    if (k == kind) what = name;
  return Status(StatusCode::kFailedPrecondition,
                fmt::format("{} is {}, not a table: Sluice writes rows to a table of its own, "
                            "and no column can be added to it: name another table",
                            table, what));
}

Status CheckTableShape(PgConnection& conn, const Model& model) {
  RETURN_IF_ERROR(CheckIsTable(conn, model.table));
  const std::string table = QuoteIdent(model.table);
  const std::string what = fmt::format("reading the columns of table {}", model.table);
  ASSIGN_OR_RETURN(PgResult columns,
                   conn.Query("SELECT attname, format_type(atttypid, atttypmod), attnotnull AND "
                              "NOT atthasdef FROM pg_attribute WHERE attrelid = $1::regclass AND "
                              "attnum > 0 AND NOT attisdropped ORDER BY attnum",
                              {table}, what));
  ASSIGN_OR_RETURN(PgResult key,
                   conn.Query("SELECT a.attname FROM pg_constraint c CROSS JOIN LATERAL "
                              "unnest(c.conkey) AS k(attnum) JOIN pg_attribute a ON a.attrelid = "
                              "c.conrelid AND a.attnum = k.attnum WHERE c.conrelid = $1::regclass "
                              "AND c.contype = 'p'",
                              {table}, what));
  std::map<std::string, std::string, std::less<>> types;
  std::vector<std::string> unfillable, removed;
  const Schema schema = model.LoadSchema();
  for (int r = 0; r < columns.rows(); ++r) {
    const std::string name(columns.Value(r, 0));
    types[name] = std::string(columns.Value(r, 1));
    const bool in_model =
        std::any_of(schema.begin(), schema.end(), [&](const Field& f) { return f.name == name; });
    if (columns.Value(r, 2) == "t" && !in_model && !IsHistoryColumn(name)) {
      unfillable.push_back(name);
    } else if (model.content_hash_key && !in_model && !IsHistoryColumn(name)) {
      removed.push_back(name);  // a field taken out of the model: the hash covers it no more
    }
  }
  std::vector<std::string> problems;
  std::vector<MissingColumn> additions;
  // A content-hash model's fields added since the table was made: each changes every row's key.
  std::vector<std::string> rekeying = removed;
  for (const Field& f : schema) {
    const std::string want = CatalogTypeName(f.type);
    auto it = types.find(f.name);
    if (it == types.end()) {
      problems.push_back(fmt::format("it has no column {} ({})", QuoteIdent(f.name), want));
      if (model.content_hash_key) {
        rekeying.push_back(f.name);
      } else {
        additions.push_back({f.name, ColumnTypeName(f.type)});
      }
    } else if (it->second != want) {
      problems.push_back(
          fmt::format("column {} is {}, the model's is {}", QuoteIdent(f.name), it->second, want));
    }
  }
  for (const HistoryColumn& h : kHistory) {
    auto it = types.find(h.name);
    if (it == types.end()) {
      problems.push_back(fmt::format("it has no history column {}", h.name));
      additions.push_back({std::string(h.name), std::string(h.definition)});
    } else if (it->second != "timestamp with time zone") {
      problems.push_back(
          fmt::format("column {} is {}, not timestamp with time zone", h.name, it->second));
    }
  }
  if (!removed.empty()) {
    problems.push_back(fmt::format("{} {} {} not a field of the model",
                                   removed.size() == 1 ? "column" : "columns", Listed(removed),
                                   removed.size() == 1 ? "is" : "are"));
  }
  if (!unfillable.empty()) {
    problems.push_back(
        fmt::format("{} {} {} NOT NULL without a default, which the model does not fill",
                    unfillable.size() == 1 ? "column" : "columns", Listed(unfillable),
                    unfillable.size() == 1 ? "is" : "are"));
  }
  std::vector<std::string> table_key, model_key = model.KeyColumns();
  for (int r = 0; r < key.rows(); ++r)
    table_key.emplace_back(key.Value(r, 0));
  std::vector<std::string> a = table_key, b = model_key;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  if (a != b) {
    problems.push_back(fmt::format("its primary key is on {}, the model's key is {}",
                                   Listed(table_key), Listed(model_key)));
  }
  if (problems.empty()) return Status::Ok();
  std::string message = fmt::format("table {} does not match model {}: ", model.table, model.name);
  for (size_t i = 0; i < problems.size(); ++i)
    message += (i == 0 ? "" : "; ") + problems[i];
  message += ". It was made for another declaration of the model, or another model";
  if (!rekeying.empty()) {
    // The hash is Sluice's, computed as rows are loaded: no SQL statement can recompute it for
    // the rows already there, and ADD COLUMN would leave each of them under its old key.
    message += fmt::format(
        ". Model {0}'s key is content-hash, a hash of all its fields, so a field added or "
        "taken out ({1}) changes the key of every row: altering the table would leave each "
        "row under its old key and the next load would add it again. Give the model a new "
        "table (its table: in the models file) and load every file into it, or drop table {2} "
        "(DROP TABLE {3}) and load every file again",
        model.name, Listed(rekeying), model.table, table);
  }
  if (!additions.empty()) message += "; " + AddColumnsHint(model.table, additions);
  return InvalidArgument(message);
}

}  // namespace sluice::warehouse
