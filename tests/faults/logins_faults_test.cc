// The logins job under faults (issue #12): messages through the real local SQS server while 10%
// of the consumers' SQS calls fail (500, 503, throttled), are cut, or lose their answer after
// the server acted on them; PostgreSQL "restarts" once mid-run (the proxy cuts every session and
// refuses connections for a while) and, earlier, restarts for real (a private instance the test
// starts, `pg_ctl restart -m fast`); and two `sluice logins run` processes are SIGKILLed at
// random moments and started again. Oracle: every message sent is exactly one row or one reject,
// none twice, and the queue ends empty (visible and in flight).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "connectors/sqs/sqs_client.h"
#include "faults/fault_proxy.h"
#include "faults/private_postgres.h"
#include "faults/scenario.h"
#include "support/test_env.h"

namespace sluice::faults {
namespace {

using namespace std::chrono_literals;
using sluice::testing::SpawnSluice;
using sluice::testing::WaitProcess;
using sluice::testing::WaitUntilCatching;

constexpr int kInvalidEvery = 40;  // every 40th message has a bad app_version: a reject
constexpr int kVisibilitySeconds = 5;

// Two consumer processes, killed and restarted by one supervising thread, which also starts
// again (and counts) a consumer that ended on its own. `sampler` watches each one's memory.
class Consumers {
 public:
  Consumers(std::vector<std::string> args, std::string pg_url, int kills_each, uint32_t seed,
            PeakRssSampler* sampler)
      : args_(std::move(args)),
        pg_url_(std::move(pg_url)),
        sampler_(sampler),
        kills_left_(2 * kills_each),
        rng_(seed) {
    for (int& pid : pids_)
      pid = Spawn(-1);
    thread_ = std::thread([this] { Supervise(); });
  }

  // Waits for the kills still due, then stops supervising; the consumers keep running.
  void FinishKills() {
    finishing_ = true;
    thread_.join();
  }

  // SIGTERM to both; true when both exited 0.
  bool Stop() {
    bool clean = true;
    for (int pid : pids_)
      clean &= WaitUntilCatching(pid, SIGTERM, 30s);
    for (int pid : pids_) {
      sampler_->SampleNow(pid);
      kill(pid, SIGTERM);
    }
    for (int pid : pids_)
      clean &= WaitProcess(pid) == 0;
    return clean;
  }

  int kills() const { return kills_; }
  int unplanned_exits() const { return unplanned_exits_; }
  // How each consumer that ended on its own ended: its exit status and last error line.
  std::vector<std::string> exits() {
    std::lock_guard lock(mu_);
    return exits_;
  }

 private:
  int Spawn(int old_pid) {
    std::string base;
    const int pid = SpawnSluice(args_, pg_url_, &base);
    sampler_->Watch(pid);
    std::lock_guard lock(mu_);
    outputs_.erase(old_pid);
    outputs_[pid] = base;
    return pid;
  }

  void NoteExit(int pid, int status) {
    std::ifstream err(outputs_[pid] + ".err");
    // Its last lines: what it was doing before it ended.
    std::vector<std::string> lines;
    for (std::string line; std::getline(err, line);)
      if (!line.empty()) lines.push_back(line);
    std::string last;
    for (size_t i = lines.size() > 6 ? lines.size() - 6 : 0; i < lines.size(); ++i)
      last += "\n    " + lines[i];
    std::lock_guard lock(mu_);
    exits_.push_back(
        "exit " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) +
        ": " + last);
  }

  void Supervise() {
    auto next_kill = std::chrono::steady_clock::now() + Pause();
    while (kills_left_ > 0 || !finishing_) {
      for (int& pid : pids_) {
        int status = 0;
        if (pid <= 0) {  // not started (the binary was being replaced?): try again
          ++unplanned_exits_;
          pid = Spawn(pid);
          continue;
        }
        if (waitpid(pid, &status, WNOHANG) == pid) {
          ++unplanned_exits_;
          NoteExit(pid, status);
          pid = Spawn(pid);
        }
      }
      if (kills_left_ > 0 && std::chrono::steady_clock::now() >= next_kill) {
        int& victim = pids_[kills_ % 2];
        sampler_->SampleNow(victim);
        kill(victim, SIGKILL);
        WaitProcess(victim);
        ++kills_;
        --kills_left_;
        victim = Spawn(victim);
        next_kill = std::chrono::steady_clock::now() + Pause();
      }
      std::this_thread::sleep_for(20ms);
    }
  }

  // A random moment: 0.5 to 3 s after the last kill (the consumer has started and is working).
  std::chrono::milliseconds Pause() { return std::chrono::milliseconds(500 + rng_() % 2500); }

  const std::vector<std::string> args_;
  const std::string pg_url_;
  PeakRssSampler* const sampler_;
  int pids_[2] = {-1, -1};
  std::atomic<int> kills_left_;
  std::atomic<int> kills_{0};
  std::atomic<int> unplanned_exits_{0};
  std::atomic<bool> finishing_{false};
  std::mt19937 rng_;
  std::mutex mu_;
  std::map<int, std::string> outputs_;  // pid: its output files' base path
  std::vector<std::string> exits_;
  std::thread thread_;
};

// The wall-clock time, as the consumers' log lines show it.
std::string Now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  char text[32];
  std::strftime(text, sizeof text, "%H:%M:%S", std::gmtime(&seconds));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  return std::string(text) + "." + std::to_string(ms.count() % 1000);
}

// The scenario's PostgreSQL is a private instance (private_postgres.h), so that it can be
// restarted for real; url() and Scalar() reach it as PgTest's reach the shared server.
class LoginsFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    if (!server_.Start(&error)) {
      if (sluice::testing::ServicesRequired()) FAIL() << error;
      GTEST_SKIP() << error;
    }
    auto conn = PgConnection::Connect(server_.url());
    ASSERT_TRUE(conn.ok()) << conn.status().message();
    conn_ = std::move(conn).value();
    url_ = server_.url();
  }
  const std::string& url() const { return url_; }
  PrivatePostgres& server() { return server_; }
  // The first column of the first row ("" for null); the session is opened again after a
  // restart.
  std::string Scalar(const std::string& sql) {
    auto r = conn_->QueryIdempotent(sql, {}, "test query");
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok() || r->rows() == 0 || r->IsNull(0, 0)) return "";
    return std::string(r->Value(0, 0));
  }

 private:
  PrivatePostgres server_;
  std::string url_;
  std::unique_ptr<PgConnection> conn_;
};

TEST_F(LoginsFaults, KilledConsumersLoseAndRepeatNothing) {
  SLUICE_REQUIRE_AWS();
  const auto started = std::chrono::steady_clock::now();
  const int messages = LongRun() ? 3000 : 500;
  const int waves = LongRun() ? 15 : 5;  // the local SQS server slows with depth: fill in waves
  const int kills_each = LongRun() ? 5 : 3;
  PeakRssSampler sampler;  // every Sluice process the test starts

  std::string pg_host, sqs_host;
  int pg_port = 0, sqs_port = 0;
  ASSERT_TRUE(PgHostPort(url(), &pg_host, &pg_port)) << "the test URL names no TCP host:port";
  ASSERT_TRUE(PgHostPort(std::getenv("AWS_ENDPOINT_URL"), &sqs_host, &sqs_port));
  FaultProxy pg(pg_host, pg_port);
  FaultProxy sqs_proxy(sqs_host, sqs_port, ProxyMode::kHttp);
  HttpSchedule schedule;
  schedule.service = AwsService::kSqs;
  schedule.fraction = 0.10;
  schedule.seed = 12;
  schedule.faults = {HttpFault::kInternalError, HttpFault::kUnavailable, HttpFault::kThrottled,
                     HttpFault::kCut, HttpFault::kLostAnswer};
  sqs_proxy.SetHttpSchedule(schedule);

  // The test itself reaches SQS directly: only the consumers go through the proxy, so what
  // is sent is exactly what the oracle expects.
  const std::string queue = sluice::testing::UniqueName("faults-logins");
  const std::string key = ::testing::TempDir() + "/" + queue + ".key";
  ASSERT_EQ(RunSluiceSampled({"logins", "keygen", key}, "", &sampler).exit_code, 0);
  ASSERT_EQ(RunSluiceSampled({"queue", "create", queue}, "", &sampler).exit_code, 0);
  auto config = ResolveAwsConfig("", "sqs");
  ASSERT_TRUE(config.ok());
  SqsClient sqs(*config, MakeCurlTransport());
  const std::string queue_url = *sqs.GetQueueUrl(queue);

  const std::vector<std::string> consumer = {"logins",
                                             "run",
                                             "--queue",
                                             queue,
                                             "--key-file",
                                             key,
                                             "--wait-seconds",
                                             "1",
                                             "--visibility-timeout",
                                             std::to_string(kVisibilitySeconds),
                                             "--batch-size",
                                             "40",
                                             "--receivers",
                                             "2",
                                             "--sqs-endpoint",
                                             "http://" + sqs_proxy.address()};
  Consumers consumers(consumer, WithAddress(url(), pg.address()), kills_each, 7, &sampler);

  int invalid = 0;
  for (int wave = 0; wave < waves; ++wave) {
    std::string text;
    for (int i = wave * messages / waves; i < (wave + 1) * messages / waves; ++i) {
      const bool bad = i % kInvalidEvery == 0;
      invalid += bad;
      text += "{\"user_id\": \"user-" + std::to_string(i) + "\", \"app_version\": \"" +
              (bad ? "v2" : "2.3.0") + "\", \"ip\": \"10.0." + std::to_string(i / 256) + "." +
              std::to_string(i % 256) + "\", \"device_id\": \"dev-" + std::to_string(i) + "\"}\n";
    }
    const std::string path =
        sluice::testing::WriteTempFile(queue + "-" + std::to_string(wave), text);
    ASSERT_EQ(RunSluiceSampled({"queue", "send", queue, path}, "", &sampler).exit_code, 0);
    std::remove(path.c_str());
    if (wave == waves / 2) {
      std::cout << "the database restarts (3 s) at " << Now() << std::endl;
      pg.Restart(3s);
      std::cout << "  its sessions were cut at " << Now() << std::endl;
    }
    if (wave == waves / 4) {  // well before the proxy's restart, so consumers are connected
      std::cout << "the database restarts for real (pg_ctl restart -m fast) at " << Now()
                << std::endl;
      std::string error;
      EXPECT_TRUE(server().Restart(&error)) << error;
      std::cout << "  it accepts connections again at " << Now() << ", after "
                << server().last_outage_seconds() << " s" << std::endl;
    }
    for (auto deadline = std::chrono::steady_clock::now() + 60s;
         std::chrono::steady_clock::now() < deadline;) {
      auto depth = sqs.ApproximateNumberOfMessages(queue_url, false);
      if (depth.ok() && *depth < 100) break;
      std::this_thread::sleep_for(200ms);
    }
  }
  consumers.FinishKills();

  auto stored = [&] { return std::stoi(Scalar("SELECT count(*) FROM sluice_message_ledger")); };
  for (auto deadline = std::chrono::steady_clock::now() + 300s;
       stored() < messages && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(250ms);
  }
  // A message whose receive lost its answer is in flight until its visibility timeout ends;
  // the running consumers then receive it again, find it in the ledger and delete it.
  for (auto deadline = std::chrono::steady_clock::now() + 120s;
       std::chrono::steady_clock::now() < deadline;) {
    auto left = sqs.ApproximateNumberOfMessages(queue_url, true);
    if (left.ok() && *left == 0) break;
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_TRUE(consumers.Stop()) << "a consumer did not exit 0 on SIGTERM";
  std::remove(key.c_str());
  // Still empty after a whole visibility timeout: nothing was in hand and unacknowledged.
  std::this_thread::sleep_for(std::chrono::seconds(kVisibilitySeconds + 1));
  auto left = sqs.ApproximateNumberOfMessages(queue_url, true);
  ASSERT_TRUE(left.ok()) << left.status().message();
  EXPECT_EQ(*left, 0) << "messages left in the queue (visible or in flight)";

  // The oracle. Rows are keyed by user_id (user-I for each valid I); rejects by message id.
  const int valid = messages - invalid;
  const int rows = std::stoi(Scalar("SELECT count(*) FROM user_logins"));
  const int distinct_rows = std::stoi(Scalar("SELECT count(DISTINCT user_id) FROM user_logins"));
  const int rejects = std::stoi(Scalar("SELECT count(*) FROM user_logins_rejects"));
  const int distinct_rejects =
      std::stoi(Scalar("SELECT count(DISTINCT message_id) FROM user_logins_rejects"));
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins WHERE NOT (user_id ~ '^user-[0-9]+$' AND "
                   "substr(user_id, 6)::int < " +
                   std::to_string(messages) + " AND substr(user_id, 6)::int % " +
                   std::to_string(kInvalidEvery) + " <> 0)"),
            "0")
      << "a row that was never sent as a valid message";
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins_rejects r WHERE NOT EXISTS (SELECT 1 FROM "
                   "sluice_message_ledger l WHERE l.message_id = r.message_id)"),
            "0");
  EXPECT_EQ(distinct_rows, valid);
  EXPECT_EQ(rows, distinct_rows) << "a message stored twice";
  EXPECT_EQ(distinct_rejects, invalid);
  EXPECT_EQ(rejects, distinct_rejects) << "a reject stored twice";
  EXPECT_EQ(stored(), messages);

  const FaultCounts s = sqs_proxy.counts();
  const FaultCounts p = pg.counts();
  EXPECT_GT(s.http_500 + s.http_503 + s.http_throttled + s.http_cut + s.http_lost_answers, 0u);
  EXPECT_EQ(p.restarts, 1u);
  EXPECT_EQ(server().restarts(), 1);
  EXPECT_EQ(consumers.kills(), 2 * kills_each);
  for (const std::string& exit : consumers.exits())
    std::cout << "a consumer ended on its own: " << exit << std::endl;

  Figures f;
  f.scenario = "logins";
  f.in = static_cast<uint64_t>(messages);
  f.faults = s.injected() + p.injected() + p.restarts + static_cast<uint64_t>(server().restarts());
  f.kills = static_cast<uint64_t>(consumers.kills());
  f.lost = static_cast<uint64_t>(std::max(0, valid - distinct_rows) +
                                 std::max(0, invalid - distinct_rejects));
  f.duplicated = static_cast<uint64_t>((rows - distinct_rows) + (rejects - distinct_rejects));
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  f.peak_rss_kib = sampler.peak_kib();
  f.detail = "sqs_requests=" + std::to_string(s.http_requests) +
             " sqs_500=" + std::to_string(s.http_500) + " sqs_503=" + std::to_string(s.http_503) +
             " sqs_throttled=" + std::to_string(s.http_throttled) +
             " sqs_cut=" + std::to_string(s.http_cut) +
             " sqs_lost_answers=" + std::to_string(s.http_lost_answers) +
             " pg_restarts=" + std::to_string(p.restarts) +
             " pg_sessions_cut=" + std::to_string(p.cut) +
             " pg_connects_failed=" + std::to_string(p.upstream_failures) +
             " pg_real_restarts=" + std::to_string(server().restarts()) + " pg_real_outage_ms=" +
             std::to_string(static_cast<int>(server().last_outage_seconds() * 1000)) +
             " consumer_exits_on_their_own=" + std::to_string(consumers.unplanned_exits());
  Report(f);
}

}  // namespace
}  // namespace sluice::faults
