// The NDJSON file source: a checkpoint committed with each batch makes re-runs and resumed runs
// store every line exactly once.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "connectors/postgres/pg_connection.h"
#include "support/test_env.h"

namespace sluice::logins {
namespace {

using sluice::testing::RunResult;
using sluice::testing::RunSluice;

class LoginsFileSource : public sluice::testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (IsSkipped() || HasFailure()) return;
    key_ = ::testing::TempDir() + "/" + sluice::testing::UniqueName("file-source") + ".key";
    ASSERT_EQ(RunSluice({"logins", "keygen", key_}, "").exit_code, 0);
    path_ = ::testing::TempDir() + "/" + sluice::testing::UniqueName("events") + ".ndjson";
  }
  void TearDown() override {
    std::remove(key_.c_str());
    std::remove(path_.c_str());
    PgTest::TearDown();
  }
  void Append(int from, int to) {
    std::ofstream out(path_, std::ios::app);
    for (int i = from; i < to; ++i) {
      if (i % 100 == 99) {
        out << "not json at all\n";
      } else {
        out << "{\"user_id\": \"u" << i << "\", \"app_version\": \"1.0\", \"ip\": \"10.1.1."
            << i % 250 << "\"}\n";
      }
    }
  }
  RunResult Run() {
    return RunSluice({"logins", "run", "--file", path_, "--key-file", key_, "--batch-size", "700"},
                     url());
  }

  std::string key_;
  std::string path_;
};

TEST_F(LoginsFileSource, ReRunsAddNothingAndAppendedLinesLoadOnce) {
  Append(0, 5000);
  RunResult first = Run();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("5000 messages: 4950 stored in user_logins, 50 rejected"),
            std::string::npos)
      << first.out;
  RunResult again = Run();
  EXPECT_NE(again.out.find("0 messages: 0 stored"), std::string::npos) << again.out;
  Append(5000, 6000);
  RunResult more = Run();
  EXPECT_NE(more.out.find("1000 messages: 990 stored"), std::string::npos) << more.out;
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins"), "5940");
  EXPECT_EQ(Scalar("SELECT count(DISTINCT user_id) FROM user_logins"), "5940");
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins_rejects"), "60");
  EXPECT_EQ(Scalar("SELECT min(reason) FROM user_logins_rejects"),
            Scalar("SELECT max(reason) FROM user_logins_rejects"));
  EXPECT_EQ(Scalar("SELECT position FROM sluice_checkpoints"), "6000");
}

TEST_F(LoginsFileSource, TwoProcessesOnOneFileNeverStoreALineTwice) {
  Append(0, 20000);
  int a = sluice::testing::SpawnSluice(
      {"logins", "run", "--file", path_, "--key-file", key_, "--batch-size", "500"}, url());
  int b = sluice::testing::SpawnSluice(
      {"logins", "run", "--file", path_, "--key-file", key_, "--batch-size", "500"}, url());
  int code_a = sluice::testing::WaitProcess(a);
  int code_b = sluice::testing::WaitProcess(b);
  // One of them may find the checkpoint moved under it and stop with an error; never both
  // succeed at storing the same lines.
  EXPECT_TRUE(code_a == 0 || code_b == 0) << code_a << " " << code_b;
  RunResult finish = Run();  // whatever the loser left is picked up from the checkpoint
  EXPECT_EQ(finish.exit_code, 0) << finish.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins"), "19800");
  EXPECT_EQ(Scalar("SELECT count(DISTINCT user_id) FROM user_logins"), "19800");
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins_rejects"), "200");
}

// Case: a JSON array file, which `queue send` accepts, made every line a reject and exit 0. It
// is read as its elements, resumes by element, and a broken one fails before storing anything.
// A lock timeout (55P03) may pass: the writer retries it, unlike a refused grant. The test
// holds the checkpoint's row until the run's attempt has timed out waiting for it, then lets go.
TEST_F(LoginsFileSource, ALockTimeoutIsRetried) {
  Append(0, 1);
  ASSERT_EQ(Run().exit_code, 0);
  Append(1, 2);
  std::string u = url();
  ASSERT_NE(u.find("options="), std::string::npos) << "the test URL sets no options";
  u.insert(u.find("options=") + 8, "-clock_timeout%3D200ms%20");
  ASSERT_TRUE(conn().Exec("BEGIN", "begin").ok());
  ASSERT_TRUE(conn().Query("SELECT 1 FROM sluice_checkpoints FOR UPDATE", "hold the row").ok());
  RunResult run;
  std::thread sluice([&] {
    run = RunSluice({"logins", "run", "--file", path_, "--key-file", key_, "--pg", u}, u);
  });
  auto watcher = PgConnection::Connect(url());
  ASSERT_TRUE(watcher.ok()) << watcher.status().message();
  // Each poll is its own transaction, so it sees pg_stat_activity anew.
  const std::string holder = std::to_string(PQbackendPID(conn().raw()));
  auto waiting = [&] {
    auto r = (*watcher)->Query(
        "SELECT count(*) FROM pg_stat_activity WHERE pg_blocking_pids(pid) @> ARRAY[" + holder +
            "]",
        "watching");
    return r.ok() && r->Count(0, 0) > 0;
  };
  bool waited = false;
  for (int i = 0; i < 3000 && !waited; ++i) {
    waited = waiting();
    if (!waited) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (int i = 0; i < 3000 && waited && waiting(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(conn().Exec("ROLLBACK", "let go").ok());
  sluice.join();
  EXPECT_TRUE(waited) << "the run never waited for the row";
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("(attempt 1 of 8)"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("lock timeout"), std::string::npos) << run.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins"), "2");
}

// The longest --table accepted (55 bytes) gets its rejects table under its whole name.
TEST_F(LoginsFileSource, TheLongestTableNameKeepsItsRejectsTableWhole) {
  Append(0, 100);  // line 100 is a reject
  const std::string table(55, 'l');
  RunResult r =
      RunSluice({"logins", "run", "--file", path_, "--key-file", key_, "--table", table}, url());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + table), "99");
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + table + "_rejects"), "1");
}

TEST_F(LoginsFileSource, AJsonArrayFileIsReadAsItsElements) {
  {
    std::ofstream out(path_);
    out << "[\n";
    for (int i = 0; i < 50; ++i) {
      out << (i ? ",\n" : "") << "  {\"user_id\": \"u" << i << "\", \"app_version\": \"1.0\"}";
    }
    out << ",\n  \"not an object\"\n]\n";
  }
  RunResult first =
      RunSluice({"logins", "run", "--file", path_, "--key-file", key_, "--batch-size", "7"}, url());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("51 messages: 50 stored in user_logins, 1 rejected"), std::string::npos)
      << first.out;
  EXPECT_EQ(Scalar("SELECT count(DISTINCT user_id) FROM user_logins"), "50");
  EXPECT_EQ(Scalar("SELECT reason FROM user_logins_rejects"),
            "the body is a string, not a JSON object");
  EXPECT_NE(Scalar("SELECT message_id FROM user_logins_rejects").find(":[50]"), std::string::npos);
  EXPECT_EQ(Scalar("SELECT position FROM sluice_checkpoints"), "51");
  RunResult again = Run();
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("0 messages: 0 stored"), std::string::npos) << again.out;
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins"), "50");
}

// Pretty-printed events (`jq . events.ndjson > file`) are one message each, not one per line.
TEST_F(LoginsFileSource, PrettyPrintedEventsAreOneMessageEach) {
  {
    std::ofstream out(path_);
    for (int i = 0; i < 30; ++i) {
      out << "{\n  \"user_id\": \"u" << i << "\",\n  \"app_version\": \"1.0\",\n"
          << "  \"tags\": [\n    \"x\"\n  ]\n}\n";
    }
  }
  RunResult run =
      RunSluice({"logins", "run", "--file", path_, "--key-file", key_, "--batch-size", "7"}, url());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("30 messages: 30 stored in user_logins, 0 rejected"), std::string::npos)
      << run.out;
  EXPECT_EQ(Scalar("SELECT position FROM sluice_checkpoints"), "210");
  RunResult again = Run();
  EXPECT_NE(again.out.find("0 messages: 0 stored"), std::string::npos) << again.out;
  EXPECT_EQ(Scalar("SELECT count(DISTINCT user_id) FROM user_logins"), "30");
}

TEST_F(LoginsFileSource, ABrokenJsonArrayFailsBeforeAnythingIsStored) {
  {
    std::ofstream out(path_);
    out << "[{\"user_id\": \"u1\"},\n {\"user_id\": \"u2\"}\n";  // no closing bracket
  }
  RunResult run = Run();
  EXPECT_EQ(run.exit_code, 1) << run.err;  // bad input data, not bad usage
  EXPECT_NE(run.err.find("not a well-formed JSON array"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("byte offset"), std::string::npos) << run.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins"), "0");
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins_rejects"), "0");
}

std::string LoginLine(const std::string& user) {
  return "{\"user_id\":\"" + user + "\",\"app_version\":\"1.0\",\"ip\":\"10.1.1.1\"}\n";
}

// Case: the same file run into another --table said "resumes after message 1" and stored
// nothing: the checkpoint was per file. It is per file and table; the default table keeps the
// name it had, so its existing checkpoints still hold.
TEST_F(LoginsFileSource, TheSameFileLoadsIntoEachTable) {
  std::ofstream(path_) << LoginLine("u1") << LoginLine("u2");
  RunResult first = Run();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM sluice_checkpoints WHERE name LIKE '%#table=%'"), "0");
  for (int run = 0; run < 2; ++run) {
    RunResult other = RunSluice(
        {"logins", "run", "--file", path_, "--key-file", key_, "--table", "other_logins"}, url());
    ASSERT_EQ(other.exit_code, 0) << other.err;
    EXPECT_NE(other.out.find(run == 0 ? "2 messages: 2 stored in other_logins"
                                      : "0 messages: 0 stored in other_logins"),
              std::string::npos)
        << other.out;
  }
  EXPECT_EQ(Scalar("SELECT count(*) FROM other_logins"), "2");
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins"), "2");
  EXPECT_EQ(Scalar("SELECT count(*) FROM sluice_checkpoints WHERE name LIKE "
                   "'%#table=other_logins' AND position = 2"),
            "1");
  RunResult again = Run();
  EXPECT_NE(again.out.find("0 messages: 0 stored in user_logins"), std::string::npos) << again.out;
}

// Case: a path that is not UTF-8 failed the whole run reading the checkpoint. It loads, its
// ids and checkpoint escaped, and a re-run finds the checkpoint.
TEST_F(LoginsFileSource, APathThatIsNotUtf8Loads) {
  const std::string dir = ::testing::TempDir() + "/" + sluice::testing::UniqueName("bad\xE9name");
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  const std::string path = dir + "/ev.ndjson";
  std::ofstream(path) << LoginLine("u1") << "not json\n";
  for (int run = 0; run < 2; ++run) {
    RunResult r = RunSluice({"logins", "run", "--file", path, "--key-file", key_}, url());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find(run == 0 ? "2 messages: 1 stored" : "0 messages: 0 stored"),
              std::string::npos)
        << r.out;
  }
  EXPECT_EQ(Scalar("SELECT count(*) FROM sluice_checkpoints WHERE name LIKE '%bad\\\\351name%'"),
            "1");
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins_rejects WHERE message_id LIKE "
                   "'%bad\\\\351name%/ev.ndjson:2'"),
            "1");
  std::remove(path.c_str());
  ::rmdir(dir.c_str());
}

// Case: a 200 MB line was held whole (629 MB peak). A line over 64 MiB is a reject named by its
// line and size, without a body, and the lines around it load.
TEST_F(LoginsFileSource, ALineOverTheLimitIsARejectWithoutItsBody) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << "\xEF\xBB\xBF" << LoginLine("u1") << std::string((64 << 20) + 5, 'a') << "\n"
        << LoginLine("u3");
  }
  RunResult r = Run();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("3 messages: 2 stored in user_logins, 1 rejected"), std::string::npos)
      << r.out;
  EXPECT_EQ(Scalar("SELECT reason FROM user_logins_rejects WHERE message_id LIKE '%:2' AND "
                   "body_encrypted IS NULL"),
            std::to_string((64 << 20) + 5) +
                " bytes, over the 67108864 bytes a --file message may have; not read");
}

}  // namespace
}  // namespace sluice::logins
