// The pipeline runner against stages scripted here: acknowledgement only after a commit, a
// batch that cannot be committed handed back (Nack), retries only of what a retry may cure, a
// message delivered twice in one batch applied once, and a resumed ordered source.
#include "pipeline/runner.h"

#include <gtest/gtest.h>

#include <deque>
#include <mutex>

namespace sluice {
namespace {

class ListSource : public MessageSource {
 public:
  ListSource(std::vector<std::vector<InboundMessage>> batches, std::string checkpoint = "")
      : batches_(batches.begin(), batches.end()), checkpoint_(std::move(checkpoint)) {}

  std::vector<InboundMessage> NextBatch(size_t, std::chrono::milliseconds) override {
    std::lock_guard lock(mutex_);
    if (batches_.empty() || stopped_) return {};
    auto b = std::move(batches_.front());
    batches_.pop_front();
    std::vector<InboundMessage> out;
    for (auto& m : b) {
      if (m.sequence == 0 || m.sequence > skipped_through_) out.push_back(std::move(m));
    }
    return out;
  }
  bool Finished() const override {
    std::lock_guard lock(mutex_);
    return batches_.empty() || stopped_;
  }
  void Acknowledge(std::vector<InboundMessage> messages) override {
    std::lock_guard lock(mutex_);
    for (auto& m : messages)
      acked.push_back(m.id);
  }
  void Nack(std::vector<InboundMessage> messages) override {
    std::lock_guard lock(mutex_);
    stopped_before_nack = stopped_before_nack && stopped_;
    for (auto& m : messages)
      nacked.push_back(m.id);
  }
  void Stop() override {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  Status Close() override { return Status::Ok(); }
  std::string CheckpointName() const override { return checkpoint_; }
  void SkipThrough(uint64_t sequence) override { skipped_through_ = sequence; }

  std::vector<std::string> acked, nacked;
  bool stopped_before_nack = true;  // a receiver must not take handed-back messages again

 private:
  mutable std::mutex mutex_;
  std::deque<std::vector<InboundMessage>> batches_;
  std::string checkpoint_;
  uint64_t skipped_through_ = 0;
  bool stopped_ = false;
};

// One text column; a body "bad" is a reject.
class EchoTransform : public Transform {
 public:
  PreparedBatch NewBatch() const override {
    return PreparedBatch{Batch(Schema{{"body", ColumnType::kText, true}}),
                         Batch(Schema{{"reason", ColumnType::kText, true}}),
                         {}};
  }
  Status Apply(const InboundMessage& m, PreparedBatch* batch) override {
    ++applied;
    if (m.body == "crash") return Internal("the transform broke");
    if (m.body == "bad") {
      batch->rejects.column(0).AppendText("bad body");
    } else {
      batch->rows.column(0).AppendText(m.body);
    }
    return Status::Ok();
  }
  int applied = 0;
};

// Fails its first `failures` commits with `failure`.
class ScriptedSink : public Sink {
 public:
  explicit ScriptedSink(int failures = 0, Status failure = Unavailable("the session ended"),
                        uint64_t resume = 0)
      : failures_(failures), failure_(std::move(failure)), resume_(resume) {}
  Result<uint64_t> Open(std::string_view source_checkpoint) override {
    opened_with = std::string(source_checkpoint);
    return resume_;
  }
  Result<SinkOutcome> Commit(const PreparedBatch& batch, uint64_t through) override {
    ++commits;
    if (failures_-- > 0) return failure_;
    rows += batch.rows.num_rows();
    last_through = through;
    return SinkOutcome{batch.rows.num_rows(), batch.rejects.num_rows()};
  }
  int commits = 0;
  uint64_t rows = 0;
  uint64_t last_through = 0;
  std::string opened_with;

 private:
  int failures_;
  Status failure_;
  uint64_t resume_;
};

InboundMessage Message(std::string id, std::string body, uint64_t sequence = 0) {
  InboundMessage m;
  m.id = std::move(id);
  m.body = std::move(body);
  m.sequence = sequence;
  return m;
}

RunnerOptions Fast() {
  RunnerOptions options;
  options.linger = std::chrono::milliseconds(1);
  options.retry = RetryPolicy{3, std::chrono::milliseconds(1), std::chrono::milliseconds(2), false};
  return options;
}

TEST(Runner, CommitsThenAcknowledgesAndCountsWhatWasStored) {
  ListSource source(
      {{Message("a", "1"), Message("b", "bad"), Message("a", "1")}, {Message("c", "3")}});
  EchoTransform transform;
  ScriptedSink sink;
  auto stats = RunPipeline(source, transform, sink, Fast());
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(stats->messages, 4u);
  EXPECT_EQ(stats->stored, 2u);
  EXPECT_EQ(stats->rejected, 1u);
  EXPECT_EQ(stats->duplicates, 1u);  // "a" twice in one batch is applied once
  EXPECT_EQ(transform.applied, 3);
  EXPECT_EQ(stats->batches, 2u);
  EXPECT_EQ(source.acked, (std::vector<std::string>{"a", "b", "a", "c"}));
  EXPECT_TRUE(source.nacked.empty());
}

TEST(Runner, WhatARetryMayCureIsRetried) {
  ListSource source({{Message("a", "1")}});
  EchoTransform transform;
  ScriptedSink sink(2);
  auto stats = RunPipeline(source, transform, sink, Fast());
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(sink.commits, 3);
  EXPECT_EQ(source.acked, (std::vector<std::string>{"a"}));
}

TEST(Runner, ABatchThatCannotCommitIsHandedBackAndEndsTheRun) {
  ListSource source({{Message("a", "1"), Message("b", "2")}, {Message("c", "3")}});
  EchoTransform transform;
  ScriptedSink sink(100, PermissionDenied("permission denied for table t"));
  auto stats = RunPipeline(source, transform, sink, Fast());
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(sink.commits, 1);  // not retried: a refusal stays a refusal
  EXPECT_EQ(stats.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(stats.status().message(),
            "writing a batch failed on attempt 1, with an error a retry cannot cure: permission "
            "denied for table t");
  EXPECT_TRUE(source.acked.empty());
  // The failed batch, and the one prepared behind it if any, go back to the source.
  ASSERT_FALSE(source.nacked.empty());
  EXPECT_EQ(source.nacked[0], "a");
  EXPECT_EQ(source.nacked[1], "b");
  EXPECT_TRUE(source.stopped_before_nack);
}

TEST(Runner, RetriesEndAfterThePolicysAttempts) {
  ListSource source({{Message("a", "1")}});
  EchoTransform transform;
  ScriptedSink sink(100);
  auto stats = RunPipeline(source, transform, sink, Fast());
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(sink.commits, 3);
  EXPECT_EQ(stats.status().message(),
            "writing a batch failed on attempt 3, the last: the session ended");
  EXPECT_EQ(source.nacked, (std::vector<std::string>{"a"}));
}

TEST(Runner, ATransformFailureHandsTheBatchBack) {
  ListSource source({{Message("a", "1"), Message("b", "crash"), Message("c", "3")}});
  EchoTransform transform;
  ScriptedSink sink;
  auto stats = RunPipeline(source, transform, sink, Fast());
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().message(), "the transform broke");
  EXPECT_EQ(sink.commits, 0);
  EXPECT_EQ(source.nacked, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(source.stopped_before_nack);
}

TEST(Runner, AnOrderedSourceResumesAfterItsCheckpoint) {
  ListSource source({{Message("l1", "1", 1), Message("l2", "2", 2), Message("l3", "3", 3)}},
                    "file:x");
  EchoTransform transform;
  ScriptedSink sink(0, Status::Ok(), 2);
  auto stats = RunPipeline(source, transform, sink, Fast());
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(sink.opened_with, "file:x");
  EXPECT_EQ(stats->messages, 1u);
  EXPECT_EQ(sink.last_through, 3u);
  EXPECT_EQ(source.acked, (std::vector<std::string>{"l3"}));
}

TEST(RetryPolicy, PausesDoubleUpToTheLongest) {
  const RetryPolicy policy{8, std::chrono::milliseconds(400), std::chrono::milliseconds(5000),
                           false};
  EXPECT_EQ(policy.PauseAfter(1).count(), 400);
  EXPECT_EQ(policy.PauseAfter(2).count(), 800);
  EXPECT_EQ(policy.PauseAfter(4).count(), 3200);
  EXPECT_EQ(policy.PauseAfter(5).count(), 5000);
  EXPECT_EQ(policy.PauseAfter(30).count(), 5000);
  EXPECT_TRUE(policy.ShouldRetry(Unavailable("x"), 7));
  EXPECT_FALSE(policy.ShouldRetry(Unavailable("x"), 8));
  EXPECT_FALSE(policy.ShouldRetry(PermissionDenied("x"), 1));
  const RetryPolicy jittered{5, std::chrono::milliseconds(100), std::chrono::milliseconds(1000)};
  for (int i = 0; i < 100; ++i)
    EXPECT_LE(jittered.PauseAfter(3).count(), 400);
}

// Records what the runner tells it, for the metrics' sake.
class RecordingObserver : public RunnerObserver {
 public:
  void Started() override { ++started; }
  void Received(size_t messages) override { received += messages; }
  void SourceErrors(uint64_t errors) override { source_errors += errors; }
  void CommitRetried(const Status&) override { ++retries; }
  void Committed(size_t messages, const SinkOutcome& outcome, double seconds) override {
    ++batches;
    stored += outcome.stored;
    rejected += outcome.rejected;
    duplicates += messages - outcome.stored - outcome.rejected;
    all_timed = all_timed && seconds >= 0;
  }
  void Failed(const Status& error) override { failure = error.message(); }

  int started = 0, batches = 0, retries = 0;
  uint64_t received = 0, stored = 0, rejected = 0, duplicates = 0, source_errors = 0;
  bool all_timed = true;
  std::string failure;
};

// A ListSource that says it failed some of its own work, as SqsSource counts failed receives.
class FailingWorkSource : public ListSource {
 public:
  using ListSource::ListSource;
  uint64_t ErrorCount() const override { return 2; }
};

TEST(Runner, TheObserverCountsWhatTheStatsCount) {
  FailingWorkSource source(
      {{Message("a", "1"), Message("b", "bad"), Message("a", "1")}, {Message("c", "3")}});
  EchoTransform transform;
  ScriptedSink sink(1);  // the first commit fails once, and is retried
  RecordingObserver observer;
  RunnerOptions options = Fast();
  options.observer = &observer;
  auto stats = RunPipeline(source, transform, sink, options);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(observer.started, 1);
  EXPECT_EQ(observer.received, 4u);
  EXPECT_EQ(observer.batches, 2);
  EXPECT_EQ(observer.stored, stats->stored);
  EXPECT_EQ(observer.rejected, stats->rejected);
  EXPECT_EQ(observer.duplicates, stats->duplicates);
  EXPECT_EQ(observer.retries, 1);
  EXPECT_EQ(observer.source_errors, 2u);  // counted once, not again on every batch
  EXPECT_TRUE(observer.all_timed);
  EXPECT_TRUE(observer.failure.empty());
}

TEST(Runner, TheObserverHearsHowARunFailed) {
  ListSource source({{Message("a", "1")}});
  EchoTransform transform;
  ScriptedSink sink(100);
  RecordingObserver observer;
  RunnerOptions options = Fast();
  options.observer = &observer;
  ASSERT_FALSE(RunPipeline(source, transform, sink, options).ok());
  EXPECT_EQ(observer.retries, 2);  // 3 attempts
  EXPECT_EQ(observer.batches, 0);
  EXPECT_NE(observer.failure.find("writing a batch failed on attempt 3, the last"),
            std::string::npos)
      << observer.failure;
}

}  // namespace
}  // namespace sluice
