// Exactly-once storage: the ledger makes a redelivered message add nothing.
#include "jobs/logins/logins_sink.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string_view>

#include "jobs/logins/logins_table.h"
#include "support/test_env.h"

namespace sluice::logins {
namespace {

class LoginsSinkTest : public testing::PgTest {};

Batch Rows(std::initializer_list<const char*> ids) {
  Batch rows(LoginRowSchema());
  for (const char* id : ids) {
    rows.column(LoginRowIndex("message_id")).AppendText(id);
    rows.column(LoginRowIndex("user_id")).AppendText(std::string("user-") + id);
    for (size_t c : {LoginRowIndex("device_type"), LoginRowIndex("masked_ip"),
                     LoginRowIndex("masked_device_id"), LoginRowIndex("locale")})
      rows.column(c).AppendNull();
    rows.column(LoginRowIndex("app_version")).AppendInt(2003000);
    rows.column(LoginRowIndex("create_date")).AppendInt(19000);
  }
  return rows;
}

TEST_F(LoginsSinkTest, ARedeliveredBatchAddsNothing) {
  auto sink = LoginsSink::Open(url(), {}, "test");
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  Batch rejects(LoginRejectSchema());
  rejects.column(RejectIndex("message_id")).AppendText("bad-1");
  rejects.column(RejectIndex("received_at")).AppendInt(0);
  rejects.column(RejectIndex("reason")).AppendText("user_id is missing");
  rejects.column(RejectIndex("body_encrypted")).AppendText("k:xyz");

  auto first = (*sink)->Write(Rows({"a", "b"}), rejects);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->stored, 2u);
  EXPECT_EQ(first->rejected, 1u);

  // The same messages again (a delete that never reached SQS), with one new one.
  auto second = (*sink)->Write(Rows({"a", "b", "c"}), rejects);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->stored, 1u);
  EXPECT_EQ(second->rejected, 0u);
  EXPECT_EQ(second->duplicates, 3u);
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins"), "3");
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins_rejects"), "1");
  EXPECT_EQ(Scalar("SELECT count(*) FROM sluice_message_ledger"), "4");
  EXPECT_EQ(Scalar("SELECT app_version FROM user_logins WHERE user_id = 'user-c'"), "2003000");
}

TEST_F(LoginsSinkTest, AnExistingTableOfTheSpecifiedShapeIsUsedAsItIs) {
  ASSERT_TRUE(conn()
                  .Exec("CREATE TABLE user_logins(user_id varchar(128), device_type varchar(32), "
                        "masked_ip varchar(256), masked_device_id varchar(256), locale "
                        "varchar(32), app_version integer, create_date date)",
                        "create")
                  .ok());
  auto sink = LoginsSink::Open(url(), {}, "test");
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  ASSERT_TRUE((*sink)->Write(Rows({"x"}), Batch(LoginRejectSchema())).ok());
  EXPECT_EQ(Scalar("SELECT create_date FROM user_logins"), "2022-01-08");
}

// A table made ahead of time that cannot take the rows is refused when the sink opens, before
// anything is received, naming each difference; its own extra columns that take null are fine.
TEST_F(LoginsSinkTest, AnExistingTableOfAnotherShapeIsRefusedNamingTheDifferences) {
  ASSERT_TRUE(conn()
                  .Exec("CREATE TABLE user_logins(user_id varchar(64), device_type varchar(32), "
                        "masked_ip varchar(256), masked_device_id varchar(256), "
                        "app_version bigint, create_date date, tenant text NOT NULL)",
                        "create")
                  .ok());
  auto sink = LoginsSink::Open(url(), {}, "test");
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(sink.status().message(),
            "user_logins exists, but not in the shape Sluice writes (docs/logins.md, \"Tables\"): "
            "column user_id is character varying(64), not character varying(128); column locale "
            "is missing; column app_version is bigint, not integer; column tenant is NOT NULL "
            "without a default, and Sluice does not fill it; a missing column can be added with "
            "ALTER TABLE \"user_logins\" ADD COLUMN \"locale\" varchar(32)");
  // Refused before anything was created: no rejects table, ledger or checkpoints beside it.
  EXPECT_EQ(Scalar("SELECT concat_ws(',', to_regclass('user_logins_rejects'), "
                   "to_regclass('sluice_message_ledger'), to_regclass('sluice_checkpoints'))"),
            "");
}

TEST_F(LoginsSinkTest, ARejectsTableOfAnotherShapeIsRefusedBeforeTheTableIsCreated) {
  ASSERT_TRUE(conn().Exec("CREATE TABLE user_logins_rejects(x int NOT NULL)", "create").ok());
  auto sink = LoginsSink::Open(url(), {}, "test");
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(sink.status().message().starts_with(
      "user_logins_rejects exists, but not in the shape Sluice writes (docs/message-schemas.md, "
      "\"The sink postgres-table\"): column message_id is missing"))
      << sink.status().message();
  EXPECT_EQ(Scalar("SELECT concat_ws(',', to_regclass('user_logins'), "
                   "to_regclass('sluice_message_ledger'))"),
            "");
}

TEST_F(LoginsSinkTest, AnExistingTableWithColumnsOfItsOwnIsUsed) {
  ASSERT_TRUE(conn()
                  .Exec("CREATE TABLE user_logins(id bigint GENERATED ALWAYS AS IDENTITY, "
                        "user_id varchar(128) NOT NULL, device_type varchar(32), "
                        "masked_ip varchar(256), masked_device_id varchar(256), locale "
                        "varchar(32), app_version integer, create_date date, "
                        "loaded_at timestamptz NOT NULL DEFAULT now(), note text)",
                        "create")
                  .ok());
  auto sink = LoginsSink::Open(url(), {}, "test");
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  ASSERT_TRUE((*sink)->Write(Rows({"x"}), Batch(LoginRejectSchema())).ok());
  EXPECT_EQ(Scalar("SELECT user_id FROM user_logins WHERE loaded_at IS NOT NULL"), "user-x");
}

// Sluice's own tables pass the check it makes of them, with the table name in any case.
TEST_F(LoginsSinkTest, TheTablesSluiceCreatesPassItsCheck) {
  const LoginsTables tables = LoginsTablesFor("Logins Table");
  ASSERT_TRUE(LoginsSink::Open(url(), tables, "test").ok());
  auto again = LoginsSink::Open(url(), tables, "test");
  ASSERT_TRUE(again.ok()) << again.status().message();
  ASSERT_TRUE((*again)->Write(Rows({"y"}), Batch(LoginRejectSchema())).ok());
  EXPECT_EQ(Scalar("SELECT count(*) FROM \"Logins Table\""), "1");
}

// docs/logins.md shows the statement the declaration gives (its layout aside), so the page
// cannot drift from the table the job makes.
TEST(LoginsTableDocs, TheDocsShowTheDeclaredTable) {
  std::ifstream in(std::string(SLUICE_TESTS_DIR) + "/../docs/logins.md");
  ASSERT_TRUE(in) << "docs/logins.md not found beside tests/";
  const std::string page{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const size_t start = page.find("CREATE TABLE IF NOT EXISTS user_logins(");
  ASSERT_NE(start, std::string::npos);
  const size_t end = page.find(';', start);
  ASSERT_NE(end, std::string::npos);
  const auto without_blanks = [](std::string_view s) {
    std::string out;
    for (char c : s) {
      if (c != ' ' && c != '\n') out += c;
    }
    return out;
  };
  EXPECT_EQ(without_blanks(page.substr(start, end - start)),
            without_blanks(CreateTableSql("user_logins", kLoginsColumns)));
}

TEST_F(LoginsSinkTest, PruningForgetsOnlyOldIds) {
  auto sink = LoginsSink::Open(url(), {}, "test");
  ASSERT_TRUE(sink.ok());
  ASSERT_TRUE((*sink)->Write(Rows({"old", "new"}), Batch(LoginRejectSchema())).ok());
  ASSERT_TRUE(conn()
                  .Exec("UPDATE sluice_message_ledger SET stored_at = now() - interval '20 "
                        "days' WHERE message_id = 'old'",
                        "age")
                  .ok());
  EXPECT_EQ(*(*sink)->PruneLedger(15), 1u);
  EXPECT_EQ(Scalar("SELECT string_agg(message_id, ',') FROM sluice_message_ledger"), "new");
}

}  // namespace
}  // namespace sluice::logins
