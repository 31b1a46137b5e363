// The stages a job is composed of, between a MessageSource (message_source.h) and the runner
// (runner.h): a Transform turns each source batch into rows and rejects, and a Sink commits
// them, with the source's progress, in one transaction. The source's messages are the batch's
// acknowledgement token: the runner lets them go (Acknowledge) only after the commit, and hands
// them back (Nack) when the batch cannot be committed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/batch.h"
#include "core/status.h"
#include "pipeline/message_source.h"

namespace sluice {

// One source batch on its way to the sink.
struct PreparedBatch {
  Batch rows;
  Batch rejects;  // in the job's rejects table shape: what was refused and why
  std::vector<InboundMessage> messages;
};

class Transform {
 public:
  virtual ~Transform() = default;
  // An empty batch in the sink's shapes.
  virtual PreparedBatch NewBatch() const = 0;
  // Adds `message` to `batch`: a row, or a reject saying why (the source could not hold it,
  // it failed validation). An error is for what no message can cause (the crypto library
  // failing), and ends the run.
  virtual Status Apply(const InboundMessage& message, PreparedBatch* batch) = 0;
};

// What a commit stored: the batch's other messages were already stored by an earlier delivery.
struct SinkOutcome {
  uint64_t stored = 0;
  uint64_t rejected = 0;
};

class Sink {
 public:
  virtual ~Sink() = default;
  // Called once, before the first batch, with the source's checkpoint name (empty for a queue,
  // whose messages come in no order). Returns the last position committed for an ordered
  // source, which the runner skips through (0: from the start), after setting up whatever
  // keeps a queue's redeliveries from being stored twice.
  virtual Result<uint64_t> Open(std::string_view source_checkpoint) = 0;
  // Stores the batch and, for an ordered source, moves its checkpoint to `through` (the
  // sequence of its last message), in one transaction: an error leaves nothing committed.
  // kUnavailable means a retry may succeed (the runner retries those under its RetryPolicy).
  virtual Result<SinkOutcome> Commit(const PreparedBatch& batch, uint64_t through) = 0;
  // Periodic housekeeping between batches (pruning a ledger); failures are only logged.
  virtual void Maintain() {}
};

}  // namespace sluice
