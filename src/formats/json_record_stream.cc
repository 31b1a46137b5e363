#include "formats/json_record_stream.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

#include "core/input_stream.h"
#include "formats/json_parse.h"

namespace sluice {
namespace {

constexpr size_t kReadBytes = 64 * 1024;
// Trailing blanks a line may carry beyond the limit before it is trimmed.
constexpr size_t kTrailingSlack = 64;

using File = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Bytes that, on both sides of skipped whitespace, would merge two tokens into one.
bool IsWordByte(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
         c == '+' || c == '-' || static_cast<unsigned char>(c) >= 0x80;
}

// Reads `file` in chunks, calling `on_bytes(data, size)` for each.
template <typename OnBytes>
Status ReadChunks(std::FILE* file, const std::string& path, OnBytes on_bytes) {
  std::vector<char> buffer(kReadBytes);
  for (;;) {
    size_t n = std::fread(buffer.data(), 1, buffer.size(), file);
    if (n > 0) RETURN_IF_ERROR(on_bytes(buffer.data(), n));
    if (n < buffer.size()) {
      if (std::ferror(file)) return InputReadError(file, path);
      return Status::Ok();
    }
  }
}

// Lines, or in `multiline` mode values spanning lines (a value runs from its first non-blank
// line to the line that closes its brackets, lines joined by '\n', as --file reads them).
class NdjsonSplitter {
 public:
  NdjsonSplitter(size_t max_bytes, bool multiline, const RawJsonRecordFn& fn)
      : max_(max_bytes), multiline_(multiline), fn_(fn) {}

  Status Feed(const char* data, size_t n) {
    while (n > 0) {
      const char* nl = static_cast<const char*>(std::memchr(data, '\n', n));
      size_t take = nl ? static_cast<size_t>(nl - data) : n;
      Append(data, take);
      if (!nl) return Status::Ok();
      RETURN_IF_ERROR(EndLine());
      data += take + 1;
      n -= take + 1;
    }
    return Status::Ok();
  }

  Status Finish() {
    if (started_) RETURN_IF_ERROR(EndLine());
    return value_started_ ? EndValue() : Status::Ok();
  }

 private:
  void Append(const char* data, size_t n) {
    started_ = started_ || n > 0;
    bytes_ += n;
    if (oversized_) return;
    if (line_.size() + n > LineLimit()) {
      oversized_ = true;
      std::string().swap(line_);  // give the memory back
      return;
    }
    line_.append(data, n);
  }

  Status EndLine() {
    ++number_;
    if (multiline_) return EndValueLine();
    RawJsonRecord record;
    record.position = JsonPosition{false, number_};
    Status st;
    if (oversized_) {
      record.oversized = true;
      record.size = bytes_;
      st = fn_(record);
    } else {
      std::string_view text = line_;
      while (!text.empty() && (text.back() == '\r' || text.back() == ' '))
        text.remove_suffix(1);
      if (text.find_first_not_of(" \t") != std::string_view::npos) {
        record.size = text.size();
        record.oversized = text.size() > max_;
        if (!record.oversized) record.text = text;
        st = fn_(record);
      }
    }
    ClearLine();
    return st;
  }

  // A line of a value spanning lines is held whole, up to the bound --file holds too, since its
  // brackets say where the value ends; a line record is held only up to the record limit.
  size_t LineLimit() const {
    return multiline_ ? std::max(max_, kFirstValueProbeBytes) : max_ + kTrailingSlack;
  }

  void ClearLine() {
    line_.clear();
    bytes_ = 0;
    oversized_ = false;
    started_ = false;
  }

  // Multiline mode: adds the line to the value in hand, passing the value on once its
  // brackets close. A value over the limit is measured to its end, never held.
  Status EndValueLine() {
    std::string_view text = line_;
    while (!text.empty() && text.back() == '\r')
      text.remove_suffix(1);
    if (!value_started_) {
      if (!oversized_ && text.find_first_not_of(" \t\r") == std::string_view::npos) {
        ClearLine();
        return Status::Ok();
      }
      value_started_ = true;
      value_line_ = number_;
    } else {
      value_bytes_ += 1;
      if (!value_oversized_) value_ += '\n';
    }
    value_bytes_ += oversized_ ? bytes_ : text.size();
    if (oversized_ || value_bytes_ > max_) {
      value_oversized_ = true;
      std::string().swap(value_);
    } else {
      value_.append(text);
    }
    // A line too long to hold has unknown brackets: it ends its value.
    depth_ = oversized_ ? 0 : JsonDepthAfterLine(text, depth_);
    ClearLine();
    return depth_ > 0 ? Status::Ok() : EndValue();
  }

  Status EndValue() {
    RawJsonRecord record;
    record.position = JsonPosition{false, value_line_};
    record.size = value_bytes_;
    record.oversized = value_oversized_;
    if (!value_oversized_) record.text = value_;
    Status st = fn_(record);
    value_.clear();
    value_bytes_ = 0;
    value_oversized_ = false;
    value_started_ = false;
    depth_ = 0;
    return st;
  }

  size_t max_;
  bool multiline_;
  const RawJsonRecordFn& fn_;
  std::string line_;
  uint64_t bytes_ = 0;
  uint64_t number_ = 0;
  bool oversized_ = false;
  bool started_ = false;
  // The value in hand, in multiline mode.
  std::string value_;
  uint64_t value_bytes_ = 0;
  uint64_t value_line_ = 0;
  int depth_ = 0;
  bool value_oversized_ = false;
  bool value_started_ = false;
};

}  // namespace

// Named rather than anonymous: JsonArrayElementReader::Impl, a class with external linkage,
// holds an ArraySplitter.
namespace json_array {

// A byte-at-a-time state machine over a top-level array. `fn` may be null (the checking pass).
class ArraySplitter {
 public:
  ArraySplitter(size_t max_bytes, const RawJsonRecordFn* fn) : max_(max_bytes), fn_(fn) {}

  Status Feed(const char* data, size_t n) {
    for (size_t i = 0; i < n; ++i, ++offset_)
      RETURN_IF_ERROR(Step(data[i]));
    return Status::Ok();
  }

  // Bytes of the largest element so far.
  uint64_t largest() const { return largest_; }

  Status Finish() {
    if (state_ == State::kAfterArray) return Status::Ok();
    if (state_ == State::kBeforeArray) return Broken("expected '[' to open the array");
    return Broken(fmt::format("the file ends inside the array (element {})", index_));
  }

 private:
  enum class State { kBeforeArray, kFirstElement, kElementStart, kInElement, kAfterArray };

  Status Broken(std::string_view why) const {
    return InvalidArgument(
        fmt::format("not a well-formed JSON array: byte offset {}: {}", offset_, why));
  }

  void Emit(char c) {
    size_ += 1;
    if (oversized_) return;
    if (text_.size() >= max_) {
      oversized_ = true;
      std::string().swap(text_);
      return;
    }
    text_ += c;
  }

  Status EndElement() {
    largest_ = std::max(largest_, size_);
    if (fn_) {
      RawJsonRecord record;
      record.position = JsonPosition{true, index_};
      record.size = size_;
      record.oversized = oversized_;
      if (!oversized_) record.text = text_;
      RETURN_IF_ERROR((*fn_)(record));
    }
    ++index_;
    text_.clear();
    size_ = 0;
    oversized_ = false;
    last_ = 0;
    space_pending_ = false;
    return Status::Ok();
  }

  Status Step(char c) {
    switch (state_) {
      case State::kBeforeArray:
        if (IsBlank(c)) return Status::Ok();
        if (c != '[') return Broken("expected '[' to open the array");
        state_ = State::kFirstElement;
        return Status::Ok();
      case State::kAfterArray:
        if (IsBlank(c)) return Status::Ok();
        return Broken("text after the array's closing ']'");
      case State::kFirstElement:
      case State::kElementStart:
        if (IsBlank(c)) return Status::Ok();
        if (c == ']' && state_ == State::kFirstElement) {
          state_ = State::kAfterArray;
          return Status::Ok();
        }
        if (c == ',' || c == ']') return Broken(fmt::format("element {} is empty", index_));
        state_ = State::kInElement;
        return InElement(c);
      case State::kInElement:
        return InElement(c);
    }
    return Status::Ok();
  }

  Status InElement(char c) {
    if (!strings_.Outside(c)) {
      Emit(c);
      last_ = c;
      return Status::Ok();
    }
    if (IsBlank(c)) {
      space_pending_ = true;
      return Status::Ok();
    }
    if (stack_.empty() && (c == ',' || c == ']')) {
      RETURN_IF_ERROR(EndElement());
      state_ = c == ',' ? State::kElementStart : State::kAfterArray;
      return Status::Ok();
    }
    if (c == '{' || c == '[') {
      stack_.push_back(c == '{' ? '}' : ']');
    } else if (c == '}' || c == ']') {
      if (stack_.empty() || stack_.back() != c) {
        return Broken(fmt::format("'{}' does not close anything open in element {}", c, index_));
      }
      stack_.pop_back();
    }
    if (space_pending_ && IsWordByte(last_) && IsWordByte(c)) Emit(' ');
    space_pending_ = false;
    Emit(c);
    last_ = c;
    return Status::Ok();
  }

  size_t max_;
  const RawJsonRecordFn* fn_;
  uint64_t largest_ = 0;
  State state_ = State::kBeforeArray;
  std::vector<char> stack_;  // the closing brackets expected, innermost last
  std::string text_;
  uint64_t size_ = 0;
  uint64_t index_ = 0;
  uint64_t offset_ = 0;
  char last_ = 0;
  JsonStringTracker strings_;
  bool space_pending_ = false;
  bool oversized_ = false;
};

}  // namespace json_array
namespace {

// Reads `text` in chunks of `chunk_bytes`, calling `on_bytes(data, size)` for each.
template <typename OnBytes>
Status ReadChunks(std::string_view text, size_t chunk_bytes, OnBytes on_bytes) {
  chunk_bytes = std::max<size_t>(chunk_bytes, 1);
  for (size_t at = 0; at < text.size(); at += chunk_bytes) {
    RETURN_IF_ERROR(on_bytes(text.data() + at, std::min(chunk_bytes, text.size() - at)));
  }
  return Status::Ok();
}

// Both passes over one input: `read(on_bytes)` feeds it from the start.
template <typename Read>
Status SplitRecords(bool is_array, bool multiline, size_t max_record_bytes,
                    const RawJsonRecordFn& fn, Read read) {
  if (!is_array) {
    NdjsonSplitter lines(max_record_bytes, multiline, fn);
    RETURN_IF_ERROR(read([&](const char* d, size_t n) { return lines.Feed(d, n); }));
    return lines.Finish();
  }
  {
    // A broken array cannot be resynchronised: it fails before anything is passed on.
    json_array::ArraySplitter check(max_record_bytes, nullptr);
    RETURN_IF_ERROR(read([&](const char* d, size_t n) { return check.Feed(d, n); }));
    RETURN_IF_ERROR(check.Finish());
  }
  json_array::ArraySplitter elements(max_record_bytes, &fn);
  RETURN_IF_ERROR(read([&](const char* d, size_t n) { return elements.Feed(d, n); }));
  return elements.Finish();
}

}  // namespace

Status ForEachRawJsonRecordInString(std::string_view text, size_t max_record_bytes,
                                    const RawJsonRecordFn& fn, size_t chunk_bytes) {
  text = WithoutByteOrderMark(text);
  size_t first = 0;
  while (first < text.size() && IsBlank(text[first]))
    ++first;
  const bool is_array = first < text.size() && text[first] == '[';
  size_t at = 0;
  const bool multiline = !is_array && FirstJsonValueSpansLines(
                                          [&](std::string_view* line) {
                                            if (at >= text.size()) return false;
                                            size_t end = std::min(text.find('\n', at), text.size());
                                            *line = text.substr(at, end - at);
                                            while (!line->empty() && line->back() == '\r')
                                              line->remove_suffix(1);
                                            at = end + 1;
                                            return true;
                                          },
                                          kFirstValueProbeBytes);
  return SplitRecords(is_array, multiline, max_record_bytes, fn,
                      [&](auto on_bytes) { return ReadChunks(text, chunk_bytes, on_bytes); });
}

std::string_view WithoutByteOrderMark(std::string_view text) {
  if (text.substr(0, kUtf8ByteOrderMark.size()) == kUtf8ByteOrderMark)
    text.remove_prefix(kUtf8ByteOrderMark.size());
  return text;
}

void RewindPastByteOrderMark(std::FILE* file) {
  std::rewind(file);
  char head[3];
  const size_t n = std::fread(head, 1, sizeof head, file);
  if (std::string_view(head, n) != kUtf8ByteOrderMark) std::rewind(file);
}

int FirstByteAfterMarkAndBlanks(std::FILE* file) {
  RewindPastByteOrderMark(file);
  int c;
  while ((c = std::fgetc(file)) != EOF && IsBlank(static_cast<char>(c))) {
  }
  return c;
}

BoundedLineReader::BoundedLineReader(std::FILE* file, size_t max_line_bytes,
                                     const std::atomic<bool>* stop)
    : file_(file), max_(max_line_bytes), stop_(stop), buffer_(kReadBytes, '\0') {}

Result<bool> BoundedLineReader::Next(Line* line) {
  line_.clear();
  uint64_t size = 0;
  bool oversized = false;
  bool any = false;
  for (;;) {
    if (at_ == end_) {
      if (eof_) break;
      if (stop_ && stop_->load()) return false;
      end_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
      at_ = 0;
      if (end_ < buffer_.size()) {
        if (std::ferror(file_)) return InputReadError(file_, "the file");
        eof_ = true;
      }
      if (end_ == 0) break;
    }
    const char* start = buffer_.data() + at_;
    const char* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - at_));
    const size_t take = nl ? static_cast<size_t>(nl - start) : end_ - at_;
    any = true;
    size += take;
    if (!oversized && line_.size() + take > max_) {
      oversized = true;
      std::string().swap(line_);  // give the memory back
    }
    if (!oversized) line_.append(start, take);
    at_ += take + (nl ? 1 : 0);
    if (nl) break;
  }
  if (!any) return false;
  line->text = oversized ? std::string_view() : std::string_view(line_);
  line->size = size;
  line->oversized = oversized;
  return true;
}

bool FileStartsWithValueSpanningLines(std::FILE* file) {
  int c = FirstByteAfterMarkAndBlanks(file);
  // Only an object or an array can span lines (a string holds no raw line break): anything
  // else is decided on its first byte, without reading a long line to its end.
  if (c != '{' && c != '[') {
    RewindPastByteOrderMark(file);
    return false;
  }
  // A first line that closes its brackets (one record, however large) or has no line end spans
  // nothing: it is followed to its end as JsonDepthAfterLine counts, never held.
  int depth = 1;
  JsonStringTracker strings;
  while ((c = std::getc(file)) != EOF && c != '\n') {
    if (!strings.Outside(static_cast<char>(c))) continue;
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      depth = std::max(0, depth - 1);
    }
  }
  if (c == EOF || depth == 0) {
    RewindPastByteOrderMark(file);
    return false;
  }
  RewindPastByteOrderMark(file);
  // Lines are read only up to the probe's bound in all, so a first line with no end (a file
  // of one huge line, /dev/zero) costs the bound, not the line.
  std::string line_buffer;
  size_t left = kFirstValueProbeBytes + 1;
  const bool spans = FirstJsonValueSpansLines(
      [&](std::string_view* line) {
        if (left == 0) return false;
        line_buffer.clear();
        int ch = 0;
        while (left > 0 && (ch = std::getc(file)) != EOF && ch != '\n') {
          line_buffer.push_back(static_cast<char>(ch));
          --left;
        }
        if (ch == EOF && line_buffer.empty()) return false;
        *line = line_buffer;
        while (!line->empty() && line->back() == '\r')
          line->remove_suffix(1);
        return true;
      },
      kFirstValueProbeBytes);
  RewindPastByteOrderMark(file);
  return spans;
}

struct JsonArrayElementReader::Impl {
  Impl(File f, size_t max) : file(std::move(f)), buffer(kReadBytes), splitter(max, &push) {}

  File file;
  std::vector<char> buffer;
  std::deque<Element> ready;  // the elements of the chunks read so far, not yet handed out
  RawJsonRecordFn push = [this](const RawJsonRecord& r) {
    ready.push_back(Element{r.position.number, std::string(r.text)});
    return Status::Ok();
  };
  json_array::ArraySplitter splitter;
  std::string path;
  bool finished = false;
};

JsonArrayElementReader::JsonArrayElementReader(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
JsonArrayElementReader::~JsonArrayElementReader() = default;

Result<std::unique_ptr<JsonArrayElementReader>> JsonArrayElementReader::Open(
    const std::string& path, size_t max_element_bytes) {
  ASSIGN_OR_RETURN(File file, OpenInputFile(path, kStandardInputRewindBytes));
  {
    // A broken array cannot be resynchronised, and an element too large is a mistake: both
    // fail here, before the first element is handed out.
    json_array::ArraySplitter check(max_element_bytes, nullptr);
    RewindPastByteOrderMark(file.get());
    RETURN_IF_ERROR(
        ReadChunks(file.get(), path, [&](const char* d, size_t n) { return check.Feed(d, n); }));
    RETURN_IF_ERROR(check.Finish());
    if (check.largest() > max_element_bytes) {
      return InvalidArgument(fmt::format("an element is {} bytes, over the {} bytes one may have",
                                         check.largest(), max_element_bytes));
    }
  }
  RewindPastByteOrderMark(file.get());
  auto impl = std::make_unique<Impl>(std::move(file), max_element_bytes);
  impl->path = path;
  return std::unique_ptr<JsonArrayElementReader>(new JsonArrayElementReader(std::move(impl)));
}

Result<bool> JsonArrayElementReader::Next(Element* element) {
  Impl& in = *impl_;
  while (in.ready.empty() && !in.finished) {
    const size_t n = std::fread(in.buffer.data(), 1, in.buffer.size(), in.file.get());
    if (n > 0) RETURN_IF_ERROR(in.splitter.Feed(in.buffer.data(), n));
    if (n < in.buffer.size()) {
      if (std::ferror(in.file.get())) return InputReadError(in.file.get(), in.path);
      RETURN_IF_ERROR(in.splitter.Finish());
      in.finished = true;
    }
  }
  if (in.ready.empty()) return false;
  *element = std::move(in.ready.front());
  in.ready.pop_front();
  return true;
}

Status ForEachRawJsonRecord(const std::string& path, size_t max_record_bytes,
                            const RawJsonRecordFn& fn) {
  ASSIGN_OR_RETURN(File file, OpenInputFile(path, kStandardInputRewindBytes));
  RewindPastByteOrderMark(file.get());
  int c;
  while ((c = std::fgetc(file.get())) != EOF && IsBlank(static_cast<char>(c))) {
  }
  const bool is_array = c == '[';
  const bool multiline = !is_array && FileStartsWithValueSpanningLines(file.get());
  return SplitRecords(is_array, multiline, max_record_bytes, fn, [&](auto on_bytes) {
    RewindPastByteOrderMark(file.get());
    return ReadChunks(file.get(), path, on_bytes);
  });
}

}  // namespace sluice
