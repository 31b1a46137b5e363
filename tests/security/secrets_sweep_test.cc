// The secrets sweep: each job's commands run with distinctive secrets (a PostgreSQL password in
// the URL, a wrong MySQL password, an AWS secret key and session token, the masking key), against
// working and failing servers, in both log formats; then every line they printed, every row they
// wrote in the test's schema (reports_generated.error, rejects, ledger, checkpoints) and sluice's
// command line while it ran are searched for each secret, whole or any 8-byte piece of it.
// The login messages' plaintext IPs and device ids are searched for in every table too.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "security/secret_sweep.h"
#include "support/file_text.h"
#include "support/report_fixture.h"
#include "support/scoped_environment.h"
#include "support/test_env.h"

namespace sluice {
namespace {

using sluice::testing::FileText;
using testing::RunResult;
using testing::RunSluice;
using testing::SecretSweep;

// PostgreSQL's trust authentication ignores the password, so the runs work with it in the URL.
constexpr const char* kPgPassword = "PgSweepPw7Qx2Lm9";
constexpr const char* kMysqlWrongPassword = "MyWrongPw5Rt8Zk3";
constexpr const char* kAwsSecretKey = "AwsSweepSecret0Kq7Vb2Nw9Pz4Hy6Tr1Cx8Md";
constexpr const char* kAwsSessionToken = "SweepSessionToken3Fh8Jd2Wq7Lp5Zn0Xb4";

std::string Hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

class SecretsSweep : public testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFailure() || IsSkipped()) return;
    SLUICE_REQUIRE_AWS();
    SLUICE_REQUIRE_MYSQL();
    schema_ = Scalar("SELECT current_schema()");
    pg_ = testing::WithPassword(url(), kPgPassword);
    env_.Set("AWS_SECRET_ACCESS_KEY", kAwsSecretKey);
    env_.Set("AWS_SESSION_TOKEN", kAwsSessionToken);
    dir_ = ::testing::TempDir() + "/" + testing::UniqueName("sweep");
    std::filesystem::create_directories(dir_);
    key_ = dir_ + "/mask.key";
    RunResult keygen = RunSluice({"logins", "keygen", key_}, "");
    ASSERT_EQ(keygen.exit_code, 0) << keygen.err;
    sweep_.AddRun("logins keygen", keygen);
    // The key file's key line is "ID:BASE64"; the key bytes are searched for as the file holds
    // them, as hex and raw.
    for (const std::string& line : Lines(FileText(key_))) {
      if (line.empty() || line[0] == '#') continue;
      const std::string b64 = line.substr(line.find(':') + 1);
      secrets_.push_back({"masking key (base64)", b64});
      const std::string raw = testing::DecodeBase64(b64);
      ASSERT_GE(raw.size(), 32u) << line;
      secrets_.push_back({"masking key (hex)", Hex(raw)});
      secrets_.push_back({"masking key (bytes)", raw});
    }
    secrets_.push_back({"PostgreSQL password", kPgPassword});
    secrets_.push_back({"MySQL password", kMysqlWrongPassword});
    secrets_.push_back({"AWS secret key", kAwsSecretKey});
    secrets_.push_back({"AWS session token", kAwsSessionToken});
  }

  void TearDown() override {
    env_.Restore();
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
    PgTest::TearDown();
  }

  static std::vector<std::string> Lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      lines.push_back(line);
    return lines;
  }

  // Runs sluice in both log formats at debug level, keeping both runs' output.
  RunResult Both(const std::string& label, const std::vector<std::string>& args) {
    RunResult last;
    for (const char* format : {"human", "json"}) {
      std::vector<std::string> all = {"--log-format", format, "--log-level", "debug"};
      all.insert(all.end(), args.begin(), args.end());
      last = RunSluice(all, pg_);
      sweep_.AddRun(label + " (" + format + ")", last);
      ++runs_;
    }
    return last;
  }

  // Starts sluice, keeps its command line once it shows the command's own arguments (`marker`),
  // then stops it with SIGTERM and keeps its output.
  void CommandLineWhileRunning(const std::string& label, const std::vector<std::string>& args,
                               const std::string& marker) {
    std::string base;
    const int pid = testing::SpawnSluice(args, pg_, &base);
    ASSERT_GT(pid, 0);
    std::string seen;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    // The scrub runs before the command starts: wait until the URL shows masked ("xxxx") or the
    // process has run a while with its arguments (then the scrub, or its absence, is settled).
    auto first_seen = std::chrono::steady_clock::time_point{};
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string now = testing::ProcessCommandLine(pid);
      if (now.find(marker) != std::string::npos) {
        seen = now;
        if (first_seen == std::chrono::steady_clock::time_point{})
          first_seen = std::chrono::steady_clock::now();
        if (std::chrono::steady_clock::now() - first_seen > std::chrono::milliseconds(700)) break;
      }
      if (now.empty() && !seen.empty()) break;  // it ended
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    kill(pid, SIGTERM);
    testing::WaitProcess(pid);
    EXPECT_NE(seen.find(marker), std::string::npos) << label << ": never saw its command line";
    sweep_.Add(label + " /proc/PID/cmdline", seen);
    sweep_.Add(label + " stdout", FileText(base + ".out"));
    sweep_.Add(label + " stderr", FileText(base + ".err"));
    ++command_lines_;
  }

  void ExpectNoSecrets() {
    const int rows = sweep_.AddTables(conn(), schema_);
    const auto found = sweep_.Search(secrets_);
    EXPECT_TRUE(found.empty()) << testing::Describe(found);
    // What was searched, for the record (docs/reliability.md quotes these).
    std::printf(
        "secrets sweep: %zu secrets in %zu texts (%zu bytes): %d runs, %d command lines, "
        "%d table rows\n",
        secrets_.size(), sweep_.texts(), sweep_.bytes(), runs_, command_lines_, rows);
  }

  std::string schema_;
  std::string pg_;
  std::string dir_;
  std::string key_;
  std::vector<testing::Secret> secrets_;
  testing::ScopedEnvironment env_;
  SecretSweep sweep_;
  int runs_ = 0;
  int command_lines_ = 0;
};

constexpr const char* kIps[] = {"10.91.37.4", "192.0.2.177", "2001:db8::5eed"};
constexpr const char* kDevices[] = {"dev-Sweep-8841-AA", "dev-Sweep-8842-BB", "dev-Sweep-8843-CC"};

// Messages with the IPs and device ids above: good ones, and ones rejected for other fields, so
// that the rejects table holds them too.
std::string LoginMessages() {
  std::string text;
  for (int i = 0; i < 3; ++i) {
    text += std::string(R"({"user_id":"sweep-u)") + std::to_string(i) +
            R"(","app_version":"2.3.0","device_type":"ios","ip":")" + kIps[i] +
            R"(","locale":"US","device_id":")" + kDevices[i] + "\"}\n";
    text += std::string(R"({"user_id":"","app_version":"not a version","ip":")") + kIps[i] +
            R"(","device_id":")" + kDevices[i] + "\"}\n";
  }
  text += std::string(R"({"ip":")") + kIps[0] + "\",\"device_id\":\"" + kDevices[0] + "\", bad\n";
  return text;
}

TEST_F(SecretsSweep, LoginsFromFileAndQueueLeaveNoSecretAndNoPlaintextPii) {
  const std::string events = testing::WriteTempFile("sweep-events.ndjson", LoginMessages());
  RunResult run = Both("logins run --file",
                       {"logins", "run", "--file", events, "--key-file", key_, "--pg", pg_});
  EXPECT_EQ(run.exit_code, 0) << run.err;

  const std::string queue = testing::UniqueName("sweep-q");
  sweep_.AddRun("queue create", RunSluice({"queue", "create", queue}, ""));
  sweep_.AddRun("queue send", RunSluice({"queue", "send", queue, events}, ""));
  run = Both("logins run --queue",
             {"logins", "run", "--queue", queue, "--until-empty", "--wait-seconds", "0",
              "--key-file", key_, "--pg", pg_, "--table", "sweep_q_logins"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_GT(std::stoi(Scalar("SELECT count(*) FROM sweep_q_logins")), 0);
  // hmac masking and the pipeline form of the same job.
  const std::string pipeline = testing::WriteTempFile(
      "sweep-logins.yaml",
      "source:\n  file:\n    file: " + events +
          "\ntransforms:\n  - mask:\n      key-file: " + key_ +
          "\n      mask: hmac\nsink:\n  logins-postgres:\n    pg: ${SLUICE_PG_URL}\n"
          "    table: sweep_hmac_logins\n");
  run = Both("sluice run logins pipeline", {"run", pipeline});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  sweep_.AddRun("validate logins pipeline", RunSluice({"validate", pipeline}, pg_));

  // A queue that is long-polled: sluice's command line while it waits.
  CommandLineWhileRunning("logins run --queue (running)",
                          {"logins", "run", "--queue", queue, "--wait-seconds", "1", "--key-file",
                           key_, "--pg", pg_, "--table", "sweep_q_logins"},
                          "sweep_q_logins");

  // Failing servers: a refused port, and a listener that never answers.
  run = Both("logins run, refused PostgreSQL",
             {"logins", "run", "--file", events, "--key-file", key_, "--pg",
              std::string("postgresql://sweeper:") + kPgPassword + "@127.0.0.1:1/db"});
  EXPECT_NE(run.exit_code, 0);
  int port = 0;
  const int silent = testing::ListenOnLoopback(&port);
  ASSERT_GE(silent, 0);
  run = Both("logins run, silent PostgreSQL",
             {"logins", "run", "--file", events, "--key-file", key_, "--pg",
              std::string("postgresql://sweeper:") + kPgPassword +
                  "@127.0.0.1:" + std::to_string(port) + "/db?connect_timeout=2"});
  close(silent);
  EXPECT_NE(run.exit_code, 0);

  ExpectNoSecrets();

  // No plaintext ip or device_id in any table of the schema (logins, rejects, ledger, ...).
  std::vector<std::string> pii(std::begin(kIps), std::end(kIps));
  pii.insert(pii.end(), std::begin(kDevices), std::end(kDevices));
  SecretSweep tables;
  const int rows = tables.AddTables(conn(), Scalar("SELECT current_schema()"));
  EXPECT_GE(rows, 9);
  const auto found = tables.SearchWhole(pii);
  EXPECT_TRUE(found.empty()) << testing::Describe(found);
  std::printf("plaintext PII: %zu values in %zu tables, %d rows\n", pii.size(), tables.texts(),
              rows);
}

TEST_F(SecretsSweep, ReportRunsWithGoodAndWrongPasswordsLeaveNoSecret) {
  ASSERT_TRUE(testing::CreateUsersTable(conn(), "(1, 'Ann', 'active')").ok());
  auto completions = testing::CompletionsTable::Open("sweep_completions");
  ASSERT_TRUE(completions.ok()) << completions.status().message();
  ASSERT_TRUE((*completions)->Create().ok());
  ASSERT_TRUE((*completions)->Insert("VALUES (1, 1, CURRENT_DATE - INTERVAL 2 DAY)").ok());
  const std::string mysql = testing::MysqlUrl();
  const std::string host = mysql.substr(mysql.rfind('@') + 1);
  const std::string bucket = testing::UniqueBucketName("sweep");

  // The presigned URL printed on standard output must carry the session token (AWS checks
  // X-Amz-Security-Token for a URL signed with temporary credentials): that is the one place it
  // may stand, and it is taken out of the text before the search, counted.
  const std::string token_parameter = std::string("X-Amz-Security-Token=") + kAwsSessionToken;
  int presigned = 0;
  for (const char* format : {"human", "json"}) {
    RunResult run = RunSluice({"--log-format", format, "report", "run", "--pg", pg_, "--mysql",
                               mysql, "--completions-table", (*completions)->name(), "--output",
                               "s3://" + bucket + "/reports/", "--create-bucket"},
                              pg_);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    for (size_t at = run.out.find(token_parameter); at != std::string::npos;
         at = run.out.find(token_parameter, at)) {
      run.out.replace(at, token_parameter.size(), "X-Amz-Security-Token=(presigned)");
      ++presigned;
    }
    sweep_.AddRun(std::string("report run (S3) (") + format + ")", run);
    ++runs_;
  }
  EXPECT_EQ(presigned, 2);
  RunResult run;
  run = Both("report run, wrong MySQL password",
             {"report", "run", "--pg", pg_, "--mysql",
              std::string("mysql://sluice:") + kMysqlWrongPassword + "@" + host, "--output",
              "s3://" + bucket + "/reports/"});
  EXPECT_NE(run.exit_code, 0);
  run = Both("report run, bad S3 endpoint",
             {"report", "run", "--pg", pg_, "--mysql", mysql, "--completions-table",
              (*completions)->name(), "--output", "s3://" + bucket + "-missing/reports/",
              "--s3-endpoint", "http://127.0.0.1:1"});
  EXPECT_NE(run.exit_code, 0);
  sweep_.AddRun("report list", RunSluice({"report", "list", "--pg", pg_}, pg_));
  EXPECT_NE(Scalar("SELECT count(*) FROM reports_generated WHERE error IS NOT NULL"), "0");
  ExpectNoSecrets();
}

TEST_F(SecretsSweep, WarehouseAndLakeRunsLeaveNoSecret) {
  const std::string good = testing::WriteTempFile(
      "sweep-users.csv", "email,first_name,last_name\nann@example.com,Ann,Lee\n");
  const std::string bad = testing::WriteTempFile(
      "sweep-bad-users.csv", "email,first_name,last_name\n\"unclosed,Ann,Lee\nx,y\n");
  RunResult run = Both("warehouse load", {"warehouse", "load", "-m", "user", good, "--pg", pg_});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  run = Both("warehouse load, bad file", {"warehouse", "load", "-m", "user", bad, "--pg", pg_});
  run = Both("warehouse query, bad SQL",
             {"warehouse", "query", "-e", "SELECT nope FROM users", "--pg", pg_});
  EXPECT_NE(run.exit_code, 0);
  CommandLineWhileRunning("warehouse query (running)",
                          {"warehouse", "query", "-e", "SELECT pg_sleep(1.5)", "--pg", pg_},
                          "pg_sleep");

  const std::string bucket = testing::UniqueBucketName("sweep-lake");
  run = Both("lake build, missing bucket", {"lake", "build", "s3://" + bucket + "/"});
  EXPECT_NE(run.exit_code, 0);
  run = Both("lake build, bad endpoint",
             {"lake", "build", "s3://" + bucket + "/", "--s3-endpoint", "http://127.0.0.1:1"});
  EXPECT_NE(run.exit_code, 0);
  int port = 0;
  const int probe = testing::ListenOnLoopback(&port);
  close(probe);
  CommandLineWhileRunning("lake serve (running)",
                          {"lake", "serve", "s3://" + bucket + "/", "--listen",
                           "127.0.0.1:" + std::to_string(port), "--refresh", "90s"},
                          "--listen");

  // A pipeline file with the password written in it, and validate's report of its errors.
  const std::string pipeline = testing::WriteTempFile(
      "sweep-warehouse.yaml", std::string("job:\n  warehouse-load:\n    pg: ") + pg_ +
                                  "\n    model: user\n    files: [" + good + "]\n");
  run = Both("sluice run warehouse pipeline", {"run", pipeline});
  sweep_.AddRun("validate warehouse pipeline", RunSluice({"validate", pipeline}, pg_));
  const std::string broken = testing::WriteTempFile(
      "sweep-broken.yaml", std::string("job:\n  warehouse-load:\n    pg: postgresql://u:") +
                               kPgPassword + "@127.0.0.1:1/db?sslmode=sometimes\n" +
                               "    model: nope\n    files: [/no/such/file]\n");
  run = Both("validate broken pipeline", {"validate", broken});
  EXPECT_NE(run.exit_code, 0);
  run = Both("run broken pipeline", {"run", broken});
  EXPECT_NE(run.exit_code, 0);
  ExpectNoSecrets();
}

// Redaction goes by structure, not by value: a password that is also a table's name leaves the
// name readable where it is a name, and is masked where it is the password.
TEST_F(SecretsSweep, AnIdentifierEqualToAShortPasswordIsNotMangled) {
  const std::string pg = testing::WithPassword(url(), "logins");
  const std::string events = testing::WriteTempFile("short-pw.ndjson", LoginMessages());
  RunResult run = RunSluice(
      {"logins", "run", "--file", events, "--key-file", key_, "--pg", pg, "--table", "logins"}, pg);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("stored in logins,"), std::string::npos) << run.out;
  EXPECT_NE(Scalar("SELECT count(*) FROM logins"), "0");
  RunResult query = RunSluice(
      {"warehouse", "query", "-e", "SELECT count(*) AS logins FROM logins_rejects", "--pg", pg},
      pg);
  EXPECT_EQ(query.exit_code, 0) << query.err;
  EXPECT_NE(query.out.find("logins"), std::string::npos) << query.out;
  // A failing connection names the URL with the password masked, and the table name whole.
  RunResult refused =
      RunSluice({"logins", "run", "--file", events, "--key-file", key_, "--pg",
                 "postgresql://logins:logins@127.0.0.1:1/logins", "--table", "logins"},
                "");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("postgresql://logins:****@127.0.0.1:1/logins"), std::string::npos)
      << refused.err;
  // The server quotes names in its errors, never the password: a relation, and a role, named
  // like the password stay readable there.
  RunResult missing =
      RunSluice({"warehouse", "query", "-e", "SELECT * FROM logins.logins", "--pg", pg}, pg);
  EXPECT_EQ(missing.exit_code, 1) << missing.out;
  EXPECT_NE(missing.err.find("relation \"logins.logins\" does not exist"), std::string::npos)
      << missing.err;
  const size_t scheme = pg.find("://") + 3;
  const std::string no_role = pg.substr(0, scheme) + "logins" + pg.substr(pg.find(':', scheme));
  RunResult refused_role = RunSluice({"warehouse", "query", "-e", "SELECT 1", "--pg", no_role}, "");
  EXPECT_EQ(refused_role.exit_code, 1) << refused_role.out;
  EXPECT_NE(refused_role.err.find("\"logins\""), std::string::npos) << refused_role.err;
  EXPECT_EQ(refused_role.err.find("\"****\""), std::string::npos) << refused_role.err;
}

}  // namespace
}  // namespace sluice
