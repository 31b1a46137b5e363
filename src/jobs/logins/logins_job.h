// `sluice logins run`: messages from a source (SQS, or an NDJSON file) through validation,
// conversion and masking into PostgreSQL, exactly once, acknowledging only committed batches.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "jobs/logins/logins_sink.h"
#include "pipeline/message_source.h"
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
};

struct LoginsRunStats {
  uint64_t messages = 0;
  uint64_t stored = 0;
  uint64_t rejected = 0;
  uint64_t duplicates = 0;
  uint64_t batches = 0;
  double seconds = 0;
};

// Runs until the source is finished (or stopped by a signal: the batch in hand still commits
// and is acknowledged). A database failure stops the run without acknowledging its batch.
Result<LoginsRunStats> RunLogins(MessageSource& source, LoginsSink& sink,
                                 const MaskKeyring& keyring, MaskMode mode,
                                 const LoginsRunOptions& options);

// Routes SIGTERM and SIGINT to `source->Stop()` (the handlers are installed on the first call,
// once per process). Call it with nullptr as early as possible: a signal that arrives while the
// run is still connecting is remembered, and stops the source as soon as it is attached, so a
// service manager's SIGTERM during start-up ends the run cleanly (exit 0) instead of killing it.
void StopOnSignals(MessageSource* source);

}  // namespace sluice::logins
