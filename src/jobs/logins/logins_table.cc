#include "jobs/logins/logins_table.h"

#include <fmt/format.h>

namespace sluice::logins {
namespace {

Field StagedField(const TableColumn& column) {
  return {std::string(column.name), column.type, !column.not_null && !column.required};
}

}  // namespace

Schema LoginRowSchema() {
  return StagedRowSchema(kLoginsColumns);
}

Schema StagedRowSchema(std::span<const TableColumn> columns) {
  Schema schema{{std::string(kMessageIdColumn), ColumnType::kText, false}};
  for (const TableColumn& c : columns)
    schema.push_back(StagedField(c));
  return schema;
}

Schema LoginRejectSchema() {
  Schema schema;
  for (const TableColumn& c : kRejectsColumns)
    schema.push_back(StagedField(c));
  return schema;
}

std::string SqlType(const TableColumn& column) {
  if (column.type == ColumnType::kText && column.max_chars > 0)
    return fmt::format("varchar({})", column.max_chars);
  return ColumnTypeName(column.type);
}

std::string CreateTableSql(std::string_view quoted_table, std::span<const TableColumn> columns) {
  std::string list;
  for (const TableColumn& c : columns) {
    list += fmt::format("{}{} {}{}", list.empty() ? "" : ", ", c.name, SqlType(c),
                        c.not_null ? " NOT NULL" : "");
  }
  return fmt::format("CREATE TABLE IF NOT EXISTS {} ({})", quoted_table, list);
}

std::string ColumnList(std::span<const TableColumn> columns, std::string_view alias) {
  std::string list;
  for (const TableColumn& c : columns) {
    list +=
        fmt::format("{}{}{}{}", list.empty() ? "" : ", ", alias, alias.empty() ? "" : ".", c.name);
  }
  return list;
}

std::string ColumnList(const Schema& schema) {
  std::string list;
  for (const Field& f : schema)
    list += fmt::format("{}{}", list.empty() ? "" : ", ", f.name);
  return list;
}

std::string UnnestParameters(const Schema& schema, int first) {
  std::string list;
  for (const Field& f : schema) {
    list += fmt::format("{}${}::{}[]", list.empty() ? "" : ", ", first++, ColumnTypeName(f.type));
  }
  return list;
}

std::string CatalogType(const TableColumn& column) {
  switch (column.type) {
    case ColumnType::kText:
      return column.max_chars > 0 ? fmt::format("character varying({})", column.max_chars) : "text";
    case ColumnType::kTimestamptz:
      return "timestamp with time zone";
    default:
      return ColumnTypeName(column.type);
  }
}

std::string ShapeDifferences(std::span<const TableColumn> declared,
                             std::span<const ExistingColumn> found) {
  std::string out;
  const auto add = [&out](std::string clause) { out += (out.empty() ? "" : "; ") + clause; };
  for (const TableColumn& want : declared) {
    const ExistingColumn* have = nullptr;
    for (const ExistingColumn& c : found) {
      if (c.name == want.name) have = &c;
    }
    if (have == nullptr) {
      add(fmt::format("column {} is missing", want.name));
      continue;
    }
    if (have->type != CatalogType(want)) {
      add(fmt::format("column {} is {}, not {}", want.name, have->type, CatalogType(want)));
    }
    if (have->not_null && !want.not_null && !want.required) {
      add(fmt::format("column {} is NOT NULL, and Sluice stores null there", want.name));
    }
  }
  for (const ExistingColumn& c : found) {
    bool is_declared = false;
    for (const TableColumn& want : declared)
      is_declared = is_declared || c.name == want.name;
    if (!is_declared && c.needs_value) {
      add(fmt::format("column {} is NOT NULL without a default, and Sluice does not fill it",
                      c.name));
    }
  }
  return out;
}

}  // namespace sluice::logins
