// Case logins-reconnect-after-session-loss: PostgreSQL ends a consumer's session (restart,
// failover, pg_terminate_backend, idle timeout) while the server stays up or comes back. The
// consumer reconnects within its retry window, keeps running, and stores each message once.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "connectors/sqs/sqs_client.h"
#include "faults/fault_proxy.h"
#include "faults/scenario.h"
#include "jobs/logins/logins_job.h"
#include "jobs/logins/logins_sink.h"
#include "jobs/logins/logins_table.h"
#include "support/test_env.h"

namespace sluice::logins {
namespace {

using namespace std::chrono_literals;

const std::string kReconnectKey =
    "rc:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==";

// Hands out fixed batches in order and runs `between` before each batch after the first.
class ScriptedSource : public MessageSource {
 public:
  ScriptedSource(std::vector<std::vector<InboundMessage>> batches, std::string checkpoint,
                 std::function<void()> between)
      : batches_(std::move(batches)),
        checkpoint_(std::move(checkpoint)),
        between_(std::move(between)) {}

  std::vector<InboundMessage> NextBatch(size_t, std::chrono::milliseconds) override {
    if (next_ == batches_.size()) return {};
    if (next_ > 0) {
      // The writer takes the batch before this one first, so the session is ended between
      // writes, as an idle timeout or a restart between batches would.
      while (acknowledged_ < next_)
        std::this_thread::sleep_for(10ms);
      between_();
    }
    return batches_[next_++];
  }
  bool Finished() const override { return next_ == batches_.size(); }
  void Acknowledge(std::vector<InboundMessage>) override { ++acknowledged_; }
  void Stop() override {}
  Status Close() override { return Status::Ok(); }
  std::string CheckpointName() const override { return checkpoint_; }

 private:
  std::vector<std::vector<InboundMessage>> batches_;
  std::string checkpoint_;
  std::function<void()> between_;
  size_t next_ = 0;
  std::atomic<size_t> acknowledged_{0};
};

std::vector<std::vector<InboundMessage>> Batches(int count, int size) {
  std::vector<std::vector<InboundMessage>> batches(count);
  uint64_t line = 0;
  for (int b = 0; b < count; ++b) {
    for (int i = 0; i < size; ++i) {
      ++line;
      const std::string n = std::to_string(line);
      batches[b].push_back(InboundMessage{"m-" + n,
                                          "{\"user_id\":\"u-" + n + "\",\"app_version\":\"1.0\"}",
                                          "", 1640475000000, 0, line});
    }
  }
  return batches;
}

class LoginsReconnectTest : public testing::PgTest {
 protected:
  void TerminateSessions(const std::string& application_name) {
    EXPECT_EQ(Scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                     "application_name = '" +
                     application_name + "'"),
              "1");
  }

  // Runs 4 batches of 5 through the job, ending the sink's session before batches 2, 3, 4.
  void RunWithSessionsEnded(const std::string& checkpoint) {
    const std::string app = testing::UniqueName("logins-rc");
    auto sink = LoginsSink::Open(url() + "&application_name=" + app, {}, "test");
    ASSERT_TRUE(sink.ok()) << sink.status().message();
    ScriptedSource source(Batches(4, 5), checkpoint, [&] { TerminateSessions(app); });
    auto ring = MaskKeyring::Parse(kReconnectKey, "test");
    ASSERT_TRUE(ring.ok());
    LoginsRunOptions options;
    options.batch_size = 5;
    auto stats = RunLogins(source, **sink, *ring, MaskMode::kSiv, options);
    ASSERT_TRUE(stats.ok()) << stats.status().message();
    EXPECT_EQ(stats->messages, 20u);
    EXPECT_EQ(stats->stored, 20u);
    EXPECT_EQ(stats->duplicates, 0u);
    EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins"), "20");
    EXPECT_EQ(Scalar("SELECT count(DISTINCT user_id) FROM user_logins"), "20");
  }
};

TEST_F(LoginsReconnectTest, AQueueConsumerRidesThroughEndedSessions) {
  RunWithSessionsEnded("");
  EXPECT_EQ(Scalar("SELECT count(*) FROM sluice_message_ledger"), "20");
}

TEST_F(LoginsReconnectTest, AFileLoadRidesThroughEndedSessions) {
  RunWithSessionsEnded("file:test");
  EXPECT_EQ(Scalar("SELECT position FROM sluice_checkpoints WHERE name = 'file:test'"), "20");
}

// The server restarts between batches: the session is cut and connecting is refused for two
// seconds, shorter than the writer's retry window. Every message is still stored, once.
TEST_F(LoginsReconnectTest, AConsumerRidesThroughADatabaseRestart) {
  std::string host;
  int port = 0;
  if (!faults::PgHostPort(url(), &host, &port)) {
    GTEST_SKIP() << "the test URL does not name a TCP host:port to put a proxy in front of";
  }
  faults::FaultProxy proxy(host, port);
  const std::string proxied = faults::WithAddress(url(), proxy.address());
  auto sink = LoginsSink::Open(proxied, {}, "test");
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  int restarts = 0;
  ScriptedSource source(Batches(3, 5), "", [&] {
    proxy.Restart(2s);
    ++restarts;
  });
  auto ring = MaskKeyring::Parse(kReconnectKey, "test");
  ASSERT_TRUE(ring.ok());
  LoginsRunOptions options;
  options.batch_size = 5;
  auto stats = RunLogins(source, **sink, *ring, MaskMode::kSiv, options);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(restarts, 2);
  EXPECT_EQ(proxy.counts().restarts, 2u);
  EXPECT_GE(proxy.counts().cut, 2u) << "the restarts cut no session";
  EXPECT_EQ(stats->stored, 15u);
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins"), "15");
  EXPECT_EQ(Scalar("SELECT count(DISTINCT user_id) FROM user_logins"), "15");
  EXPECT_EQ(Scalar("SELECT count(*) FROM sluice_message_ledger"), "15");
}

Batch Rows(uint64_t first, uint64_t count) {
  Batch rows(LoginRowSchema());
  for (uint64_t i = first; i < first + count; ++i) {
    rows.column(LoginRowIndex("message_id")).AppendText("m-" + std::to_string(i));
    rows.column(LoginRowIndex("user_id")).AppendText("u-" + std::to_string(i));
    for (size_t c : {LoginRowIndex("device_type"), LoginRowIndex("masked_ip"),
                     LoginRowIndex("masked_device_id"), LoginRowIndex("locale")})
      rows.column(c).AppendNull();
    rows.column(LoginRowIndex("app_version")).AppendInt(1000000);
    rows.column(LoginRowIndex("create_date")).AppendInt(19000);
  }
  return rows;
}

// A COMMIT that went through while its answer was lost with the session: the retry of the same
// batch finds the checkpoint already moved to its end and adds nothing.
TEST_F(LoginsReconnectTest, ARetriedCheckpointBatchThatCommittedAddsNothing) {
  auto sink = LoginsSink::Open(url(), {}, "file");
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  Batch rejects(LoginRejectSchema());
  Checkpoint first{"file:x", 0, 3};
  ASSERT_TRUE((*sink)->Write(Rows(1, 3), rejects, &first).ok());
  auto again = (*sink)->Write(Rows(1, 3), rejects, &first);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->stored, 0u);
  EXPECT_EQ(again->duplicates, 3u);
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins"), "3");
  // Another process's progress elsewhere is still refused.
  Checkpoint stale{"file:x", 1, 2};
  auto refused = (*sink)->Write(Rows(2, 1), rejects, &stale);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins"), "3");
}

// The case itself, end to end: a consumer process on a queue whose backend is terminated again
// and again by application_name keeps running and stores every message once.
TEST_F(LoginsReconnectTest, AConsumerProcessKeepsRunningAfterItsBackendIsTerminated) {
  SLUICE_REQUIRE_AWS();
  const std::string queue = testing::UniqueName("reconnect");
  const std::string app = queue;
  const std::string key = ::testing::TempDir() + "/" + queue + ".key";
  ASSERT_EQ(testing::RunSluice({"logins", "keygen", key}, "").exit_code, 0);
  ASSERT_EQ(testing::RunSluice({"queue", "create", queue}, "").exit_code, 0);
  const int pid =
      testing::SpawnSluice({"logins", "run", "--queue", queue, "--key-file", key, "--wait-seconds",
                            "1", "--pg", url() + "&application_name=" + app},
                           "");
  ASSERT_GT(pid, 0);
  // The consumer creates its tables first.
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       Scalar("SELECT to_regclass('sluice_message_ledger') IS NOT NULL") != "t" &&
       std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(100ms);
  }
  constexpr int kWaves = 3;
  constexpr int kPerWave = 5;
  auto stored = [&] { return std::stoi(Scalar("SELECT count(*) FROM sluice_message_ledger")); };
  auto wait_for = [&](int want) {
    for (auto deadline = std::chrono::steady_clock::now() + 60s;
         stored() < want && std::chrono::steady_clock::now() < deadline;) {
      std::this_thread::sleep_for(100ms);
    }
    return stored();
  };
  for (int wave = 0; wave < kWaves; ++wave) {
    const std::string path =
        testing::WriteTempFile(queue + "-" + std::to_string(wave) + ".ndjson", [&] {
          std::string text;
          for (int i = 0; i < kPerWave; ++i) {
            text += "{\"user_id\":\"w" + std::to_string(wave) + "-" + std::to_string(i) +
                    "\",\"app_version\":\"1.0\"}\n";
          }
          return text;
        }());
    ASSERT_EQ(testing::RunSluice({"queue", "send", queue, path}, "").exit_code, 0);
    ASSERT_EQ(wait_for((wave + 1) * kPerWave), (wave + 1) * kPerWave) << "wave " << wave;
    // The consumer holds one session; the server ends it.
    TerminateSessions(app);
  }
  EXPECT_EQ(kill(pid, 0), 0) << "the consumer exited after its session was ended";
  kill(pid, SIGTERM);
  EXPECT_EQ(testing::WaitProcess(pid), 0);
  std::remove(key.c_str());
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins"), std::to_string(kWaves * kPerWave));
  EXPECT_EQ(Scalar("SELECT count(DISTINCT user_id) FROM user_logins"),
            std::to_string(kWaves * kPerWave));
}

}  // namespace
}  // namespace sluice::logins
