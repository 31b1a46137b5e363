// Messages from an NDJSON file, one per line: the same job as from a queue, for backfills and
// benchmarks. A message's id is the file and line; progress is a checkpoint (the last committed
// line), so a re-run, or a run after a crash, adds nothing twice.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "pipeline/message_source.h"

namespace sluice {

class NdjsonFileSource : public MessageSource {
 public:
  static Result<std::unique_ptr<NdjsonFileSource>> Open(const std::string& path);
  ~NdjsonFileSource() override;

  std::vector<InboundMessage> NextBatch(size_t max, std::chrono::milliseconds linger) override;
  bool Finished() const override { return done_; }
  void Acknowledge(std::vector<InboundMessage>) override {}
  void Stop() override { done_ = true; }
  Status Close() override { return status_; }
  std::string CheckpointName() const override { return checkpoint_name_; }
  void SkipThrough(uint64_t sequence) override { skip_through_ = sequence; }

 private:
  NdjsonFileSource(std::FILE* file, std::string id_prefix, int64_t sent_ms,
                   std::string checkpoint_name)
      : file_(file),
        id_prefix_(std::move(id_prefix)),
        sent_ms_(sent_ms),
        checkpoint_name_(std::move(checkpoint_name)) {}

  std::FILE* file_;
  std::string id_prefix_;
  int64_t sent_ms_;  // the file's modification time stands in for a send time
  std::string checkpoint_name_;
  uint64_t line_ = 0;
  uint64_t skip_through_ = 0;
  char* buffer_ = nullptr;
  size_t capacity_ = 0;
  bool done_ = false;
  Status status_;
};

}  // namespace sluice
