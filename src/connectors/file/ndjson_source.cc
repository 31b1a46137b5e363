#include "connectors/file/ndjson_source.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "core/input_format.h"
#include "core/input_stream.h"
#include "core/text_check.h"
#include "formats/json_parse.h"
#include "formats/json_record_stream.h"

namespace sluice {
namespace {

std::string_view WithoutLineEnd(std::string_view text) {
  while (!text.empty() && text.back() == '\r')
    text.remove_suffix(1);
  return text;
}

std::string OverLimit(uint64_t size) {
  return fmt::format("{} bytes, over the {} bytes a --file message may have; not read", size,
                     NdjsonFileSource::kMaxMessageBytes);
}

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t") == std::string_view::npos;
}

}  // namespace

ComponentSpec FileSourceComponent() {
  ComponentSpec c{.name = "file", .kind = ComponentKind::kSource};
  c.summary = "Messages from a file: a JSON array, NDJSON, or JSON values spanning lines";
  c.description =
      "The same messages `queue send` would send for the file. Progress is a checkpoint "
      "committed with each batch, so a re-run adds nothing twice.";
  c.options = {PathOption("file", "Read messages from this file instead of SQS", true)};
  return c;
}

Status CheckFileSourcePath(const std::string& path) {
  // Progress is a checkpoint per file (path and inode), and a message's id is its line: neither
  // means anything for a stream that is gone once read, so standard input is refused plainly.
  if (IsStandardInput(path)) {
    return UsageError(
        "--file -: standard input cannot be a --file source, since a run that stops could not "
        "resume it exactly once (progress is kept per file); write it to a file first, or send "
        "it to a queue with `sluice queue send QUEUE -`");
  }
  return CheckSupportedInput(path, false, InputTextReader::kJsonOnly);
}

Result<std::unique_ptr<NdjsonFileSource>> NdjsonFileSource::Open(const std::string& path) {
  RETURN_IF_ERROR(CheckFileSourcePath(path));
  // A gzip file is decompressed as read (core/input_stream.h); lines and elements count in the
  // decompressed text, so its checkpoint means the same as a plain file's.
  ASSIGN_OR_RETURN(InputFile input, OpenInputFile(path));
  std::FILE* file = input.release();
  struct stat st {};
  ::stat(path.c_str(), &st);
  char resolved[PATH_MAX];
  std::string absolute = ::realpath(path.c_str(), resolved) ? resolved : path;
  // PostgreSQL text holds only UTF-8: a path that is not is escaped, the same way each run.
  if (FindUnstorableByte(absolute)) absolute = EscapeUnstorable(absolute);
  int64_t mtime_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
  RewindPastByteOrderMark(file);
  int c;
  while ((c = std::fgetc(file)) == ' ' || c == '\t' || c == '\n' || c == '\r') {
  }
  const bool is_array = c == '[';
  RewindPastByteOrderMark(file);
  // The checkpoint names the file by path and inode: another file written to the same path
  // (a rotation) starts from its first line rather than from the old file's checkpoint. An
  // array counts elements, not lines, so its checkpoint is another one.
  std::unique_ptr<NdjsonFileSource> source(new NdjsonFileSource(
      file, "file:" + absolute + ":", mtime_ms,
      fmt::format("file:{}#inode={}{}", absolute, st.st_ino, is_array ? "#array" : "")));
  source->path_ = path;
  source->multiline_ = !is_array && FileStartsWithValueSpanningLines(file);
  if (is_array) {
    // The same reading as `queue send`: each element without the blanks outside its strings,
    // streamed; the array is checked whole first.
    auto elements = JsonArrayElementReader::Open(path, kMaxArrayElementBytes);
    if (!elements.ok()) {
      const Status& read = elements.status();
      // The hint is about JSON content: a cut gzip file or an I/O error says enough alone.
      if (IsInputStreamError(read)) return read.WithContext(path);
      return Status(read.code(), fmt::format("{}: {} (a file starting with '[' is read as one "
                                             "JSON array; NDJSON has one message per line)",
                                             path, read.message()));
    }
    source->elements_ = std::move(elements).value();
  } else {
    // FileStartsWithValueSpanningLines leaves the file at its start, past a byte-order mark.
    source->lines_ =
        std::make_unique<BoundedLineReader>(file, kMaxMessageBytes, &source->stop_requested_);
  }
  return source;
}

NdjsonFileSource::~NdjsonFileSource() {
  std::fclose(file_);
}

std::vector<InboundMessage> NdjsonFileSource::NextBatch(size_t max, std::chrono::milliseconds) {
  std::vector<InboundMessage> batch;
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  if (elements_) {
    JsonArrayElementReader::Element element;
    while (!done_ && batch.size() < max) {
      auto more = elements_->Next(&element);
      if (!more.ok() || !*more) {
        if (!more.ok()) status_ = more.status().WithContext(path_);
        done_ = true;
        break;
      }
      // Elements count from 1 as positions, so the checkpoint 0 means none is in.
      line_ = element.index + 1;
      if (line_ <= skip_through_) continue;
      batch.push_back(InboundMessage{fmt::format("{}[{}]", id_prefix_, element.index),
                                     std::move(element.text),
                                     {},
                                     sent_ms_,
                                     now,
                                     line_});
    }
    return batch;
  }
  BoundedLineReader::Line line;
  while (!done_ && batch.size() < max) {
    auto more = lines_->Next(&line);
    if (!more.ok() || !*more) {
      if (!more.ok()) status_ = more.status().WithContext(path_);
      // A value the file ends inside is a message still: its consumer rejects it, visibly.
      if ((!pending_.empty() || pending_oversized_) && line_ > skip_through_) {
        batch.push_back(InboundMessage{id_prefix_ + std::to_string(pending_start_),
                                       std::move(pending_),
                                       {},
                                       sent_ms_,
                                       now,
                                       line_,
                                       pending_oversized_ ? OverLimit(pending_bytes_) : ""});
      }
      pending_.clear();
      done_ = true;
      break;
    }
    ++line_;
    std::string_view text = WithoutLineEnd(line.text);
    if (multiline_) {
      // A value runs from its first line to the line that closes its brackets; one over the
      // limit is measured, not held, and a line too long to hold ends its value (its brackets
      // are unknown).
      if (pending_.empty() && !pending_oversized_) {
        if (!line.oversized && IsBlank(text)) continue;
        pending_start_ = line_;
        pending_bytes_ = 0;
      } else {
        pending_bytes_ += 1;
        if (!pending_oversized_) pending_.push_back('\n');
      }
      pending_bytes_ += line.oversized ? line.size : text.size();
      if (line.oversized || pending_bytes_ > kMaxMessageBytes) {
        pending_oversized_ = true;
        std::string().swap(pending_);
      } else {
        pending_.append(text);
      }
      depth_ = line.oversized ? 0 : JsonDepthAfterLine(text, depth_);
      if (depth_ > 0) continue;
      if (line_ > skip_through_) {
        batch.push_back(InboundMessage{id_prefix_ + std::to_string(pending_start_),
                                       std::move(pending_),
                                       {},
                                       sent_ms_,
                                       now,
                                       line_,
                                       pending_oversized_ ? OverLimit(pending_bytes_) : ""});
      }
      pending_.clear();
      pending_oversized_ = false;
      depth_ = 0;
      continue;
    }
    if (line.oversized) {
      if (line_ > skip_through_) {
        batch.push_back(InboundMessage{id_prefix_ + std::to_string(line_),
                                       {},
                                       {},
                                       sent_ms_,
                                       now,
                                       line_,
                                       OverLimit(line.size)});
      }
      continue;
    }
    // Blank lines are no messages, as `queue send` skips them too.
    if (text.find_first_not_of(" \t") == std::string_view::npos || line_ <= skip_through_) {
      continue;
    }
    // Trailing blanks go, as `queue send` drops them, so both send the same bodies.
    while (!text.empty() && (text.back() == ' ' || text.back() == '\r'))
      text.remove_suffix(1);
    batch.push_back(InboundMessage{
        id_prefix_ + std::to_string(line_), std::string(text), {}, sent_ms_, now, line_});
  }
  return batch;
}

}  // namespace sluice
