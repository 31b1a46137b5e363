// The exit statuses of docs/configuration.md ("Exit statuses"), command by command, against the
// real local servers: 2 only for bad usage found before any work, 1 for failures (a server's
// refusal with its error code, an unreachable server, bad input), 3 for committed work with
// rejects. Each row of the table in the docs has a case here.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "connectors/mysql/mysql_connection.h"
#include "support/report_fixture.h"
#include "support/test_env.h"

namespace sluice {
namespace {

using testing::RunResult;
using testing::RunSluice;
using testing::WriteTempFile;

constexpr const char* kNowherePg = "postgresql://sluice@127.0.0.1:1/none?connect_timeout=2";

struct Case {
  std::vector<std::string> args;
  int exit_code;
  std::string says;  // a part of the error output
};

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

void ExpectExits(const std::vector<Case>& cases, const std::string& pg_url) {
  for (const Case& c : cases) {
    RunResult r = RunSluice(c.args, pg_url);
    std::string command;
    for (const auto& a : c.args)
      command += a + " ";
    EXPECT_EQ(r.exit_code, c.exit_code) << command << "\n" << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << command << "\n" << r.err;
  }
}

// Bad usage: a flag out of its range or choices, a missing setting, a malformed URL or name.
// Nothing is connected to (the addresses here would refuse), so these are always 2.
TEST(ExitPolicy, BadUsageIsTwoForEveryCommand) {
  const std::string key = WriteTempFile("exit_policy.key", "");
  const std::string models = WriteTempFile("exit_policy_models.yaml", "models: [x]\n");
  ExpectExits(
      {
          {{"warehouse", "load", "--pg", kNowherePg, "-m", "film", key}, 2, "unknown model 'film'"},
          {{"warehouse", "load", "--pg", kNowherePg, "--models", models, "-m", "x", key},
           2,
           ":1:10: models[0]: expected a model"},
          {{"warehouse", "query", "--format", "xml", "-e", "SELECT 1"}, 2, "--format"},
          {{"report", "run", "--bucket", "exit-bucket", "--days", "0", "--pg", kNowherePg},
           2,
           "--days"},
          {{"report", "run", "--bucket", "Bad_Bucket", "--pg", kNowherePg}, 2, "--bucket"},
          {{"report", "run", "--bucket", "exit-bucket", "--pg", kNowherePg, "--mysql",
            "mysql://h/db?x=1"},
           2,
           "parameter 'x' is not known"},
          {{"logins", "run", "--receivers", "0"}, 2, "--receivers"},
          {{"logins", "run", "--pg", kNowherePg}, 2, "no masking key"},
          {{"logins", "run", "--pg", kNowherePg, "--key-file", key + ".missing"}, 2, ".missing"},
          {{"logins", "mask", "--mask", "rot13", "x"}, 2, "--mask"},
          // An empty value never falls back to the environment or libpq's defaults.
          {{"logins", "run", "--pg", "", "--file", key}, 2, "--pg: is empty"},
          {{"logins", "run", "--pg", kNowherePg, "--key-file", ""}, 2, "--key-file: is empty"},
          {{"report", "run", "--bucket", "exit-bucket", "--pg", kNowherePg, "--as-of", ""},
           2,
           "--as-of: is empty"},
          // A window starting in year 0 is refused at the flag, not by PostgreSQL later.
          {{"report", "run", "--bucket", "exit-bucket", "--pg", kNowherePg, "--as-of",
            "0001-01-05"},
           2,
           "--as-of: the 30-day window before 0001-01-05 would start before 0001-01-01"},
          {{"queue", "create", "bad name", "--sqs-endpoint", "http://127.0.0.1:1"},
           2,
           "the queue name"},
          {{"queue", "create", "q", "--sqs-endpoint", "ftp://127.0.0.1:1"}, 2, "http or https"},
          {{"queue", "purge", "q", "--visibility-timeout", "5"}, 2, "visibility-timeout"},
          {{"components", "nope"}, 2, "no component 'nope'"},
          {{"warehouse", "init", "--pg", "postgresql://u@127.0.0.1:1/db?sslmod=require"},
           2,
           "parameter 'sslmod', which libpq does not know"},
          {{"report", "run", "--bucket", "exit-bucket", "--pg", kNowherePg, "--users-table",
            "public.users"},
           2,
           "--users-table: takes one unqualified table name"},
          // The report's --output: a location URL, alone, absolute, of a known scheme.
          {{"report", "run", "--pg", kNowherePg, "--output", "reports/"},
           2,
           "--output: location reports/: a location is s3://bucket/prefix/ or file:///"},
          {{"report", "run", "--pg", kNowherePg, "--output", "file:reports/"},
           2,
           "--output: location file:reports/"},
          {{"report", "run", "--pg", kNowherePg, "--output", "ftp://host/reports/"},
           2,
           "a location is s3://bucket/prefix/ or file:///absolute/directory/"},
          {{"report", "run", "--pg", kNowherePg, "--output", "s3://Bad_Bucket/reports/"},
           2,
           "--output: location s3://Bad_Bucket/reports/"},
          {{"report", "run", "--pg", kNowherePg, "--output", "file:///tmp/reports/", "--bucket",
            "exit-bucket"},
           2,
           "--output: takes the place of --bucket and --prefix"},
          {{"report", "run", "--pg", kNowherePg, "--output", "s3://exit-bucket/", "--prefix", "r/"},
           2,
           "(--prefix given)"},
          {{"report", "run", "--pg", kNowherePg}, 2, "where the report goes is missing"},
          {{"lake", "build", "file:///tmp/exit-lake/", "--parallel", "0"}, 2, "--parallel"},
          {{"lake", "serve", "file:///tmp/exit-lake/", "--refresh", "2h"}, 2, "--refresh"},
          {{"lake", "build", "ftp://host/lake/"}, 2, "a location is s3://bucket/prefix/"},
          {{"lake", "build", "s3://Bad_Bucket/"}, 2, "Bad_Bucket"},
          {{"lake", "build", "file:///tmp/exit-lake/", "--source", "/abs/"}, 2, "--source"},
      },
      "");
}

// A server that cannot be reached is a failure, not bad usage.
TEST(ExitPolicy, AnUnreachableServerIsOne) {
  const std::string key = WriteTempFile("exit_policy_unreachable.key", "");
  ASSERT_EQ(RunSluice({"logins", "keygen", key + ".k"}, "").exit_code, 0);
  ExpectExits(
      {
          {{"warehouse", "init"}, 1, "cannot connect to PostgreSQL"},
          {{"report", "list"}, 1, "cannot connect to PostgreSQL"},
          {{"logins", "run", "--key-file", key + ".k", "--file", key},
           1,
           "cannot connect to PostgreSQL"},
          {{"queue", "purge", "q", "--sqs-endpoint", "http://127.0.0.1:1"}, 1, "Couldn't connect"},
          {{"lake", "build", "s3://exit-bucket/", "--s3-endpoint", "http://127.0.0.1:1"},
           1,
           "Couldn't connect"},
      },
      kNowherePg);
}

class ExitPolicyWithServers : public testing::PgTest {
 protected:
  void SetUp() override {
    SLUICE_REQUIRE_AWS();
    PgTest::SetUp();
  }
};

// A server's refusal is a failure, with the service's error code in the message.
TEST_F(ExitPolicyWithServers, ARefusalIsOneAndNamesTheServicesCode) {
  const std::string key = WriteTempFile("exit_policy_refusal.key", "");
  ASSERT_EQ(RunSluice({"logins", "keygen", key + ".k"}, url()).exit_code, 0);
  const std::string missing_queue = testing::UniqueName("no-such-queue");
  ExpectExits(
      {
          {{"queue", "purge", missing_queue}, 1, "QueueDoesNotExist"},
          {{"queue", "send", missing_queue, key}, 1, "QueueDoesNotExist"},
          {{"logins", "run", "--key-file", key + ".k", "--queue", missing_queue},
           1,
           "QueueDoesNotExist"},
          {{"warehouse", "query", "-e", "SELECT * FROM no_such_table"},
           1,
           "relation \"no_such_table\" does not exist (SQLSTATE 42P01)"},
          {{"lake", "build", "s3://" + testing::UniqueBucketName("no-such-lake") + "/"},
           1,
           "NoSuchBucket"},
      },
      url());
}

// A queue that does not exist fails before the database is touched, whether it is given by name
// or by URL (which needs no lookup, so it is asked for its depth instead).
TEST_F(ExitPolicyWithServers, AMissingQueueFailsBeforeAnyTableIsCreated) {
  const std::string key = WriteTempFile("exit_policy_missing.key", "");
  ASSERT_EQ(RunSluice({"logins", "keygen", key + ".k"}, url()).exit_code, 0);
  const std::string missing = testing::UniqueName("no-such-queue");
  std::string endpoint = std::getenv("AWS_ENDPOINT_URL");
  if (endpoint.ends_with('/')) endpoint.pop_back();
  for (const std::string& queue : {missing, endpoint + "/123456789012/" + missing}) {
    RunResult run = RunSluice({"logins", "run", "--key-file", key + ".k", "--queue", queue}, url());
    EXPECT_EQ(run.exit_code, 1) << queue << ": " << run.err;
    EXPECT_NE(run.err.find("QueueDoesNotExist"), std::string::npos) << run.err;
    EXPECT_EQ(Scalar("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"), "0")
        << queue << " created tables before it failed";
  }
}

TEST_F(ExitPolicyWithServers, ReportRefusalsAreOne) {
  const char* mysql_url = std::getenv("SLUICE_MYSQL_URL");
  if (!mysql_url || !*mysql_url) {
    if (testing::ServicesRequired()) FAIL() << "SLUICE_MYSQL_URL is not set";
    GTEST_SKIP() << "no MySQL: set SLUICE_MYSQL_URL";
  }
  auto mysql = MysqlConnection::Connect(mysql_url);
  ASSERT_TRUE(mysql.ok()) << mysql.status().message();
  std::string completions = testing::UniqueName("exit_completions");
  for (char& c : completions)
    c = c == '-' ? '_' : c;
  ASSERT_TRUE((*mysql)
                  ->Exec("CREATE TABLE `" + completions +
                             "` (completion_id INT AUTO_INCREMENT PRIMARY KEY, user_id INT, "
                             "lesson_id INT, completion_date DATE)",
                         "completions")
                  .ok());
  ASSERT_TRUE(conn()
                  .Exec("CREATE TABLE mindtickle_users (user_id int PRIMARY KEY, user_name text, "
                        "active_status text); INSERT INTO mindtickle_users VALUES (1, 'A', "
                        "'active')",
                        "users")
                  .ok());
  // MariaDB refuses the password: the server's words, exit 1. The bucket does not exist: S3's
  // NoSuchBucket, exit 1.
  std::string wrong_password = mysql_url;
  wrong_password.replace(wrong_password.find(':', 8),
                         wrong_password.find('@') - wrong_password.find(':', 8),
                         ":not-the-password");
  std::string bucket = testing::UniqueName("no-such-bucket");
  for (char& c : bucket)
    c = c == '_' ? '-' : c;
  ExpectExits(
      {
          {{"report", "run", "--as-of", "2024-03-01", "--bucket", bucket, "--completions-table",
            completions, "--mysql", wrong_password},
           1,
           "(MySQL error 1045)"},
          {{"report", "run", "--as-of", "2024-03-01", "--bucket", bucket, "--completions-table",
            completions},
           1,
           "NoSuchBucket"},
      },
      url());
  EXPECT_EQ(Scalar("SELECT count(*) FROM reports_generated WHERE status = 'failed'"), "2");
  (void)(*mysql)->Exec("DROP TABLE `" + completions + "`", "drop");
}

// Work committed with rejects is 3; work done is 0.
TEST_F(ExitPolicyWithServers, RejectsAreThreeAndSuccessIsZero) {
  const std::string movies =
      WriteTempFile("exit_movies.csv",
                    "title,duration_mins,original_language,size_mb\nHeat,170,English,9\n,1,x,1\n");
  RunResult load = RunSluice({"warehouse", "load", "-m", "movie", movies}, url());
  EXPECT_EQ(load.exit_code, 3) << load.err;
  RunResult query = RunSluice({"warehouse", "query", "-e", "SELECT count(*) FROM movies"}, url());
  EXPECT_EQ(query.exit_code, 0) << query.err;
  const std::string queue = testing::UniqueName("exit-policy");
  ASSERT_EQ(RunSluice({"queue", "create", queue, "--max-message-size", "1024"}, url()).exit_code,
            0);
  RunResult send = RunSluice(
      {"queue", "send", queue,
       WriteTempFile("exit.ndjson", "{\"a\":1}\n{\"b\":\"" + std::string(2000, 'x') + "\"}\n")},
      url());
  EXPECT_EQ(send.exit_code, 3) << send.err;
  // A lake with one good user and one broken CSV: built, with the reject, 3; fixed, 0.
  char pattern[] = "/tmp/sluice-exit-lake-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const std::string lake = pattern;
  ASSERT_EQ(std::system(("mkdir -p '" + lake + "/source_data'").c_str()), 0);
  const std::string header = "first_name, last_name, birthts\n";
  ASSERT_TRUE(WriteFile(lake + "/source_data/1.csv", header + "Ann, Lee, 0\n"));
  ASSERT_TRUE(WriteFile(lake + "/source_data/2.csv", header + "Bo, Kim, soon\n"));
  RunResult built = RunSluice({"lake", "build", "file://" + lake + "/"}, url());
  EXPECT_EQ(built.exit_code, 3) << built.err;
  ASSERT_TRUE(WriteFile(lake + "/source_data/2.csv", header + "Bo, Kim, 0\n"));
  RunResult fixed = RunSluice({"lake", "build", "file://" + lake + "/"}, url());
  EXPECT_EQ(fixed.exit_code, 0) << fixed.err;
  (void)std::system(("rm -rf '" + lake + "'").c_str());
}

}  // namespace
}  // namespace sluice
