// Exactly once under faults: three consumer processes share a queue while one of them is killed
// with SIGKILL again and again, mid-batch, and restarted. Afterwards every message is stored
// once: as a row (checked by user_id) or as a reject.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include "connectors/sqs/sqs_client.h"
#include "support/test_env.h"

namespace sluice::logins {
namespace {

using namespace std::chrono_literals;
using sluice::testing::RunSluice;
using sluice::testing::SpawnSluice;
using sluice::testing::WaitProcess;
using sluice::testing::WaitUntilCatching;

constexpr int kMessages = 2000;
// The local SQS server slows down with depth: the queue is filled in waves.
constexpr int kExactlyOnceWaves = 10;
constexpr int kInvalidEvery = 40;

class LoginsExactlyOnce : public sluice::testing::PgTest {};

TEST_F(LoginsExactlyOnce, ThreeConsumersOneKilledRepeatedly) {
  SLUICE_REQUIRE_AWS();
  const std::string queue = sluice::testing::UniqueName("exactly-once");
  const std::string key = ::testing::TempDir() + "/" + queue + ".key";
  ASSERT_EQ(RunSluice({"logins", "keygen", key}, "").exit_code, 0);
  ASSERT_EQ(RunSluice({"queue", "create", queue}, "").exit_code, 0);
  auto config = ResolveAwsConfig("", "sqs");
  ASSERT_TRUE(config.ok());
  SqsClient sqs(*config, MakeCurlTransport());
  const std::string queue_url = *sqs.GetQueueUrl(queue);

  // A short visibility timeout brings a killed consumer's messages back quickly.
  const std::vector<std::string> consumer = {"logins",
                                             "run",
                                             "--queue",
                                             queue,
                                             "--key-file",
                                             key,
                                             "--wait-seconds",
                                             "1",
                                             "--visibility-timeout",
                                             "5",
                                             "--batch-size",
                                             "40",
                                             "--receivers",
                                             "2"};
  int pids[3];
  for (int& pid : pids)
    pid = SpawnSluice(consumer, url());

  std::mt19937 rng(7);
  int kills = 0;
  int invalid = 0;
  for (int wave = 0; wave < kExactlyOnceWaves; ++wave) {
    std::string path = ::testing::TempDir() + "/" + queue + "-wave" + std::to_string(wave);
    {
      std::ofstream out(path);
      for (int i = wave * kMessages / kExactlyOnceWaves;
           i < (wave + 1) * kMessages / kExactlyOnceWaves; ++i) {
        bool bad = i % kInvalidEvery == 0;
        invalid += bad;
        out << "{\"user_id\": \"user-" << i << "\", \"app_version\": \"" << (bad ? "v2" : "2.3.0")
            << "\", \"ip\": \"10.0." << i / 256 << "." << i % 256 << "\", \"device_id\": \"dev-"
            << i << "\"}\n";
      }
    }
    ASSERT_EQ(RunSluice({"queue", "send", queue, path}, "").exit_code, 0);
    std::remove(path.c_str());
    if (wave % 2 == 1) {
      // Let the victim get a batch in hand, then kill it without warning and start it again.
      std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 800));
      kill(pids[0], SIGKILL);
      EXPECT_EQ(WaitProcess(pids[0]), 128 + SIGKILL);
      ++kills;
      pids[0] = SpawnSluice(consumer, url());
    }
    for (auto deadline = std::chrono::steady_clock::now() + 60s;
         std::chrono::steady_clock::now() < deadline;) {
      auto depth = sqs.ApproximateNumberOfMessages(queue_url, false);
      if (depth.ok() && *depth < 100) break;
      std::this_thread::sleep_for(200ms);
    }
  }

  auto stored = [&] { return std::stoi(Scalar("SELECT count(*) FROM sluice_message_ledger")); };
  // Every message stored is not yet every message deleted: a batch the victim committed just
  // before its kill stays invisible until its visibility timeout, then comes back, is found in
  // the ledger and deleted by a live consumer. The consumers run until the queue is empty,
  // in-flight messages included.
  auto queue_empty = [&] {
    auto depth = sqs.ApproximateNumberOfMessages(queue_url, true);
    return depth.ok() && *depth == 0;
  };
  for (auto deadline = std::chrono::steady_clock::now() + 240s;
       (stored() < kMessages || !queue_empty()) && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(500ms);
  }
  // A consumer started a moment ago may not catch SIGTERM yet; this test is about its handling.
  for (int pid : pids)
    EXPECT_TRUE(WaitUntilCatching(pid, SIGTERM, 30s)) << "a consumer never started";
  for (int pid : pids)
    kill(pid, SIGTERM);
  for (int pid : pids)
    EXPECT_EQ(WaitProcess(pid), 0) << "a consumer did not exit cleanly";
  std::remove(key.c_str());

  EXPECT_EQ(kills, kExactlyOnceWaves / 2);
  EXPECT_EQ(stored(), kMessages);
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins"), std::to_string(kMessages - invalid));
  EXPECT_EQ(Scalar("SELECT count(DISTINCT user_id) FROM user_logins"),
            std::to_string(kMessages - invalid));
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins WHERE user_id NOT LIKE 'user-%'"), "0");
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins_rejects"), std::to_string(invalid));
  EXPECT_EQ(Scalar("SELECT count(DISTINCT message_id) FROM user_logins_rejects"),
            std::to_string(invalid));
  EXPECT_EQ(*sqs.ApproximateNumberOfMessages(queue_url, true), 0);
}

}  // namespace
}  // namespace sluice::logins
