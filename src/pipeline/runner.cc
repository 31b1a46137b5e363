#include "pipeline/runner.h"

#include <fmt/format.h>

#include <iterator>
#include <thread>
#include <unordered_set>

#include "core/log.h"
#include "pipeline/writer_stage.h"

namespace sluice {
namespace {

// Commits one batch under the retry policy; the error says on which attempt it gave up, and why.
Result<SinkOutcome> CommitWithRetries(Sink& sink, const PreparedBatch& batch,
                                      const RetryPolicy& retry, RunnerObserver* observer) {
  const uint64_t through = batch.messages.back().sequence;
  for (int attempt = 1;; ++attempt) {
    Result<SinkOutcome> outcome = sink.Commit(batch, through);
    if (outcome.ok()) return outcome;
    if (!retry.ShouldRetry(outcome.status(), attempt)) {
      // A checkpoint moved by another process will not move back, and a refused grant or a
      // missing table stays so: only what a retry may cure is tried again.
      return outcome.status().WithContext(
          outcome.status().code() == StatusCode::kUnavailable
              ? fmt::format("writing a batch failed on attempt {}, the last", attempt)
              : fmt::format("writing a batch failed on attempt {}, with an error a retry cannot "
                            "cure",
                            attempt));
    }
    LogEvent(LogLevel::kWarn, "batch.retry",
             {{"component", "sink"},
              {"attempt", attempt},
              {"attempts", retry.attempts},
              {"messages", batch.messages.size()},
              {"error_code", StatusCodeName(outcome.status().code())}},
             "writing a batch failed (attempt {} of {}): {}", attempt, retry.attempts,
             outcome.status().message());
    if (observer) observer->CommitRetried(outcome.status());
    std::this_thread::sleep_for(retry.PauseAfter(attempt));
  }
}

// The run itself; RunPipeline tells the observer how it ended, whichever way it returns.
Result<RunnerStats> RunObserved(MessageSource& source, Transform& transform, Sink& sink,
                                const RunnerOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  RunnerObserver* const observer = options.observer;
  ASSIGN_OR_RETURN(const uint64_t resume, sink.Open(source.CheckpointName()));
  if (observer) observer->Started();
  if (resume > 0) {
    source.SkipThrough(resume);
    LogInfo("{} resumes after message {} (a line, or an array element), its committed checkpoint",
            source.CheckpointName(), resume);
  }

  RunnerStats stats;
  auto last_report = std::chrono::steady_clock::now();
  auto last_maintain = last_report;
  WriterStage<PreparedBatch> writer("pipeline-write", 1, [&](PreparedBatch& batch) -> Status {
    const auto commit_start = std::chrono::steady_clock::now();
    Result<SinkOutcome> outcome = CommitWithRetries(sink, batch, options.retry, observer);
    if (!outcome.ok()) {
      // Stopped first, so that the receivers do not take the handed-back messages again.
      source.Stop();
      source.Nack(std::move(batch.messages));
      return outcome.status();
    }
    const size_t n = batch.messages.size();
    stats.messages += n;
    stats.stored += outcome->stored;
    stats.rejected += outcome->rejected;
    stats.duplicates += n - outcome->stored - outcome->rejected;
    ++stats.batches;
    const auto now = std::chrono::steady_clock::now();
    if (observer) {
      observer->Committed(n, *outcome, std::chrono::duration<double>(now - commit_start).count());
    }
    source.Acknowledge(std::move(batch.messages));
    // A run that lasts for weeks keeps its sink tidy too.
    if (now - last_maintain > options.maintain_every) {
      last_maintain = now;
      sink.Maintain();
    }
    if (options.progress_every.count() > 0 && now - last_report > options.progress_every) {
      last_report = now;
      LogEvent(LogLevel::kInfo, "run.progress",
               {{"messages", stats.messages},
                {"stored", stats.stored},
                {"rejected", stats.rejected},
                {"duplicates", stats.duplicates},
                {"batches", stats.batches}},
               "{} messages: {} stored, {} rejected, {} already stored", stats.messages,
               stats.stored, stats.rejected, stats.duplicates);
    }
    return Status::Ok();
  });

  // The same message twice in one batch (a redelivery racing its first copy) is applied once;
  // the views point into the batch's messages, which are reserved so they do not move.
  std::unordered_set<std::string_view> seen;
  Status transform_error;
  bool writer_failed = false;
  // Hands a batch to the writer; a batch it can no longer take goes back to the source.
  auto hand_on = [&](PreparedBatch& batch) {
    seen.clear();
    if (writer.Push(batch)) return true;
    source.Stop();
    source.Nack(std::move(batch.messages));
    writer_failed = true;
    return false;
  };
  uint64_t source_errors = 0;
  while (!writer_failed) {
    std::vector<InboundMessage> received = source.NextBatch(options.batch_size, options.linger);
    if (observer) {
      if (!received.empty()) observer->Received(received.size());
      const uint64_t errors = source.ErrorCount();
      if (errors > source_errors) observer->SourceErrors(errors - source_errors);
      source_errors = errors;
    }
    if (received.empty()) {
      if (source.Finished()) break;
      continue;
    }
    PreparedBatch batch = transform.NewBatch();
    batch.messages.reserve(received.size());
    size_t body_bytes = 0;
    size_t taken = 0;  // received[0, taken) are in a batch
    seen.clear();
    for (size_t i = 0; i < received.size(); ++i) {
      InboundMessage& message = received[i];
      if (!batch.messages.empty() && body_bytes + message.body.size() > options.batch_body_bytes) {
        if (!hand_on(batch)) {
          // What this batch had not reached yet goes back too.
          source.Nack(std::vector<InboundMessage>(std::make_move_iterator(received.begin() + i),
                                                  std::make_move_iterator(received.end())));
          break;
        }
        batch = transform.NewBatch();
        batch.messages.reserve(received.size() - i);
        body_bytes = 0;
      }
      body_bytes += message.body.size();
      batch.messages.push_back(std::move(message));
      taken = i + 1;
      const InboundMessage& m = batch.messages.back();
      if (!seen.insert(m.id).second) continue;
      if (Status st = transform.Apply(m, &batch); !st.ok()) {
        transform_error = st;
        break;
      }
    }
    if (writer_failed) break;
    if (!transform_error.ok()) {
      batch.messages.insert(batch.messages.end(), std::make_move_iterator(received.begin() + taken),
                            std::make_move_iterator(received.end()));
      source.Stop();
      source.Nack(std::move(batch.messages));
      break;
    }
    if (!hand_on(batch)) break;
  }
  const Status write_error = writer.Finish();
  // Batches the writer never took go back to the source.
  for (PreparedBatch& left : writer.TakeUnwritten())
    source.Nack(std::move(left.messages));
  if (!write_error.ok() || !transform_error.ok()) {
    (void)source.Close();
    return write_error.ok() ? transform_error : write_error;
  }
  RETURN_IF_ERROR(source.Close());
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

}  // namespace

Result<RunnerStats> RunPipeline(MessageSource& source, Transform& transform, Sink& sink,
                                const RunnerOptions& options) {
  RunnerObserver* const observer = options.observer;
  Result<RunnerStats> result = RunObserved(source, transform, sink, options);
  if (observer && !result.ok()) observer->Failed(result.status());
  return result;
}

}  // namespace sluice
