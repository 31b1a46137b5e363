// The one runner every streaming job uses: a source's batches through a transform into a sink,
// exactly once. Two stages overlap: this thread takes a batch from the source and transforms
// it while a writer thread commits the one before (a queue of one between them is the
// back-pressure). A batch is acknowledged to the source only after its commit; a batch that
// cannot be committed is handed back (Nack), so a queue redelivers it at once. Failures a retry
// may cure are retried under the RetryPolicy (long enough to ride through a database restart;
// the source keeps the messages hidden meanwhile); any other failure ends the run.
#pragma once

#include <chrono>
#include <cstdint>

#include "core/retry_policy.h"
#include "pipeline/message_source.h"
#include "pipeline/stages.h"

namespace sluice {

// What a run reports as it goes, for its metrics and /health (pipeline/pipeline_metrics.h).
// Called from the runner's two threads (the reading one and the writer), so an implementation
// must be thread-safe; each call is cheap and must not block.
class RunnerObserver {
 public:
  virtual ~RunnerObserver() = default;
  // The sink is open and the first batch is being read.
  virtual void Started() {}
  // `messages` arrived from the source.
  virtual void Received(size_t messages) = 0;
  // The source counted `errors` more failures of its own work (a receive or delete that failed;
  // MessageSource::ErrorCount).
  virtual void SourceErrors(uint64_t errors) = 0;
  // A commit failed with `error` and will be tried again.
  virtual void CommitRetried(const Status& error) = 0;
  // A batch of `messages` committed: `outcome` stored and rejected, the rest were duplicates;
  // `seconds` from the first attempt to the commit, retries and their pauses included.
  virtual void Committed(size_t messages, const SinkOutcome& outcome, double seconds) = 0;
  // The run ended with `error` (it is also RunPipeline's result).
  virtual void Failed(const Status& error) = 0;
};

struct RunnerOptions {
  size_t batch_size = 1000;               // messages per commit, at most
  std::chrono::milliseconds linger{200};  // how long a batch waits to fill
  // A batch also closes once its messages' bodies pass this many bytes: a commit travels in
  // statements whose values PostgreSQL holds to 1 GB.
  size_t batch_body_bytes = size_t{256} << 20;
  // 8 attempts, 0.4 s doubling to 5 s apart: about 21 s in all, long enough to ride through a
  // database restart or failover.
  RetryPolicy retry{8, std::chrono::milliseconds(400), std::chrono::milliseconds(5000), false};
  std::chrono::seconds progress_every{10};    // a progress line on the log; 0: none
  std::chrono::seconds maintain_every{3600};  // Sink::Maintain
  RunnerObserver* observer = nullptr;         // told of the run's progress; may be null
};

struct RunnerStats {
  uint64_t messages = 0;
  uint64_t stored = 0;
  uint64_t rejected = 0;
  uint64_t duplicates = 0;  // stored by an earlier delivery
  uint64_t batches = 0;
  double seconds = 0;
};

// Runs until the source is finished, or stopped (StopOnSignals: the batch in hand still
// commits and is acknowledged). The error of a failed run names the stage and the attempt.
Result<RunnerStats> RunPipeline(MessageSource& source, Transform& transform, Sink& sink,
                                const RunnerOptions& options);

}  // namespace sluice
