// Each command run as a role holding exactly the grants its docs list (docs/logins.md,
// docs/report.md, docs/warehouse.md), on tables an owner created ahead of time, with no CREATE
// on the schema. The grants here are the docs' lists: a command that starts needing more fails
// its test, and the docs must follow.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "support/report_fixture.h"
#include "support/test_env.h"

namespace sluice {
namespace {

using testing::PgTest;
using testing::RunResult;
using testing::RunSluice;
using testing::WriteTempFile;

constexpr const char* kLogin =
    R"({"user_id":"u1","app_version":"2.3.0","device_type":"ios","ip":"10.1.2.3",)"
    R"("locale":"US","device_id":"123-45-6789"})";
constexpr const char* kOtherLogin =
    R"({"user_id":"u2","app_version":"2.3.1","device_type":"ios","ip":"10.1.2.4",)"
    R"("locale":"US","device_id":"123-45-6780"})";

class LeastPrivilege : public PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFailure() || IsSkipped()) return;
    schema_ = Scalar("SELECT current_schema()");
    ASSERT_FALSE(schema_.empty());
    RunResult key = RunSluice({"logins", "keygen", KeyPath()}, url());
    ASSERT_EQ(key.exit_code, 0) << key.err;
  }

  void TearDown() override {
    for (const auto& role : roles_) {
      (void)conn().Exec("DROP OWNED BY " + role + "; DROP ROLE " + role, "dropping the role");
    }
    PgTest::TearDown();
  }

  const std::string& KeyPath() {
    if (key_path_.empty()) key_path_ = WriteTempFile("least_privilege.key", "") + ".k";
    return key_path_;
  }

  // Creates a login role with USAGE on the test's schema and `grants` ("{role}" and
  // "{schema}" stand for the names), and returns a URL that connects as it.
  std::string RoleUrl(const std::string& grants) {
    std::string role = testing::UniqueName("sluice_role");
    for (char& c : role)
      c = c == '-' ? '_' : c;
    roles_.push_back(role);
    std::string sql = "CREATE ROLE " + role + " LOGIN PASSWORD 'role-pw'; GRANT USAGE ON SCHEMA " +
                      schema_ + " TO " + role + "; " + grants;
    for (const auto& [from, to] : {std::pair<std::string, std::string>{"{role}", role},
                                   std::pair<std::string, std::string>{"{schema}", schema_}}) {
      for (size_t p = sql.find(from); p != std::string::npos; p = sql.find(from, p + to.size()))
        sql.replace(p, from.size(), to);
    }
    Status st = conn().Exec(sql, "creating the role");
    EXPECT_TRUE(st.ok()) << st.message();
    // Same server, database and search_path as the owner's URL; another user.
    std::string u = url();
    size_t start = u.find("://") + 3;
    size_t at = u.find('@', start);
    return u.substr(0, start) + role + ":role-pw" + u.substr(at);
  }

  RunResult LoginsFromFile(const std::string& as_url, const std::string& line) {
    return RunSluice({"logins", "run", "--pg", as_url, "--key-file", KeyPath(), "--file",
                      WriteTempFile("logins.ndjson", line + "\n")},
                     as_url);
  }

  std::string schema_;

 private:
  std::vector<std::string> roles_;
  std::string key_path_;
};

// The case dml-only-role: tables made by an owner; the consumer has DML grants only.
TEST_F(LeastPrivilege, LoginsRunFromAFileWithTheDocumentedGrants) {
  RunResult owner = LoginsFromFile(url(), kLogin);
  ASSERT_EQ(owner.exit_code, 0) << owner.err;
  std::string consumer = RoleUrl(
      "GRANT INSERT ON user_logins, user_logins_rejects TO {role}; "
      "GRANT SELECT, INSERT, UPDATE ON sluice_checkpoints TO {role}");
  RunResult run = LoginsFromFile(consumer, kOtherLogin);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins"), "2");
}

TEST_F(LeastPrivilege, LoginsRunFromAQueueWithTheDocumentedGrants) {
  SLUICE_REQUIRE_AWS();
  RunResult owner = LoginsFromFile(url(), kLogin);
  ASSERT_EQ(owner.exit_code, 0) << owner.err;
  std::string queue = testing::UniqueName("least-privilege");
  ASSERT_EQ(RunSluice({"queue", "create", queue}, url()).exit_code, 0);
  ASSERT_EQ(RunSluice({"queue", "send", queue,
                       WriteTempFile("two.ndjson", std::string(kOtherLogin) + "\n")},
                      url())
                .exit_code,
            0);
  std::string consumer = RoleUrl(
      "GRANT INSERT ON user_logins, user_logins_rejects TO {role}; "
      "GRANT SELECT, INSERT, DELETE ON sluice_message_ledger TO {role}");
  RunResult run = RunSluice({"logins", "run", "--pg", consumer, "--key-file", KeyPath(), "--queue",
                             queue, "--until-empty", "--wait-seconds", "1"},
                            consumer);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins"), "2");
}

// Without the tables, a role that cannot create them learns which are missing.
TEST_F(LeastPrivilege, MissingTablesAreNamedWhenTheRoleCannotCreateThem) {
  std::string consumer = RoleUrl("");
  RunResult run = LoginsFromFile(consumer, kLogin);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("\"user_logins\", \"user_logins_rejects\""), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("an owner has to create it"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("role-pw"), std::string::npos);
}

// A grant fewer than the docs list fails: the tests here pin the list, not just "enough".
TEST_F(LeastPrivilege, OneGrantFewerFails) {
  ASSERT_EQ(RunSluice({"warehouse", "init"}, url()).exit_code, 0);
  std::string loader =
      RoleUrl("GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA {schema} TO {role}");
  auto movies =
      WriteTempFile("movies.csv", "title,duration_mins,original_language,size_mb\n,1,x,1\n");
  RunResult run = RunSluice({"warehouse", "load", "--pg", loader, "-m", "movie", movies}, loader);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("permission denied for sequence load_rejects_id_seq"), std::string::npos)
      << run.err;
}

// A refused grant stays refused: the logins writer fails on its first attempt with the server's
// error, instead of retrying it for 21 s as it does a lost session.
TEST_F(LeastPrivilege, LoginsWithoutInsertFailAtOnceNamingThePermission) {
  RunResult owner = LoginsFromFile(url(), kLogin);
  ASSERT_EQ(owner.exit_code, 0) << owner.err;
  std::string consumer = RoleUrl(
      "GRANT INSERT ON user_logins_rejects TO {role}; "
      "GRANT SELECT, INSERT, UPDATE ON sluice_checkpoints TO {role}");
  RunResult run = LoginsFromFile(consumer, kOtherLogin);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("permission denied for table user_logins"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("a retry cannot cure"), std::string::npos) << run.err;
  size_t attempts = 0;
  for (size_t p = run.err.find("attempt"); p != std::string::npos;
       p = run.err.find("attempt", p + 1))
    ++attempts;
  EXPECT_EQ(attempts, 1u) << run.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins"), "1");
}

TEST_F(LeastPrivilege, ReportListWithSelectOnly) {
  RunResult owner = RunSluice({"report", "list"}, url());
  ASSERT_EQ(owner.exit_code, 0) << owner.err;
  std::string reader = RoleUrl("GRANT SELECT ON reports_generated TO {role}");
  RunResult list = RunSluice({"report", "list", "--pg", reader}, reader);
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("report_id"), std::string::npos) << list.out;
}

TEST_F(LeastPrivilege, ReportRunWithTheDocumentedGrants) {
  SLUICE_REQUIRE_AWS();
  SLUICE_REQUIRE_MYSQL();
  auto completions = testing::CompletionsTable::Open("completions");
  ASSERT_TRUE(completions.ok()) << completions.status().message();
  ASSERT_TRUE((*completions)->Create().ok());
  ASSERT_TRUE((*completions)->Insert("VALUES (1, 1, '2024-02-10')").ok());
  ASSERT_TRUE(testing::CreateUsersTable(conn(), "(1, 'Ann', 'active')").ok());
  ASSERT_EQ(RunSluice({"report", "list"}, url()).exit_code, 0);  // the owner makes the table
  std::string bucket = testing::UniqueBucketName("least-privilege");
  std::string runner = RoleUrl(
      "GRANT SELECT ON mindtickle_users TO {role}; "
      "GRANT SELECT, INSERT, UPDATE ON reports_generated TO {role}");
  RunResult run =
      RunSluice({"report", "run", "--pg", runner, "--as-of", "2024-03-01", "--bucket", bucket,
                 "--create-bucket", "--completions-table", (*completions)->name()},
                runner);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Scalar("SELECT status || ' ' || row_count FROM reports_generated"), "succeeded 1");
}

// reports_generated as Sluice made it before reports could go to a directory: no location
// column, s3_bucket and s3_key NOT NULL. A role with the documented grants cannot alter it (that
// takes the owner): its S3 runs are recorded as they always were; a run to a directory fails
// before it writes anything, naming the fix; once the owner's next command has added the
// column (and filled it for the runs on record), the same role's directory runs are recorded.
TEST_F(LeastPrivilege, ReportRunOnATableMadeByAnEarlierSluice) {
  SLUICE_REQUIRE_AWS();
  SLUICE_REQUIRE_MYSQL();
  auto completions = testing::CompletionsTable::Open("completions");
  ASSERT_TRUE(completions.ok()) << completions.status().message();
  ASSERT_TRUE((*completions)->Create().ok());
  ASSERT_TRUE((*completions)->Insert("VALUES (1, 1, '2024-02-10')").ok());
  ASSERT_TRUE(testing::CreateUsersTable(conn(), "(1, 'Ann', 'active')").ok());
  ASSERT_TRUE(conn()
                  .Exec("CREATE TABLE reports_generated (report_id uuid PRIMARY KEY, report_type "
                        "text NOT NULL, as_of date NOT NULL, window_start date NOT NULL, "
                        "window_end date NOT NULL, s3_bucket text NOT NULL, s3_key text NOT "
                        "NULL, row_count bigint, byte_size bigint, sha256 text, active_users "
                        "bigint, unknown_user_completions bigint, started_at timestamptz NOT "
                        "NULL DEFAULT now(), finished_at timestamptz, duration_ms bigint, status "
                        "text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')), "
                        "error text)",
                        "the earlier table")
                  .ok());
  const std::string has_location =
      "SELECT count(*) FROM pg_attribute WHERE attrelid = 'reports_generated'::regclass AND "
      "attname = 'location'";
  std::string runner = RoleUrl(
      "GRANT SELECT ON mindtickle_users TO {role}; "
      "GRANT SELECT, INSERT, UPDATE ON reports_generated TO {role}");
  std::string bucket = testing::UniqueBucketName("least-privilege");
  auto report_to = [&](std::vector<std::string> output) {
    std::vector<std::string> args = {"report",
                                     "run",
                                     "--pg",
                                     runner,
                                     "--as-of",
                                     "2024-03-01",
                                     "--completions-table",
                                     (*completions)->name()};
    args.insert(args.end(), output.begin(), output.end());
    return RunSluice(args, runner);
  };
  RunResult s3 = report_to({"--bucket", bucket, "--create-bucket"});
  EXPECT_EQ(s3.exit_code, 0) << s3.err;
  EXPECT_EQ(Scalar(has_location), "0");
  EXPECT_EQ(Scalar("SELECT status || ' ' || s3_bucket || '/' || s3_key FROM reports_generated"),
            "succeeded " + bucket + "/reports/daily-lessons/2024-03-01.csv");

  // Normal form: a location URL takes no empty path segments.
  std::string dir = std::filesystem::path(WriteTempFile("least_privilege_reports", "") + ".d")
                        .lexically_normal()
                        .string();
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  RunResult refused = report_to({"--output", "file://" + dir + "/"});
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("has no location column"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("ALTER TABLE reports_generated ADD COLUMN location text"),
            std::string::npos);
  EXPECT_EQ(Scalar("SELECT count(*) FROM reports_generated"), "1");
  EXPECT_NE(access((dir + "/daily-lessons").c_str(), F_OK), 0);  // nothing was written

  // The owner's next command (a list) adds the column and fills it for the run on record.
  ASSERT_EQ(RunSluice({"report", "list"}, url()).exit_code, 0);
  EXPECT_EQ(Scalar(has_location), "1");
  RunResult to_dir = report_to({"--output", "file://" + dir + "/"});
  EXPECT_EQ(to_dir.exit_code, 0) << to_dir.err;
  EXPECT_EQ(access((dir + "/daily-lessons/2024-03-01.csv").c_str(), R_OK), 0);
  EXPECT_EQ(Scalar("SELECT string_agg(status || ' ' || location || ' ' || coalesce(s3_key, "
                   "'-'), ', ' ORDER BY started_at) FROM reports_generated"),
            "succeeded s3://" + bucket +
                "/reports/daily-lessons/2024-03-01.csv reports/daily-lessons/2024-03-01.csv, "
                "succeeded file://" +
                dir + "/daily-lessons/2024-03-01.csv -");
  (void)std::system(("rm -rf '" + dir + "'").c_str());
}

TEST_F(LeastPrivilege, WarehouseLoadQueryAndQuestionsWithTheDocumentedGrants) {
  RunResult init = RunSluice({"warehouse", "init"}, url());
  ASSERT_EQ(init.exit_code, 0) << init.err;
  std::string loader = RoleUrl(
      "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA {schema} TO {role}; "
      "GRANT USAGE ON SEQUENCE load_rejects_id_seq TO {role}");
  // init finds every table there and creates nothing.
  RunResult again = RunSluice({"warehouse", "init", "--pg", loader}, loader);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  // An empty table (the owner's fast path drops the key) and then a merge into a full one.
  auto movies = WriteTempFile("movies.csv",
                              "title,duration_mins,original_language,size_mb\n"
                              "Heat,170,English,9\n");
  RunResult first = RunSluice({"warehouse", "load", "--pg", loader, "-m", "movie", movies}, loader);
  EXPECT_EQ(first.exit_code, 0) << first.err;
  auto more = WriteTempFile("movies2.csv",
                            "title,duration_mins,original_language,size_mb\n"
                            "Heat,171,English,9\nRan,160,Japanese,7\n,1,x,1\n");
  RunResult second = RunSluice({"warehouse", "load", "--pg", loader, "-m", "movie", more}, loader);
  EXPECT_EQ(second.exit_code, 3) << second.err;  // the title-less row is a reject
  EXPECT_EQ(Scalar("SELECT string_agg(title || duration_mins, ',' ORDER BY title) FROM movies"),
            "Heat171,Ran160");
  EXPECT_EQ(Scalar("SELECT count(*) FROM load_rejects"), "1");

  std::string analyst = RoleUrl("GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}");
  RunResult query = RunSluice(
      {"warehouse", "query", "--pg", analyst, "-e", "SELECT count(*) FROM movies"}, analyst);
  EXPECT_EQ(query.exit_code, 0) << query.err;
  RunResult questions = RunSluice({"warehouse", "questions", "--pg", analyst}, analyst);
  EXPECT_EQ(questions.exit_code, 0) << questions.err;
}

}  // namespace
}  // namespace sluice
