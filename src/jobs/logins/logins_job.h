// `sluice logins run`: messages from a source (SQS, or a file) through validation, conversion
// and masking (the general message transform over the logins schema) into PostgreSQL
// (LoginsSinkStage), exactly once, on the pipeline runner, which acknowledges only committed
// batches.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "jobs/logins/logins_sink.h"
#include "pipeline/message_source.h"
#include "pipeline/runner.h"
#include "transforms/mask.h"

namespace sluice::logins {

struct LoginsRunOptions {
  size_t batch_size = 1000;               // messages per transaction, at most
  std::chrono::milliseconds linger{200};  // how long a batch waits to fill
  int ledger_days = 15;                   // SQS keeps a message 14 days at most
  // A batch closes early once its messages' bodies pass this many bytes: a batch travels in one
  // statement whose values, and whose whole Bind message, PostgreSQL holds to 1 GB, and a
  // rejected body grows by a third encrypted and base64'd.
  size_t batch_body_bytes = size_t{256} << 20;
  // The runner's commit retries, progress lines and metrics (pipeline/runner.h).
  RetryPolicy retry = RunnerOptions{}.retry;
  std::chrono::seconds progress_every = RunnerOptions{}.progress_every;
  RunnerObserver* observer = nullptr;
};

using LoginsRunStats = RunnerStats;

// Runs until the source is finished (or stopped by a signal: the batch in hand still commits
// and is acknowledged). A database failure stops the run without acknowledging its batch.
// The transform is the general message transform (transforms/message_transform.h) built from
// the logins schema (examples/logins-schema.yaml), ip and device_id masked with `mode`.
Result<LoginsRunStats> RunLogins(MessageSource& source, LoginsSink& sink,
                                 const MaskKeyring& keyring, MaskMode mode,
                                 const LoginsRunOptions& options);

// The same run with any message transform whose rows fit `sink`'s table (a postgres-table
// pipeline: its validate and mask transforms, transforms/message_pipeline.h).
Result<LoginsRunStats> RunMessagesIntoTable(MessageSource& source, Transform& transform,
                                            LoginsSink& sink, const LoginsRunOptions& options);

}  // namespace sluice::logins
