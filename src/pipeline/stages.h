// The stages a job is composed of. Two shapes, each with its runner:
// - A stream (runner.h): a MessageSource's batches, each turned into rows and rejects by a
//   Transform and committed, with the source's progress, by a Sink in one transaction per batch.
//   The source's messages are the batch's acknowledgement token: the runner lets them go
//   (Acknowledge) only after the commit, and hands them back (Nack) when the batch cannot be
//   committed.
// - A load (load_runner.h): a BatchSource reads its whole input once into batches, and a
//   LoadSink writes them all in one transaction that commits at the end or not at all.
// Both carry rejects the same way: PreparedBatch::rejects, in the job's rejects table shape,
// stored by the sink in the same transaction as the rows, so a record is either a row or a
// reject and never lost between the two.
#pragma once

#include <cstdint>
#include <functional>
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

// Reads an input once, end to end, handing on batches of rows and rejects (their `messages` are
// unused). It transforms as it reads: a file's parsed fields are views into the reader's buffer,
// and turning them into rows there saves copying every value into a message first.
class BatchSource {
 public:
  virtual ~BatchSource() = default;
  // Calls `emit` with each batch once it is full, and with the last one, possibly partial. A
  // failure of `emit` (the writer stopped) must end reading with that failure. Errors are for
  // an input that cannot be read as a whole (no header, a broken array); a bad record is a
  // reject.
  virtual Status Produce(const std::function<Status(PreparedBatch&)>& emit) = 0;
};

// Writes every batch of one input in one transaction (a file's load).
class LoadSink {
 public:
  virtual ~LoadSink() = default;
  // Called on the runner's writer thread, in order, while the source reads on.
  virtual Status Write(PreparedBatch& batch) = 0;
  // Called once every batch is written. An error leaves nothing committed.
  virtual Status Commit() = 0;
  // Ends the transaction without committing (after any failure).
  virtual void Abort() = 0;
};

}  // namespace sluice
