// A PostgreSQL session: the settings Sluice gives it, what overrides them, a reconnect after the
// server ended it, and errors that always say something.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "connectors/postgres/pg_connection.h"
#include "support/test_env.h"

namespace sluice {
namespace {

class PgSessionTest : public testing::PgTest {
 protected:
  // The test schema's URL with more parameters.
  std::string UrlWith(const std::string& params) { return url() + "&" + params; }

  std::string Show(PgConnection& c, const std::string& setting) {
    auto r = c.Query("SHOW " + setting, "show");
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? std::string(r->Value(0, 0)) : "";
  }

  // Ends every session named `application_name`, as a restart or failover would.
  void TerminateSessions(const std::string& application_name) {
    EXPECT_NE(Scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                     "application_name = '" +
                     application_name + "'"),
              "0");
  }
};

TEST_F(PgSessionTest, SessionsGetTheLockAndClientCheckSettings) {
  auto c = PgConnection::Connect(url());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(Show(**c, "lock_timeout"), "1min");
  EXPECT_EQ(Show(**c, "statement_timeout"), Show(conn(), "statement_timeout"));
  // The test URL names the test; without a name in the URL (or PGAPPNAME) it is "sluice".
  EXPECT_EQ(Show(**c, "application_name"),
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
  if (!std::getenv("PGAPPNAME")) {
    auto plain = PgConnection::Connect(testing::BasePgUrl());
    ASSERT_TRUE(plain.ok()) << plain.status().message();
    if (testing::BasePgUrl().find("application_name") == std::string::npos) {
      EXPECT_EQ(Show(**plain, "application_name"), "sluice");
    }
  }
  if (PQserverVersion((*c)->raw()) >= 140000) {
    EXPECT_EQ(Show(**c, "client_connection_check_interval"), "5s");
  }
}

TEST_F(PgSessionTest, SettingsInTheUrlWin) {
  // options= in the URL is the documented override; the test URL already sets search_path.
  std::string u = url();
  const std::string marker = "options=";
  const size_t at = u.find(marker);
  ASSERT_NE(at, std::string::npos);
  u.insert(at + marker.size(), "-clock_timeout%3D7s%20-cclient_connection_check_interval%3D0%20");
  auto c = PgConnection::Connect(u + "&application_name=mine");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(Show(**c, "lock_timeout"), "7s");
  EXPECT_EQ(Show(**c, "client_connection_check_interval"), "0");
  EXPECT_EQ(Show(**c, "application_name"), "mine");
}

// Case logins-reconnect-after-session-loss, at the connection: after pg_terminate_backend the
// next statement fails, and a reconnect restores the session's settings and statements.
TEST_F(PgSessionTest, AnEndedSessionIsReopenedWithItsStatements) {
  const std::string app = testing::UniqueName("reconnect");
  auto c = PgConnection::Connect(UrlWith("application_name=" + app));
  ASSERT_TRUE(c.ok()) << c.status().message();
  PgConnection& pg = **c;
  ASSERT_TRUE(pg.Prepare("twice", "SELECT $1::int4 * 2", "prepare").ok());
  EXPECT_TRUE(pg.ReconnectIfBroken().ok());  // a healthy session is left alone
  const std::string pid = std::to_string(PQbackendPID(pg.raw()));

  TerminateSessions(app);
  Status lost = pg.Exec("SELECT 1", "after the terminate");
  EXPECT_FALSE(lost.ok());
  EXPECT_NE(lost.message().find("after the terminate: "), std::string::npos);
  EXPECT_TRUE(pg.broken());

  Status back = pg.ReconnectIfBroken();
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_FALSE(pg.broken());
  EXPECT_NE(std::to_string(PQbackendPID(pg.raw())), pid);
  const uint32_t three = htonl(3);
  auto r = pg.ExecPrepared("twice", {std::string(reinterpret_cast<const char*>(&three), 4)},
                           "the prepared statement");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->Value(0, 0), "6");
  EXPECT_EQ(Show(pg, "lock_timeout"), "1min");
  EXPECT_EQ(Show(pg, "application_name"), app);
}

// An idle session the server ended is found before a statement fails: the server's farewell
// waits on the socket. QueryIdempotent runs on a new session without an error.
TEST_F(PgSessionTest, AnIdleSessionTheServerEndedIsFoundBeforeAStatementFails) {
  const std::string app = testing::UniqueName("idle-end");
  auto c = PgConnection::Connect(UrlWith("application_name=" + app));
  ASSERT_TRUE(c.ok()) << c.status().message();
  PgConnection& pg = **c;
  const int pid = PQbackendPID(pg.raw());
  TerminateSessions(app);
  // pg_terminate_backend only signals: wait until the backend is gone.
  for (int i = 0; i < 500 && Scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = " +
                                    std::to_string(pid)) != "0";
       ++i) {
    usleep(10000);
  }
  ASSERT_TRUE(pg.ReconnectIfBroken().ok());
  EXPECT_NE(PQbackendPID(pg.raw()), pid);
  auto r = pg.QueryIdempotent("SELECT current_setting('lock_timeout')", {}, "idempotent");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->Value(0, 0), "1min");

  // Ended again, and the statement itself finds out: it runs once more on a new session.
  const int second = PQbackendPID(pg.raw());
  TerminateSessions(app);
  for (int i = 0; i < 500 && Scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = " +
                                    std::to_string(second)) != "0";
       ++i) {
    usleep(10000);
  }
  auto again = pg.QueryIdempotent("SELECT 7", {}, "idempotent");
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->Value(0, 0), "7");
  EXPECT_NE(PQbackendPID(pg.raw()), second);
}

TEST_F(PgSessionTest, ALockWaitFailsSayingWhatWaitedForWhat) {
  ASSERT_TRUE(conn().Exec("CREATE TABLE held (id int)", "create").ok());
  std::string u = url();
  u.insert(u.find("options=") + 8, "-clock_timeout%3D200ms%20");
  auto c = PgConnection::Connect(u);
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_TRUE(conn().Exec("BEGIN; LOCK TABLE held IN ACCESS EXCLUSIVE MODE", "lock").ok());
  Status st = (*c)->Exec("INSERT INTO held VALUES (1)", "loading into held");
  ASSERT_TRUE(conn().Exec("ROLLBACK", "unlock").ok());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ((*c)->last_sqlstate(), "55P03");
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);  // another try may find the lock free
  EXPECT_NE(st.message().find("loading into held: ERROR:  canceling statement due to lock "
                              "timeout (waited longer than lock_timeout = 200ms for a lock another "
                              "session holds"),
            std::string::npos)
      << st.message();
  // The statement excerpt follows, pointing at the table that was waited for.
  EXPECT_NE(st.message().find("LINE 1: INSERT INTO held"), std::string::npos) << st.message();
}

// A constraint violation's DETAIL ("Failing row contains (...)", "Key (x)=(...) already
// exists") and a COPY's CONTEXT quote row values: errors keep only the SQLSTATE, the primary
// message and the names of the table, column and constraint.
TEST_F(PgSessionTest, ErrorsCarryNoRowValues) {
  const std::string secret = "zq-secret-7781@example.com";
  ASSERT_TRUE(conn()
                  .Exec("CREATE TABLE people (email text UNIQUE, n int, z int NOT NULL DEFAULT 0 "
                        "CHECK (z >= 0))",
                        "create")
                  .ok());
  ASSERT_TRUE(conn().Query("INSERT INTO people (email) VALUES ($1)", {secret}, "seed").ok());

  auto unique = conn().Query("INSERT INTO people (email) VALUES ($1)", {secret}, "unique");
  ASSERT_FALSE(unique.ok());
  const std::string u = unique.status().message();
  EXPECT_EQ(u.find("7781"), std::string::npos) << u;
  EXPECT_NE(u.find("duplicate key value violates unique constraint"), std::string::npos) << u;
  EXPECT_NE(u.find("constraint \"people_email_key\""), std::string::npos) << u;
  EXPECT_NE(u.find("SQLSTATE 23505"), std::string::npos) << u;

  auto not_null =
      conn().Query("INSERT INTO people (email, z) VALUES ($1, NULL)", {secret + "x"}, "not null");
  ASSERT_FALSE(not_null.ok());
  const std::string nn = not_null.status().message();
  EXPECT_EQ(nn.find("7781"), std::string::npos) << nn;
  EXPECT_EQ(nn.find("Failing row"), std::string::npos) << nn;
  EXPECT_NE(nn.find("column \"z\""), std::string::npos) << nn;
  EXPECT_NE(nn.find("SQLSTATE 23502"), std::string::npos) << nn;

  auto check =
      conn().Query("INSERT INTO people (email, z) VALUES ($1, -1)", {secret + "y"}, "check");
  ASSERT_FALSE(check.ok());
  EXPECT_EQ(check.status().message().find("7781"), std::string::npos) << check.status().message();

  // A data exception quotes the value in its primary message.
  auto bad_int = conn().Query("INSERT INTO people (n) VALUES ($1)", {"7781zz"}, "bad int");
  ASSERT_FALSE(bad_int.ok());
  const std::string b = bad_int.status().message();
  EXPECT_EQ(b.find("7781"), std::string::npos) << b;
  EXPECT_NE(b.find("invalid input syntax for type integer"), std::string::npos) << b;

  // COPY: CONTEXT names the line and its values.
  ASSERT_TRUE(conn().CopyBegin("COPY people (email, n) FROM STDIN", "copy").ok());
  ASSERT_TRUE(conn().CopyPut(secret + "z\t7781q\n").ok());
  Status copy = conn().CopyEnd();
  ASSERT_FALSE(copy.ok());
  EXPECT_EQ(copy.message().find("7781"), std::string::npos) << copy.message();
}

// The other side: a Sluice killed mid-statement must not leave its statement running, holding
// locks, until it ends by itself. client_connection_check_interval makes the backend notice.
TEST_F(PgSessionTest, AKilledSluiceLeavesNoStatementRunning) {
  if (PQserverVersion(conn().raw()) < 140000) {
    GTEST_SKIP() << "client_connection_check_interval needs PostgreSQL 14";
  }
  ASSERT_TRUE(conn().Exec("CREATE TABLE held (id int)", "create").ok());
  const std::string app = testing::UniqueName("killed");
  // Holds a lock on `held` for ten minutes unless the backend notices its client is gone.
  const int pid = testing::SpawnSluice(
      {"warehouse", "query", "--pg", UrlWith("application_name=" + app), "-e",
       "BEGIN; LOCK TABLE held IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(600); COMMIT"},
      "");
  ASSERT_GT(pid, 0);
  // The sleep itself: the script's statements go one by one, and between them the session is
  // "idle in transaction" for a moment, which a wait on any active statement could catch.
  const std::string running = "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" +
                              app + "' AND state = 'active' AND query LIKE '%pg_sleep%'";
  // Generous: under the sanitizers, at the end of a parallel run, start-up can be slow. A
  // sluice that ended before its statement started is reported with its exit status.
  int status = 0;
  bool ended = false;
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
       Scalar(running) != "1" && std::chrono::steady_clock::now() < deadline;) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      ended = true;
      break;
    }
    usleep(20000);
  }
  ASSERT_FALSE(ended) << "sluice ended before its statement started, status " << status;
  if (Scalar(running) != "1") kill(pid, SIGKILL);
  ASSERT_EQ(Scalar(running), "1") << "the statement never started";
  kill(pid, SIGKILL);
  testing::WaitProcess(pid);
  const std::string any =
      "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + app + "'";
  // A deadline, not a speed requirement: without the setting the backend stays for 600 s.
  for (int i = 0; i < 1200 && Scalar(any) != "0"; ++i)
    usleep(50000);
  EXPECT_EQ(Scalar(any), "0") << "the killed client's statement is still running";
  // And the lock it held is free again.
  Status lock = conn().Exec("BEGIN; LOCK TABLE held IN ACCESS EXCLUSIVE MODE NOWAIT", "lock");
  EXPECT_TRUE(lock.ok()) << lock.message();
  (void)conn().Exec("ROLLBACK", "unlock");
}

// Case: `warehouse query -f` on an empty file said nothing at all.
TEST_F(PgSessionTest, AnEmptyScriptIsAnErrorWithAMessage) {
  for (const char* sql : {"", "  \n", "-- only a comment\n", "/* nothing */"}) {
    auto r = conn().ExecScript(sql, "query failed");
    ASSERT_FALSE(r.ok()) << sql;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(),
              "query failed: there is no SQL statement to run (empty, or only comments)");
  }
}

TEST_F(PgSessionTest, WarehouseQueryOnAnEmptyFileSaysSo) {
  const std::string empty = testing::WriteTempFile(testing::UniqueName("empty") + ".sql", "\n \n");
  testing::RunResult run = testing::RunSluice({"warehouse", "query", "-f", empty}, url());
  EXPECT_EQ(run.exit_code, 1);  // the file is input, not usage
  EXPECT_NE(run.err.find(empty + " is empty: there is no SQL statement to run"), std::string::npos)
      << run.err;
  const std::string comments =
      testing::WriteTempFile(testing::UniqueName("comments") + ".sql", "-- nothing yet\n");
  run = testing::RunSluice({"warehouse", "query", "-f", comments}, url());
  EXPECT_EQ(run.exit_code, 1);  // the file is input, not usage
  EXPECT_NE(run.err.find("there is no SQL statement to run (empty, or only comments)"),
            std::string::npos)
      << run.err;
  std::remove(empty.c_str());
  std::remove(comments.c_str());
}

TEST_F(PgSessionTest, AnUnreachableServerIsNamedWithAReason) {
  auto c = PgConnection::Connect("postgresql://127.0.0.1:1/none?connect_timeout=2");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(c.status().message().find("cannot connect to PostgreSQL at "), std::string::npos);
  EXPECT_GT(c.status().message().size(), std::string("cannot connect to PostgreSQL at ").size() +
                                             std::string("postgresql://127.0.0.1:1/none").size() +
                                             4);
}

}  // namespace
}  // namespace sluice
