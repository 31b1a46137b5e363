// PgTransaction against a real PostgreSQL: a commit others can see, a rollback on leaving scope,
// a COMMIT that PostgreSQL turns into ROLLBACK reported as an error, and a session lost or
// replaced inside the transaction.
#include "connectors/postgres/pg_transaction.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "connectors/postgres/pg_upsert_sink.h"
#include "core/batch.h"
#include "support/test_env.h"

namespace sluice {
namespace {

class PgTransactionTest : public testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(conn().Exec("CREATE TABLE items (id int PRIMARY KEY)", "creating items").ok());
    auto other = PgConnection::Connect(url());
    ASSERT_TRUE(other.ok()) << other.status().message();
    other_ = std::move(*other);
  }

  // A second session of the test's own, for the transactions under test; conn() looks on.
  PgConnection& pg() { return *other_; }

  std::string Count() { return Scalar("SELECT count(*) FROM items"); }

  // Ends pg()'s session as a restart or failover would, and waits until the backend is gone.
  void TerminateSession() {
    const std::string pid = std::to_string(PQbackendPID(pg().raw()));
    ASSERT_EQ(Scalar("SELECT pg_terminate_backend(" + pid + ")"), "t");
    for (int i = 0;
         i < 500 && Scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid) != "0";
         ++i) {
      usleep(10000);
    }
  }

 private:
  std::unique_ptr<PgConnection> other_;
};

TEST_F(PgTransactionTest, CommitMakesTheRowsVisibleToOtherSessions) {
  auto transaction = PgTransaction::Begin(pg(), "storing items");
  ASSERT_TRUE(transaction.ok()) << transaction.status().message();
  ASSERT_TRUE(pg().Exec("INSERT INTO items VALUES (1), (2)", "inserting").ok());
  EXPECT_EQ(Count(), "0");  // not before the commit
  Status st = transaction->Commit();
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_FALSE(transaction->open());
  EXPECT_EQ(Count(), "2");
  EXPECT_EQ(PQtransactionStatus(pg().raw()), PQTRANS_IDLE);
}

TEST_F(PgTransactionTest, LeavingScopeWithoutCommitRollsBack) {
  {
    auto transaction = PgTransaction::Begin(pg(), "storing items");
    ASSERT_TRUE(transaction.ok()) << transaction.status().message();
    ASSERT_TRUE(pg().Exec("INSERT INTO items VALUES (1)", "inserting").ok());
  }
  EXPECT_EQ(PQtransactionStatus(pg().raw()), PQTRANS_IDLE);
  EXPECT_EQ(Count(), "0");
  // The session goes on: the next transaction commits.
  auto next = PgTransaction::Begin(pg(), "storing items");
  ASSERT_TRUE(next.ok()) << next.status().message();
  ASSERT_TRUE(pg().Exec("INSERT INTO items VALUES (1)", "inserting").ok());
  ASSERT_TRUE(next->Commit().ok());
  EXPECT_EQ(Count(), "1");
}

TEST_F(PgTransactionTest, AnExplicitRollbackEndsTheGuard) {
  auto transaction = PgTransaction::Begin(pg(), "storing items");
  ASSERT_TRUE(transaction.ok()) << transaction.status().message();
  ASSERT_TRUE(pg().Exec("INSERT INTO items VALUES (1)", "inserting").ok());
  Status st = transaction->Rollback();
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(Count(), "0");
  EXPECT_EQ(transaction->Commit().code(), StatusCode::kInternal);
  EXPECT_EQ(transaction->Rollback().code(), StatusCode::kInternal);
}

// PostgreSQL answers COMMIT of an aborted transaction with the tag ROLLBACK and no error.
TEST_F(PgTransactionTest, CommitAfterAFailedStatementIsAnErrorAndStoresNothing) {
  auto transaction = PgTransaction::Begin(pg(), "storing items");
  ASSERT_TRUE(transaction.ok()) << transaction.status().message();
  ASSERT_TRUE(pg().Exec("INSERT INTO items VALUES (1)", "inserting").ok());
  EXPECT_FALSE(pg().Exec("INSERT INTO items VALUES (1)", "inserting again").ok());
  Status st = transaction->Commit();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kDatabase);
  EXPECT_EQ(st.message().rfind("storing items: ", 0), 0u) << st.message();
  EXPECT_NE(st.message().find("ROLLBACK"), std::string::npos) << st.message();
  EXPECT_EQ(PQtransactionStatus(pg().raw()), PQTRANS_IDLE);
  EXPECT_EQ(Count(), "0");
}

TEST_F(PgTransactionTest, ATerminatedSessionFailsTheCommitAsUnavailable) {
  auto transaction = PgTransaction::Begin(pg(), "storing items");
  ASSERT_TRUE(transaction.ok()) << transaction.status().message();
  ASSERT_TRUE(pg().Exec("INSERT INTO items VALUES (1)", "inserting").ok());
  TerminateSession();
  Status st = transaction->Commit();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.message();
  EXPECT_EQ(st.message().rfind("storing items: ", 0), 0u) << st.message();
  EXPECT_TRUE(pg().broken());
  EXPECT_EQ(Count(), "0");
}

TEST_F(PgTransactionTest, LeavingScopeOnATerminatedSessionDoesNotFail) {
  {
    auto transaction = PgTransaction::Begin(pg(), "storing items");
    ASSERT_TRUE(transaction.ok()) << transaction.status().message();
    ASSERT_TRUE(pg().Exec("INSERT INTO items VALUES (1)", "inserting").ok());
    TerminateSession();
    EXPECT_FALSE(pg().Exec("INSERT INTO items VALUES (2)", "inserting").ok());
    EXPECT_TRUE(pg().broken());
  }
  auto on_lost = PgTransaction::Begin(pg(), "storing items");
  EXPECT_EQ(on_lost.status().code(), StatusCode::kUnavailable);  // BEGIN cannot run
  ASSERT_TRUE(pg().ReconnectIfBroken().ok());
  {
    // Ended before anything noticed: the guard's ROLLBACK is the first to find out.
    auto transaction = PgTransaction::Begin(pg(), "storing items");
    ASSERT_TRUE(transaction.ok()) << transaction.status().message();
    ASSERT_TRUE(pg().Exec("INSERT INTO items VALUES (3)", "inserting").ok());
    TerminateSession();
  }
  EXPECT_EQ(Count(), "0");
}

// A reconnect between the statements of a transaction opens a new session outside any block,
// where a bare COMMIT would only warn and "succeed".
TEST_F(PgTransactionTest, ASessionReplacedByAReconnectFailsTheCommit) {
  auto transaction = PgTransaction::Begin(pg(), "storing items");
  ASSERT_TRUE(transaction.ok()) << transaction.status().message();
  ASSERT_TRUE(pg().Exec("INSERT INTO items VALUES (1)", "inserting").ok());
  TerminateSession();
  EXPECT_FALSE(pg().Exec("INSERT INTO items VALUES (2)", "inserting").ok());
  ASSERT_TRUE(pg().ReconnectIfBroken().ok());
  ASSERT_TRUE(pg().Exec("INSERT INTO items VALUES (3)", "inserting outside").ok());
  Status st = transaction->Commit();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.message();
  EXPECT_NE(st.message().find("nothing was committed"), std::string::npos) << st.message();
  EXPECT_EQ(Count(), "1");  // only the row written outside the transaction
}

TEST_F(PgTransactionTest, ABlockEndedByTheCallersOwnStatementIsNotCommittedSilently) {
  auto transaction = PgTransaction::Begin(pg(), "storing items");
  ASSERT_TRUE(transaction.ok()) << transaction.status().message();
  ASSERT_TRUE(pg().Exec("INSERT INTO items VALUES (1); ROLLBACK", "inserting").ok());
  EXPECT_EQ(transaction->Commit().code(), StatusCode::kInternal);
  EXPECT_EQ(Count(), "0");
}

TEST_F(PgTransactionTest, BeginInsideAnOpenTransactionIsRefused) {
  auto outer = PgTransaction::Begin(pg(), "outer");
  ASSERT_TRUE(outer.ok()) << outer.status().message();
  auto inner = PgTransaction::Begin(pg(), "inner");
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.status().code(), StatusCode::kInternal);
  EXPECT_EQ(PQtransactionStatus(pg().raw()), PQTRANS_INTRANS);  // the outer block is untouched
  ASSERT_TRUE(pg().Exec("INSERT INTO items VALUES (1)", "inserting").ok());
  ASSERT_TRUE(outer->Commit().ok());
  EXPECT_EQ(Count(), "1");
}

// PgConnection::ExecSchemaChange runs in a PgTransaction: a failed script leaves nothing behind
// and the session outside a transaction.
TEST_F(PgTransactionTest, AFailedSchemaChangeLeavesNothingBehind) {
  Status st = pg().ExecSchemaChange("CREATE TABLE made (x int); CREATE TABLE made (x int)",
                                    "creating made");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message().rfind("creating made: ", 0), 0u) << st.message();
  EXPECT_EQ(PQtransactionStatus(pg().raw()), PQTRANS_IDLE);
  EXPECT_EQ(Scalar("SELECT to_regclass('made') IS NULL"), "t");
  ASSERT_TRUE(pg().ExecSchemaChange("CREATE TABLE made (x int)", "creating made").ok());
  EXPECT_EQ(Scalar("SELECT to_regclass('made') IS NULL"), "f");
}

// PgUpsertSink holds its load's PgTransaction: a sink dropped before Commit(), even in the middle
// of its COPY, leaves the table as it was (the key it dropped for a direct load included) and
// its session outside a transaction.
TEST_F(PgTransactionTest, AnUpsertSinkDroppedBeforeCommitLeavesTheTableAsItWas) {
  ASSERT_TRUE(conn()
                  .Exec("CREATE TABLE loaded (id int4 PRIMARY KEY, name text, first_seen_at "
                        "timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL "
                        "DEFAULT now(), deleted_in_source_at timestamptz)",
                        "creating loaded")
                  .ok());
  const UpsertTarget target{
      "loaded", {{"id", ColumnType::kInt32}, {"name", ColumnType::kText}}, {"id"}};
  Batch rows(target.columns);
  for (int id : {1, 2}) {
    rows.column(0).AppendInt(id);
    rows.column(1).AppendText("n" + std::to_string(id));
  }
  const std::string loaded = "SELECT count(*) FROM loaded";
  const std::string keys =
      "SELECT count(*) FROM pg_constraint WHERE conrelid = 'loaded'::regclass AND contype = 'p'";
  {
    auto sink = PgUpsertSink::Begin(&pg(), target, {});
    ASSERT_TRUE(sink.ok()) << sink.status().message();
    ASSERT_TRUE((*sink)->Write(rows).ok());  // the COPY is still open
  }
  EXPECT_EQ(PQtransactionStatus(pg().raw()), PQTRANS_IDLE);
  {
    auto sink = PgUpsertSink::Begin(&pg(), target, {});
    ASSERT_TRUE(sink.ok()) << sink.status().message();
    ASSERT_TRUE((*sink)->Write(rows).ok());
    auto stats = (*sink)->Finish();
    ASSERT_TRUE(stats.ok()) << stats.status().message();
    EXPECT_TRUE(stats->direct_load);
  }
  EXPECT_EQ(PQtransactionStatus(pg().raw()), PQTRANS_IDLE);
  EXPECT_EQ(Scalar(loaded), "0");
  EXPECT_EQ(Scalar(keys), "1");

  auto sink = PgUpsertSink::Begin(&pg(), target, {});
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  ASSERT_TRUE((*sink)->Write(rows).ok());
  ASSERT_TRUE((*sink)->Finish().ok());
  Status st = (*sink)->Commit();
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(Scalar(loaded), "2");
  EXPECT_EQ(Scalar(keys), "1");
}

// A sink that cannot start (no primary key to upsert on) ends the transaction it began.
TEST_F(PgTransactionTest, AnUpsertSinkThatCannotStartLeavesNoTransactionOpen) {
  ASSERT_TRUE(conn().Exec("CREATE TABLE keyless (id int4)", "creating keyless").ok());
  auto sink = PgUpsertSink::Begin(&pg(), {"keyless", {{"id", ColumnType::kInt32}}, {"id"}}, {});
  ASSERT_FALSE(sink.ok());
  EXPECT_NE(sink.status().message().find("no primary key"), std::string::npos)
      << sink.status().message();
  EXPECT_EQ(PQtransactionStatus(pg().raw()), PQTRANS_IDLE);
}

}  // namespace
}  // namespace sluice
