// Messages from a file: the same job as from a queue, for backfills and benchmarks. The file is
// read as the user meant it:
//  - a JSON array when its first non-blank byte is '[': each element is one message (as
//    `queue send` reads it), checked whole before the first message, so a file that is not a
//    well-formed array fails up front; its elements are streamed (JsonArrayElementReader);
//  - NDJSON otherwise: each non-blank line is one message, streamed;
//  - values spanning lines (`jq .` output, pretty-printed objects), when the first value leaves a
//    bracket open at the end of its line and is valid JSON once closed
//    (FileStartsWithValueSpanningLines, which `queue send` asks too): each value is one
//    message, from its first line to the line that closes it.
// Bodies are those ForEachRawJsonRecord gives `queue send` for the same file (a test holds them
// equal), so a file sent to a queue and the same file read here give the same messages.
// A UTF-8 byte-order mark at the start of the file is skipped (RewindPastByteOrderMark). A line
// (or value spanning lines) over kMaxMessageBytes is measured while it is read, never held,
// and is handed on as a message with no body and `unread_reason` saying its size, which the
// logins job stores as a reject without a body; the rest of the file is read.
// A gzip-compressed file is decompressed as it is read (core/input_stream.h): lines, elements and
// the checkpoint count in the decompressed text, so a killed run resumes as for a plain file.
// Standard input ("-") is refused (CheckFileSourcePath).
// A message's id is the file and its (first) line ("file:/path:7") or array index
// ("file:/path:[6]"); a path that is not valid UTF-8 is written there, and in the checkpoint name,
// with each such byte as PostgreSQL's bytea escape (EscapeUnstorable), always the same way, so
// it can be stored and a checkpoint found again. Progress is a checkpoint committed with each batch
// (the last committed line, or element counted from 1), so a re-run, or a run after a crash, adds
// nothing twice.
#pragma once

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "formats/json_record_stream.h"
#include "pipeline/component_registry.h"
#include "pipeline/message_source.h"

namespace sluice {

// The `file` source's options (docs/components/file.md): file.
ComponentSpec FileSourceComponent();

// Whether `path` can be a file source, before anything is connected to: a UsageError for "-"
// (standard input cannot be resumed exactly once after a stop) and for a format Sluice does not
// read (CheckSupportedInput). Open checks it too.
Status CheckFileSourcePath(const std::string& path);

class NdjsonFileSource : public MessageSource {
 public:
  static Result<std::unique_ptr<NdjsonFileSource>> Open(const std::string& path);
  ~NdjsonFileSource() override;

  // Elements of an array file larger than this fail Open (a message this large is a mistake).
  static constexpr size_t kMaxArrayElementBytes = 64 << 20;
  // A line, or a value spanning lines, over this many bytes is a reject (its body not stored):
  // the same bound as an array's element and as a reject body kept (64 MiB).
  static constexpr size_t kMaxMessageBytes = 64 << 20;

  std::vector<InboundMessage> NextBatch(size_t max, std::chrono::milliseconds linger) override;
  bool Finished() const override { return done_; }
  void Acknowledge(std::vector<InboundMessage>) override {}
  void Stop() override {
    stop_requested_ = true;
    done_ = true;
  }
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
  std::string path_;        // as given, for errors
  bool multiline_ = false;  // values span lines: one message per value, not per line
  std::string pending_;     // the value being read, in multiline mode
  uint64_t pending_start_ = 0;
  uint64_t pending_bytes_ = 0;  // of the value being read, held or not
  int depth_ = 0;
  std::unique_ptr<JsonArrayElementReader> elements_;  // set for an array file
  uint64_t line_ = 0;                                 // lines, or elements, read so far
  uint64_t skip_through_ = 0;
  std::unique_ptr<BoundedLineReader> lines_;  // set for NDJSON and values spanning lines
  bool pending_oversized_ = false;
  std::atomic<bool> done_{false};  // set by Stop() from the signal thread too
  // Set by Stop() from another thread: the line reader ends even inside a line with no end.
  std::atomic<bool> stop_requested_{false};
  Status status_;
};

}  // namespace sluice
