#include "jobs/logins/logins_table.h"

#include <gtest/gtest.h>

#include <vector>

#include "connectors/postgres/pg_connection.h"

namespace sluice::logins {
namespace {

// The specification fixes user_logins' shape (it may exist already, made by someone else):
// the statement derived from the declaration is pinned to the text Sluice has always sent.
TEST(LoginsTable, CreateTableIsTheSpecifiedShape) {
  EXPECT_EQ(CreateTableSql(QuoteIdent("user_logins"), kLoginsColumns),
            "CREATE TABLE IF NOT EXISTS \"user_logins\" (user_id varchar(128), device_type "
            "varchar(32), masked_ip varchar(256), masked_device_id varchar(256), locale "
            "varchar(32), app_version integer, create_date date)");
  EXPECT_EQ(CreateTableSql(QuoteIdent("user_logins_rejects"), kRejectsColumns),
            "CREATE TABLE IF NOT EXISTS \"user_logins_rejects\" (message_id text NOT NULL, "
            "received_at timestamptz NOT NULL, reason text NOT NULL, body_encrypted text)");
}

TEST(LoginsTable, ColumnListsFollowTheDeclaration) {
  EXPECT_EQ(ColumnList(kLoginsColumns),
            "user_id, device_type, masked_ip, masked_device_id, locale, app_version, create_date");
  EXPECT_EQ(ColumnList(kRejectsColumns, "j"),
            "j.message_id, j.received_at, j.reason, j.body_encrypted");
  EXPECT_EQ(ColumnList(LoginRowSchema()),
            "message_id, user_id, device_type, masked_ip, masked_device_id, locale, app_version, "
            "create_date");
  EXPECT_EQ(UnnestParameters(LoginRowSchema(), 1),
            "$1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
            "$7::integer[], $8::date[]");
  EXPECT_EQ(UnnestParameters(LoginRejectSchema(), 9),
            "$9::text[], $10::timestamptz[], $11::text[], $12::text[]");
}

// The staged row is the message id, then the table's columns; only the message id and the
// columns the job requires are never null.
TEST(LoginsTable, StagedSchemasFollowTheDeclaration) {
  const Schema rows = LoginRowSchema();
  ASSERT_EQ(rows.size(), kFirstLoginsColumn + kLoginsColumns.size());
  EXPECT_EQ(rows[0].name, "message_id");
  EXPECT_FALSE(rows[0].nullable);
  for (size_t i = 0; i < kLoginsColumns.size(); ++i) {
    const Field& f = rows[kFirstLoginsColumn + i];
    EXPECT_EQ(f.name, kLoginsColumns[i].name);
    EXPECT_EQ(f.type, kLoginsColumns[i].type) << f.name;
    EXPECT_EQ(f.nullable, f.name != "user_id") << f.name;
  }
  const Schema rejects = LoginRejectSchema();
  ASSERT_EQ(rejects.size(), kRejectsColumns.size());
  EXPECT_EQ(rejects[1].type, ColumnType::kTimestamptz);
  EXPECT_FALSE(rejects[2].nullable);
  EXPECT_TRUE(rejects[3].nullable);
}

TEST(LoginsTable, NamesResolveToPositionsAtCompileTime) {
  static_assert(LoginRowIndex("message_id") == 0);
  static_assert(LoginRowIndex("user_id") == 1);
  static_assert(LoginRowIndex("create_date") == 7);
  static_assert(RejectIndex("body_encrypted") == 3);
  static_assert(LoginsColumn("masked_ip").max_chars == 256);
  static_assert(LoginsColumn("masked_device_id").json_key == "device_id");
  const Schema rows = LoginRowSchema();
  EXPECT_EQ(rows[LoginRowIndex("masked_device_id")].name, "masked_device_id");
  EXPECT_EQ(LoginRejectSchema()[RejectIndex("reason")].name, "reason");
}

// Column names reach SQL unquoted, as the specification writes them: each must be a plain
// lower-case identifier, which PostgreSQL reads the same quoted or not.
TEST(LoginsTable, ColumnNamesNeedNoQuoting) {
  for (std::span<const TableColumn> table : {std::span<const TableColumn>(kLoginsColumns),
                                             std::span<const TableColumn>(kRejectsColumns)}) {
    for (const TableColumn& c : table) {
      ASSERT_FALSE(c.name.empty());
      EXPECT_TRUE(c.name[0] >= 'a' && c.name[0] <= 'z') << c.name;
      for (char ch : c.name)
        EXPECT_TRUE((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_') << c.name;
    }
  }
}

// The table as Sluice creates it, as pg_attribute and format_type() describe it.
std::vector<ExistingColumn> AsCreated(std::span<const TableColumn> columns) {
  std::vector<ExistingColumn> found;
  for (const TableColumn& c : columns)
    found.push_back({std::string(c.name), CatalogType(c), c.not_null, c.not_null});
  return found;
}

TEST(LoginsTable, CatalogTypesAreFormatTypesSpelling) {
  EXPECT_EQ(CatalogType(LoginsColumn("user_id")), "character varying(128)");
  EXPECT_EQ(CatalogType(LoginsColumn("app_version")), "integer");
  EXPECT_EQ(CatalogType(LoginsColumn("create_date")), "date");
  EXPECT_EQ(CatalogType(kRejectsColumns[RejectIndex("received_at")]), "timestamp with time zone");
  EXPECT_EQ(CatalogType(kRejectsColumns[RejectIndex("reason")]), "text");
}

TEST(LoginsTable, TheTableAsCreatedHasNoDifferences) {
  EXPECT_EQ(ShapeDifferences(kLoginsColumns, AsCreated(kLoginsColumns)), "");
  EXPECT_EQ(ShapeDifferences(kRejectsColumns, AsCreated(kRejectsColumns)), "");
  // Columns of its own that take null or have a default do not stand in the way.
  auto wider = AsCreated(kLoginsColumns);
  wider.push_back({"note", "text", false, false});
  wider.push_back({"loaded_at", "timestamp with time zone", true, false});
  EXPECT_EQ(ShapeDifferences(kLoginsColumns, wider), "");
  // user_id is never null in a stored row, so NOT NULL there is no problem.
  auto strict = AsCreated(kLoginsColumns);
  strict[0].not_null = true;
  EXPECT_EQ(ShapeDifferences(kLoginsColumns, strict), "");
}

TEST(LoginsTable, EachDifferenceIsNamed) {
  std::vector<ExistingColumn> found = AsCreated(kLoginsColumns);
  found[0].type = "character varying(64)";          // user_id narrower
  found.erase(found.begin() + 4);                   // no locale
  found[1].not_null = true;                         // device_type NOT NULL
  found.push_back({"tenant", "text", true, true});  // NOT NULL, no default
  EXPECT_EQ(ShapeDifferences(kLoginsColumns, found),
            "column user_id is character varying(64), not character varying(128); "
            "column device_type is NOT NULL, and Sluice stores null there; "
            "column locale is missing; "
            "column tenant is NOT NULL without a default, and Sluice does not fill it");
  EXPECT_EQ(ShapeDifferences(kRejectsColumns, {}),
            "column message_id is missing; column received_at is missing; column reason is "
            "missing; column body_encrypted is missing");
}

}  // namespace
}  // namespace sluice::logins
