// A source of messages that are only let go of once their batch is committed: the contract
// between a queue (or a file) and a job that writes exactly once.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace sluice {

struct InboundMessage {
  std::string id;  // unique per message, stable across redeliveries
  std::string body;
  std::string receipt;  // what the source needs to let the message go
  int64_t sent_timestamp_ms = 0;
  int64_t received_at_micros = 0;  // wall clock, for the rejects table
  uint64_t sequence = 0;           // position in an ordered source (a file's line); 0 for queues
  // Set when the source could not hand the message over (a file's line over the bytes it
  // holds): why, for a reject naming it by `id`; `body` is then empty and is not stored.
  std::string unread_reason = {};
};

class MessageSource {
 public:
  virtual ~MessageSource() = default;

  // Returns up to `max` messages, waiting at most `linger` for more once one has arrived. An
  // empty batch with Finished() true means nothing more will come.
  virtual std::vector<InboundMessage> NextBatch(size_t max, std::chrono::milliseconds linger) = 0;
  virtual bool Finished() const = 0;

  // The messages are committed downstream: the source may forget them for good.
  virtual void Acknowledge(std::vector<InboundMessage> messages) = 0;
  // The messages could not be committed: a queue makes them visible again at once, rather than
  // after their visibility timeout. An ordered source needs nothing (its checkpoint did not
  // move), hence the default.
  virtual void Nack(std::vector<InboundMessage> /*messages*/) {}

  // Stops taking new input; messages already received are still handed out. Safe to call
  // from any thread.
  virtual void Stop() = 0;

  // Waits until every acknowledgement has been carried out, and reports the first failure of
  // the source's own work (an unreachable queue, say).
  virtual Status Close() = 0;

  // An ordered source (a file) names itself here, and its progress is then kept as a single
  // checkpoint committed with each batch instead of one ledger entry per message. Queues, whose
  // messages come in no order, return "".
  virtual std::string CheckpointName() const { return ""; }
  // Resumes after a committed checkpoint: messages up to `sequence` are not handed out again.
  virtual void SkipThrough(uint64_t /*sequence*/) {}

  // Failures of the source's own work so far (a receive, delete or visibility change that
  // failed and was logged), for the metrics; safe to call from any thread.
  virtual uint64_t ErrorCount() const { return 0; }
};

}  // namespace sluice
