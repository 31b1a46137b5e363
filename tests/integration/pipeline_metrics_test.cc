// --metrics-listen on the long-running logins pipeline (pipeline/pipeline_metrics.h): scraped
// while `sluice logins run` consumes a queue into a real PostgreSQL, /metrics and /health count
// exactly the rows and rejects the table holds; nothing listens unless told; a bad address is a
// usage error (exit 2) before any table is made; a pipeline file's settings bind the same flag.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "integration/http_test_client.h"
#include "support/file_text.h"
#include "support/test_env.h"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using sluice::testing::FileText;
using sluice::testing::RunSluice;
using sluice::testing::SpawnSluice;
using sluice::testing::WaitProcess;
using sluice::testing::WaitUntilCatching;

class PipelineMetrics : public sluice::testing::PgTest {
 protected:
  std::string Key() {
    const std::string key = ::testing::TempDir() + "/" + sluice::testing::UniqueName("m") + ".key";
    EXPECT_EQ(RunSluice({"logins", "keygen", key}, "").exit_code, 0);
    return key;
  }
};

// The port of "metrics on http://127.0.0.1:PORT/metrics" in a log, or 0 until it is there.
uint16_t LoggedPort(const std::string& log) {
  std::smatch m;
  static const std::regex kLine(R"(metrics on http://127\.0\.0\.1:([0-9]+)/metrics)");
  if (!std::regex_search(log, m, kLine)) return 0;
  return static_cast<uint16_t>(std::stoi(m[1]));
}

sluice::testing::ParsedResponse Get(uint16_t port, const std::string& target) {
  sluice::testing::TestConnection c(port);
  if (!c.connected()) return {};
  return c.Request(sluice::testing::GetRequest(target));
}

// The value of an unlabelled sample in Prometheus text, or -1 when it is not there.
double Sample(const std::string& text, const std::string& name) {
  std::smatch m;
  const std::regex line("(^|\n)" + name + " ([0-9.e+]+)\n");
  if (!std::regex_search(text, m, line)) return -1;
  return std::stod(m[2]);
}

// A /health field's whole-number value ("stored":17), or -1.
long HealthNumber(const std::string& json, const std::string& key) {
  std::smatch m;
  if (!std::regex_search(json, m, std::regex("\"" + key + "\":([0-9]+)"))) return -1;
  return std::stol(m[1]);
}

struct Scrape {
  uint16_t port = 0;
  std::string health;
  sluice::testing::ParsedResponse metrics;
};

// Waits (60 s at most) until the spawned process's /health says `messages` are committed, then
// scrapes /metrics, and stops the process with SIGTERM (it must exit 0).
Scrape ScrapeOnceCommitted(int pid, const std::string& output, long messages) {
  Scrape out;
  const auto give_up = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < give_up) {
    if (out.port == 0) out.port = LoggedPort(FileText(output + ".err"));
    if (out.port != 0) {
      auto r = Get(out.port, "/health");
      if (r.complete) {
        out.health = r.body;
        if (HealthNumber(out.health, "stored") + HealthNumber(out.health, "rejected") == messages)
          break;
      }
    }
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(out.port, 0) << FileText(output + ".err");
  if (out.port != 0) out.metrics = Get(out.port, "/metrics");
  EXPECT_TRUE(WaitUntilCatching(pid, SIGTERM, 10s));
  kill(pid, SIGTERM);
  EXPECT_EQ(WaitProcess(pid), 0) << FileText(output + ".err");
  return out;
}

TEST_F(PipelineMetrics, ScrapedWhileRunningTheCountsAreTheTablesRows) {
  SLUICE_REQUIRE_AWS();
  const std::string queue = sluice::testing::UniqueName("metrics");
  const std::string key = Key();
  ASSERT_EQ(RunSluice({"queue", "create", queue}, "").exit_code, 0);
  constexpr int kMessages = 60;
  int invalid = 0;
  const std::string path = ::testing::TempDir() + "/" + queue + ".json";
  {
    std::ofstream out(path);
    for (int i = 0; i < kMessages; ++i) {
      const bool bad = i % 7 == 0;
      invalid += bad;
      out << "{\"user_id\": \"user-" << i << "\", \"app_version\": \"" << (bad ? "v2" : "2.3.0")
          << "\", \"ip\": \"10.0.0." << i << "\", \"device_id\": \"dev-" << i << "\"}\n";
    }
  }
  ASSERT_EQ(RunSluice({"queue", "send", queue, path}, "").exit_code, 0);

  std::string output;
  const int pid =
      SpawnSluice({"logins", "run", "--queue", queue, "--key-file", key, "--wait-seconds", "1",
                   "--batch-size", "10", "--metrics-listen", "127.0.0.1:0"},
                  url(), &output);
  ASSERT_GT(pid, 0);
  const Scrape scrape = ScrapeOnceCommitted(pid, output, kMessages);
  ASSERT_NE(scrape.port, 0);
  const std::string& health = scrape.health;
  const auto& metrics = scrape.metrics;

  const long rows = std::stol(Scalar("SELECT count(*) FROM user_logins"));
  const long rejects = std::stol(Scalar("SELECT count(*) FROM user_logins_rejects"));
  EXPECT_EQ(rows, kMessages - invalid);
  EXPECT_EQ(rejects, invalid);

  EXPECT_NE(health.find("\"running\":true"), std::string::npos) << health;
  EXPECT_EQ(HealthNumber(health, "received"), kMessages) << health;
  EXPECT_EQ(HealthNumber(health, "stored"), rows) << health;
  EXPECT_EQ(HealthNumber(health, "rejected"), rejects) << health;
  EXPECT_EQ(HealthNumber(health, "duplicates"), 0) << health;
  EXPECT_EQ(health.find("\"last_commit_at\":null"), std::string::npos) << health;
  EXPECT_NE(health.find("\"last_error\":null"), std::string::npos) << health;

  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = metrics.body;
  EXPECT_EQ(Sample(text, "sluice_pipeline_messages_received_total"), kMessages) << text;
  EXPECT_EQ(Sample(text, "sluice_pipeline_messages_stored_total"), rows) << text;
  EXPECT_EQ(Sample(text, "sluice_pipeline_messages_rejected_total"), rejects) << text;
  EXPECT_EQ(Sample(text, "sluice_pipeline_messages_duplicate_total"), 0) << text;
  EXPECT_EQ(Sample(text, "sluice_pipeline_commit_retries_total"), 0) << text;
  EXPECT_EQ(Sample(text, "sluice_pipeline_source_errors_total"), 0) << text;
  EXPECT_EQ(Sample(text, "sluice_pipeline_running"), 1) << text;
  // Batches of at most 10: at least 6 commits, each one observed by the histogram.
  const double batches = Sample(text, "sluice_pipeline_batches_committed_total");
  EXPECT_GE(batches, 6) << text;
  EXPECT_EQ(Sample(text, "sluice_pipeline_commit_duration_seconds_count"), batches) << text;
  EXPECT_GT(Sample(text, "sluice_pipeline_last_commit_timestamp_seconds"), 1.7e9) << text;
  std::remove(path.c_str());
}

// The general queue -> validate -> mask -> table pipeline (examples/signups.yaml) run by
// `sluice run FILE --metrics-listen`: the same counters over another table.
TEST_F(PipelineMetrics, ASignupsPipelineRunIsScrapedToo) {
  SLUICE_REQUIRE_AWS();
  const std::string queue = sluice::testing::UniqueName("signup-metrics");
  const std::string key = Key();
  ASSERT_EQ(RunSluice({"queue", "create", queue}, "").exit_code, 0);
  constexpr int kMessages = 25;
  const std::string path = ::testing::TempDir() + "/" + queue + ".json";
  {
    std::ofstream out(path);
    for (int i = 0; i < kMessages; ++i) {
      // Every fifth has no email: a reject.
      out << "{" << (i % 5 == 0 ? "" : "\"email\": \"u" + std::to_string(i) + "@example.com\", ")
          << "\"plan\": \"pro\", \"referrals\": " << i << "}\n";
    }
  }
  ASSERT_EQ(RunSluice({"queue", "send", queue, path}, "").exit_code, 0);
  setenv("SLUICE_MASK_KEY_FILE", key.c_str(), 1);
  setenv("SIGNUPS_QUEUE", queue.c_str(), 1);
  setenv("SIGNUPS_WAIT_SECONDS", "1", 1);
  std::string output;
  const int pid = SpawnSluice({"run", std::string(SLUICE_TESTS_DIR) + "/../examples/signups.yaml",
                               "--metrics-listen", "127.0.0.1:0"},
                              url(), &output);
  for (const char* name : {"SLUICE_MASK_KEY_FILE", "SIGNUPS_QUEUE", "SIGNUPS_WAIT_SECONDS"})
    unsetenv(name);
  ASSERT_GT(pid, 0);
  const Scrape scrape = ScrapeOnceCommitted(pid, output, kMessages);
  ASSERT_NE(scrape.port, 0);
  const long rows = std::stol(Scalar("SELECT count(*) FROM signups"));
  const long rejects = std::stol(Scalar("SELECT count(*) FROM signups_rejects"));
  EXPECT_EQ(rows, 20);
  EXPECT_EQ(rejects, 5);
  EXPECT_EQ(HealthNumber(scrape.health, "stored"), rows) << scrape.health;
  EXPECT_EQ(HealthNumber(scrape.health, "rejected"), rejects) << scrape.health;
  EXPECT_EQ(Sample(scrape.metrics.body, "sluice_pipeline_messages_received_total"), kMessages)
      << scrape.metrics.body;
  EXPECT_EQ(Sample(scrape.metrics.body, "sluice_pipeline_messages_stored_total"), rows);
  EXPECT_EQ(Sample(scrape.metrics.body, "sluice_pipeline_messages_rejected_total"), rejects);
  std::remove(path.c_str());
}

TEST_F(PipelineMetrics, ABadAddressIsAUsageErrorBeforeAnyTableIsMade) {
  const std::string key = Key();
  const std::string events = sluice::testing::WriteTempFile(
      "metrics-events.json",
      "{\"user_id\": \"u\", \"app_version\": \"2.3.0\", \"ip\": \"10.0.0.1\", \"device_id\": "
      "\"d\"}\n");
  for (const std::string address : {"nonsense", "127.0.0.1:99999", "::1:80", "10.255.255.254:9"}) {
    auto r = RunSluice(
        {"logins", "run", "--file", events, "--key-file", key, "--metrics-listen", address}, url());
    EXPECT_EQ(r.exit_code, 2) << address << ": " << r.err;
    EXPECT_NE(r.err.find("--metrics-listen"), std::string::npos) << r.err;
  }
  EXPECT_EQ(Scalar("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'user_logins%' AND "
                   "schemaname = current_schema()"),
            "0");
  // Without the flag nothing listens, and nothing says so.
  auto r = RunSluice({"logins", "run", "--file", events, "--key-file", key}, url());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("metrics on"), std::string::npos) << r.err;
}

TEST_F(PipelineMetrics, APipelineFilesSettingsBindTheRunnersFlags) {
  const std::string key = Key();
  const std::string events = sluice::testing::WriteTempFile(
      "settings-events.json",
      "{\"user_id\": \"u\", \"app_version\": \"2.3.0\", \"ip\": \"10.0.0.1\", \"device_id\": "
      "\"d\"}\n{\"user_id\": \"v\", \"app_version\": \"x\"}\n");
  const std::string file = sluice::testing::WriteTempFile(
      "settings-pipeline.yaml", "source:\n  file: {file: " + events +
                                    "}\ntransforms:\n  - mask: {key-file: " + key +
                                    "}\nsink:\n  logins-postgres: {pg: '${SLUICE_PG_URL}'}\n"
                                    "settings:\n  metrics-listen: 127.0.0.1:0\n"
                                    "  log-format: json\n  commit-attempts: 3\n");
  auto r = RunSluice({"run", file}, url());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // The log is JSON lines, and the endpoint was served on the port it names.
  EXPECT_NE(r.err.find("{\"ts\":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("metrics on http://127.0.0.1:"), std::string::npos) << r.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins"), "1");
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins_rejects"), "1");

  // --metrics-listen given to run wins over the file's; under a job it is refused.
  r = RunSluice({"run", file, "--metrics-listen", "127.0.0.1:bad"}, url());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--metrics-listen: the port is not a number"), std::string::npos) << r.err;
  const std::string lake = sluice::testing::WriteTempFile(
      "settings-lake.yaml", "job:\n  lake-build: {source: in/, output: out}\n");
  r = RunSluice({"run", lake, "--metrics-listen", "127.0.0.1:0"}, url());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("runs job lake-build, not a stream"), std::string::npos) << r.err;

  // A bad address in the file is a usage error at its position, before any work.
  const std::string bad = sluice::testing::WriteTempFile(
      "settings-bad.yaml", "source:\n  file: {file: " + events +
                               "}\ntransforms:\n  - mask: "
                               "{key-file: " +
                               key +
                               "}\nsink:\n  logins-postgres: {pg: '${SLUICE_PG_URL}', table: "
                               "other}\nsettings: {metrics-listen: 'no-port'}\n");
  r = RunSluice({"run", bad}, url());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(":7:28: settings.metrics-listen: has no port"), std::string::npos) << r.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'other'"), "0");

  // A stream's setting under a job would do nothing: refused with its position.
  const std::string job = sluice::testing::WriteTempFile(
      "settings-job.yaml",
      "job:\n  lake-build: {source: in, output: out}\nsettings:\n  metrics-listen: "
      "127.0.0.1:0\n");
  r = RunSluice({"run", job}, url());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("settings-job.yaml:4:3: settings.metrics-listen: a setting of a stream "
                       "(a source into a sink); a job runs none"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace sluice
