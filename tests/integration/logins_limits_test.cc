// PostgreSQL's 1 GB limit on one value (and on one statement's parameters) against what the
// logins job writes: batches close early by bytes, and a rejected body too large to keep is
// left out, said so in the reason, instead of failing its whole batch.
#include <gtest/gtest.h>

#include "jobs/logins/logins_job.h"
#include "jobs/logins/logins_sink.h"
#include "support/test_env.h"
#include "transforms/message_transform.h"

namespace sluice::logins {
namespace {

const std::string kLimitsKey =
    "lim:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw"
    "==";

// Hands out its messages as one batch, like a file source read in one go.
class OneBatchSource : public MessageSource {
 public:
  OneBatchSource(std::vector<InboundMessage> messages, std::string checkpoint)
      : messages_(std::move(messages)), checkpoint_(std::move(checkpoint)) {}
  std::vector<InboundMessage> NextBatch(size_t, std::chrono::milliseconds) override {
    done_ = true;
    return std::move(messages_);
  }
  bool Finished() const override { return done_; }
  void Acknowledge(std::vector<InboundMessage> m) override { acknowledged += m.size(); }
  void Stop() override {}
  Status Close() override { return Status::Ok(); }
  std::string CheckpointName() const override { return checkpoint_; }
  size_t acknowledged = 0;

 private:
  std::vector<InboundMessage> messages_;
  std::string checkpoint_;
  bool done_ = false;
};

InboundMessage Message(uint64_t line, std::string body) {
  return InboundMessage{"m-" + std::to_string(line), std::move(body), "", 1640475000000, 0, line};
}

std::string Login(uint64_t n) {
  return "{\"user_id\":\"u-" + std::to_string(n) + "\",\"app_version\":\"1.0\"}";
}

class LoginsLimits : public testing::PgTest {
 protected:
  Result<LoginsRunStats> Run(OneBatchSource& source, size_t batch_body_bytes) {
    auto sink = LoginsSink::Open(url(), {}, "test");
    if (!sink.ok()) return sink.status();
    auto ring = MaskKeyring::Parse(kLimitsKey, "test");
    if (!ring.ok()) return ring.status();
    LoginsRunOptions options;
    options.batch_body_bytes = batch_body_bytes;
    return RunLogins(source, **sink, *ring, MaskMode::kSiv, options);
  }
};

TEST_F(LoginsLimits, ABatchClosesEarlyByBytesAndEveryPartCommits) {
  std::vector<InboundMessage> messages;
  for (uint64_t i = 1; i <= 7; ++i)
    messages.push_back(Message(i, Login(i)));
  const size_t each = messages[0].body.size();
  OneBatchSource source(std::move(messages), "file:limits");
  // Room for two bodies a batch: 7 messages in 4 batches, each under the checkpoint.
  auto stats = Run(source, 2 * each + 1);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(stats->batches, 4u);
  EXPECT_EQ(stats->stored, 7u);
  EXPECT_EQ(source.acknowledged, 7u);
  EXPECT_EQ(Scalar("SELECT count(DISTINCT user_id) FROM user_logins"), "7");
  EXPECT_EQ(Scalar("SELECT position FROM sluice_checkpoints WHERE name = 'file:limits'"), "7");
}

TEST_F(LoginsLimits, ARejectedBodyTooLargeToKeepIsLeftOutAndSaidSo) {
  std::string huge(MessageTransform::kMaxKeptRejectBody + 1, 'x');  // not JSON: a reject
  std::vector<InboundMessage> messages = {Message(1, Login(1)), Message(2, std::move(huge)),
                                          Message(3, "not json either")};
  OneBatchSource source(std::move(messages), "");
  auto stats = Run(source, LoginsRunOptions{}.batch_body_bytes);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(stats->stored, 1u);
  EXPECT_EQ(stats->rejected, 2u);
  EXPECT_EQ(Scalar("SELECT reason FROM user_logins_rejects WHERE message_id = 'm-2'"),
            "the body is not valid JSON: The JSON document has an improper structure: missing "
            "or superfluous commas, braces, missing keys, etc.; the body, 67108865 bytes, is over "
            "the 64 MiB a reject keeps and is not stored");
  EXPECT_EQ(Scalar("SELECT body_encrypted IS NULL FROM user_logins_rejects WHERE message_id = "
                   "'m-2'"),
            "t");
  EXPECT_EQ(Scalar("SELECT body_encrypted IS NOT NULL FROM user_logins_rejects WHERE "
                   "message_id = 'm-3'"),
            "t");
}

}  // namespace
}  // namespace sluice::logins
