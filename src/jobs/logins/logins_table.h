// The tables the logins job fills, each declared once: user_logins, whose shape the
// specification fixes (docs/logins.md, "Tables"), and its rejects table. Their CREATE TABLE
// statements, the column lists of the COPY and INSERT statements, the staged rows' schemas and
// the check of a table that already exists are derived from here, as the warehouse derives its
// tables from jobs/warehouse/models.h. Code that fills a row names the column; the name becomes
// a position at compile time (LoginRowIndex, RejectIndex), so a row costs what it did with bare
// numbers, and a misspelt name does not build.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/batch.h"

namespace sluice::logins {

struct TableColumn {
  std::string_view name;
  ColumnType type;
  // kText only: the column is varchar(max_chars), counted in characters (PostgreSQL docs 8.3),
  // and the job rejects a longer value rather than let PostgreSQL refuse the whole batch.
  // 0 is `text`, unbounded.
  size_t max_chars = 0;
  // NOT NULL in the table.
  bool not_null = false;
  // The job never stages null here (a message without it is a reject), although the table may
  // allow null: the specification's user_logins has no NOT NULL, and others may share it.
  bool required = false;
  // The key of a message body that fills the column; empty when the job fills it otherwise.
  std::string_view json_key = {};
};

// user_logins, in the order of its CREATE TABLE. Changing anything here changes the table that
// the specification fixes: tests/unit/logins_table_test.cc pins the statement.
inline constexpr std::array<TableColumn, 7> kLoginsColumns = {{
    {.name = "user_id",
     .type = ColumnType::kText,
     .max_chars = 128,
     .required = true,
     .json_key = "user_id"},
    {.name = "device_type", .type = ColumnType::kText, .max_chars = 32, .json_key = "device_type"},
    // ip and device_id masked (transforms/mask.h): key id, ':', base64url of IV and ciphertext.
    {.name = "masked_ip", .type = ColumnType::kText, .max_chars = 256, .json_key = "ip"},
    {.name = "masked_device_id",
     .type = ColumnType::kText,
     .max_chars = 256,
     .json_key = "device_id"},
    {.name = "locale", .type = ColumnType::kText, .max_chars = 32, .json_key = "locale"},
    // MAJOR*1000000 + MINOR*1000 + PATCH (EncodeAppVersion).
    {.name = "app_version", .type = ColumnType::kInt32, .json_key = "app_version"},
    // The UTC day of the message's SQS SentTimestamp.
    {.name = "create_date", .type = ColumnType::kDate},
}};

// The rejects table (LoginsTables::rejects): a rejected message's id, when it was received,
// why, and its body encrypted (null when it was too large to keep).
inline constexpr std::array<TableColumn, 4> kRejectsColumns = {{
    {.name = "message_id", .type = ColumnType::kText, .not_null = true},
    {.name = "received_at", .type = ColumnType::kTimestamptz, .not_null = true},
    {.name = "reason", .type = ColumnType::kText, .not_null = true},
    {.name = "body_encrypted", .type = ColumnType::kText},
}};

// A staged login row is its message id (the ledger's key, never stored in user_logins), then
// kLoginsColumns in order, from this position on.
inline constexpr std::string_view kMessageIdColumn = "message_id";
inline constexpr size_t kFirstLoginsColumn = 1;

// The declaration of user_logins' column `name`. Only at compile time: an unknown name does
// not build.
consteval TableColumn LoginsColumn(std::string_view name) {
  for (const TableColumn& c : kLoginsColumns) {
    if (c.name == name) return c;
  }
  throw "user_logins has no such column";
}

// The position of column `name` in a staged login row (LoginRowSchema).
consteval size_t LoginRowIndex(std::string_view name) {
  if (name == kMessageIdColumn) return 0;
  for (size_t i = 0; i < kLoginsColumns.size(); ++i) {
    if (kLoginsColumns[i].name == name) return kFirstLoginsColumn + i;
  }
  throw "a staged login row has no such column";
}

// The position of column `name` in a staged reject (LoginRejectSchema).
consteval size_t RejectIndex(std::string_view name) {
  for (size_t i = 0; i < kRejectsColumns.size(); ++i) {
    if (kRejectsColumns[i].name == name) return i;
  }
  throw "the rejects table has no such column";
}

// The staged row: kMessageIdColumn, then user_logins' columns.
Schema LoginRowSchema();
// The same for another table's columns: kMessageIdColumn, then `columns` in order.
Schema StagedRowSchema(std::span<const TableColumn> columns);
// A staged reject: the rejects table's columns.
Schema LoginRejectSchema();

// The column's type as CREATE TABLE writes it: "varchar(128)", "text", "integer", "date",
// "timestamptz".
std::string SqlType(const TableColumn& column);

// "CREATE TABLE IF NOT EXISTS <quoted_table> (name type[ NOT NULL], ...)"; `quoted_table` is
// already quoted (QuoteIdent).
std::string CreateTableSql(std::string_view quoted_table, std::span<const TableColumn> columns);

// "a, b, c", or "x.a, x.b, x.c" with `alias` "x".
std::string ColumnList(std::span<const TableColumn> columns, std::string_view alias = {});
std::string ColumnList(const Schema& schema);

// "$<first>::type[], ..." : one array parameter per column of `schema`, in order, as unnest()
// takes a batch sent one binary array per column (EncodePgBinaryArray).
std::string UnnestParameters(const Schema& schema, int first);

// A column of a table that exists, as PostgreSQL's catalog describes it (pg_attribute).
struct ExistingColumn {
  std::string name;
  std::string type;          // format_type(atttypid, atttypmod): "character varying(128)"
  bool not_null = false;     // attnotnull
  bool needs_value = false;  // NOT NULL with no default, identity or generation expression
};

// The declared type as format_type() spells it: "character varying(128)", "text", "integer",
// "date", "timestamp with time zone".
std::string CatalogType(const TableColumn& column);

// Why a table of columns `found` cannot take the rows of `declared`: a declared column that is
// missing or of another type, NOT NULL on a column the job may leave null, or another column
// that needs a value the job never gives. One clause per problem, joined by "; ", naming
// columns and types only; "" when the table takes them. Columns beyond the declared ones that
// take null or have a default are no problem.
std::string ShapeDifferences(std::span<const TableColumn> declared,
                             std::span<const ExistingColumn> found);

}  // namespace sluice::logins
