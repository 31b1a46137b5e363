// Exactly-once storage: the ledger makes a redelivered message add nothing.
#include "jobs/logins/logins_sink.h"

#include <gtest/gtest.h>

#include "jobs/logins/login_record.h"
#include "support/test_env.h"

namespace sluice::logins {
namespace {

class LoginsSinkTest : public testing::PgTest {};

Batch Rows(std::initializer_list<const char*> ids) {
  Batch rows(LoginRowSchema());
  for (const char* id : ids) {
    rows.column(0).AppendText(id);
    rows.column(1).AppendText(std::string("user-") + id);
    for (size_t c = 2; c < 6; ++c)
      rows.column(c).AppendNull();
    rows.column(6).AppendInt(2003000);
    rows.column(7).AppendInt(19000);
  }
  return rows;
}

TEST_F(LoginsSinkTest, ARedeliveredBatchAddsNothing) {
  auto sink = LoginsSink::Open(url(), {}, "test");
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  Batch rejects(LoginRejectSchema());
  rejects.column(0).AppendText("bad-1");
  rejects.column(1).AppendInt(0);
  rejects.column(2).AppendText("user_id is missing");
  rejects.column(3).AppendText("k:xyz");

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
