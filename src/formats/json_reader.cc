#include "formats/json_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include "core/input_stream.h"
#include "formats/json_parse.h"
#include "formats/json_record_stream.h"

namespace sluice {

std::string JsonPosition::ToString() const {
  return is_array_index ? fmt::format("index {}", number) : fmt::format("line {}", number);
}

std::string_view SkipUtf8Bom(std::string_view text) {
  return text.substr(0, 3) == "\xEF\xBB\xBF" ? text.substr(3) : text;
}

namespace {

constexpr std::string_view kBlanks = " \t\n\r";

Status EmptyError() {
  return InvalidArgument("the file is empty: it holds no JSON value (only blanks, if anything)");
}

std::string OverLimit(uint64_t bytes, size_t limit) {
  return fmt::format("the record is over {} bytes, the most one may take (it has {}); not kept",
                     limit, bytes);
}

// The layout from the first non-blank byte; nullopt when there is none.
std::optional<JsonLayout> Detect(std::string_view text) {
  const size_t at = text.find_first_not_of(kBlanks);
  if (at == std::string_view::npos) return std::nullopt;
  return text[at] == '[' ? JsonLayout::kArray : JsonLayout::kNdjson;
}

// The index and byte offset of the first element of the array `text` longer than `limit`
// bytes, following strings and nesting only (the parser judges the rest).
std::optional<std::pair<uint64_t, size_t>> FindOversizedElement(std::string_view text,
                                                                size_t limit) {
  int depth = 0;
  JsonStringTracker strings;
  uint64_t index = 0;
  size_t start = std::string_view::npos;
  for (size_t i = 0; i < text.size(); ++i) {
    if (start != std::string_view::npos && i - start > limit) return std::pair(index, start);
    const char c = text[i];
    if (!strings.Outside(c)) continue;
    if (kBlanks.find(c) != std::string_view::npos) continue;
    if (depth == 1 && start == std::string_view::npos && c != ',' && c != ']') start = i;
    if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      if (--depth <= 0) return std::nullopt;
    } else if (c == ',' && depth == 1) {
      ++index;
      start = std::string_view::npos;
    }
  }
  return std::nullopt;
}

// After the array failed to parse whole: one element the parser cannot take (nested too deep, a
// syntax error inside it) must not cost the others, just as a bad NDJSON line costs only
// itself. When the array's structure holds, each element is parsed on its own and a bad one
// goes to `fn` as an error; when it does not, the whole text is an error naming where.
Status ForEachElementAlone(JsonParser& parser, std::string_view text, const JsonRecordFn& fn,
                           const JsonReadOptions& options) {
  Status from_fn;  // a failure of `fn` passes on as it is
  Status split = ForEachRawJsonRecordInString(
      text, options.max_record_bytes, [&](const RawJsonRecord& record) -> Status {
        const JsonPosition pos{true, record.position.number};
        simdjson::dom::element element;
        if (auto error = parser.Parse(record.text, &element)) {
          return from_fn = fn(pos, nullptr, fmt::format("invalid JSON: {}", JsonErrorText(error)),
                              record.text);
        }
        return from_fn = fn(pos, &element, {}, record.text);
      });
  if (split.ok() || !from_fn.ok()) return split;
  return Status(split.code(), fmt::format("invalid JSON: {}", split.message()));
}

Status ForEachInArray(JsonParser& parser, std::string_view text, const JsonRecordFn& fn,
                      const JsonReadOptions& options) {
  // Checked before parsing: simdjson would take any size, and the limit must hold either way.
  if (auto big = FindOversizedElement(text, options.max_record_bytes)) {
    return InvalidArgument(fmt::format(
        "index {} (byte offset {}): the array element is over {} bytes, the most a record may take",
        big->first, big->second, options.max_record_bytes));
  }
  simdjson::dom::element root;
  if (parser.Parse(text, &root)) return ForEachElementAlone(parser, text, fn, options);
  simdjson::dom::array array;
  if (root.get_array().get(array)) {
    return InvalidArgument("expected a JSON array of records or NDJSON");
  }
  JsonPosition pos;
  for (simdjson::dom::element e : array) {
    RETURN_IF_ERROR(fn(pos, &e, {}, {}));
    ++pos.number;
  }
  return Status::Ok();
}

Status ParseLine(JsonParser& parser, std::string_view line, uint64_t number,
                 const JsonRecordFn& fn) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
    line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return Status::Ok();
  JsonPosition pos{false, number};
  simdjson::dom::element e;
  if (auto error = parser.Parse(line, &e)) {
    return fn(pos, nullptr, fmt::format("invalid JSON: {}", JsonErrorText(error)), line);
  }
  return fn(pos, &e, {}, line);
}

// Hands NDJSON records to ParseLine: each line, or, when values span lines, each value from its
// first line (its position) to the line that closes its brackets. A record over the limit is
// reported by its size alone.
class NdjsonRecords {
 public:
  NdjsonRecords(JsonParser& parser, bool multiline, const JsonRecordFn& fn, size_t limit)
      : parser_(parser), multiline_(multiline), fn_(fn), limit_(limit) {}

  // `length` is the line's length in the input, larger than line.size() when it was cut short.
  Status Line(std::string_view line, uint64_t length) {
    ++number_;
    if (!multiline_) {
      if (length > limit_) return fn_({false, number_}, nullptr, OverLimit(length, limit_), {});
      return ParseLine(parser_, line, number_, fn_);
    }
    while (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (value_.empty() && value_bytes_ == 0) {
      if (line.find_first_not_of(" \t") == std::string_view::npos) return Status::Ok();
      first_ = number_;
    }
    if (value_bytes_ > 0) ++value_bytes_;  // the line end between lines
    value_bytes_ += length;
    if (value_bytes_ <= limit_) {
      if (!value_.empty()) value_.push_back('\n');
      value_.append(line);
    } else {
      value_.clear();  // over the limit: only its size is told
    }
    depth_ = JsonDepthAfterLine(line, depth_);
    // Past the limit the brackets of the rest are not followed: the value ends here.
    if (depth_ > 0 && value_bytes_ <= limit_) return Status::Ok();
    return Flush();
  }

  // The value the text ends inside, if any: reported as not valid JSON at its first line.
  Status Finish() { return value_bytes_ == 0 ? Status::Ok() : Flush(); }

 private:
  Status Flush() {
    Status st = value_bytes_ > limit_
                    ? fn_({false, first_}, nullptr, OverLimit(value_bytes_, limit_), {})
                    : ParseLine(parser_, value_, first_, fn_);
    value_.clear();
    value_bytes_ = 0;
    depth_ = 0;
    return st;
  }

  JsonParser& parser_;
  const bool multiline_;
  const JsonRecordFn& fn_;
  const size_t limit_;
  uint64_t number_ = 0;
  uint64_t first_ = 0;
  std::string value_;
  uint64_t value_bytes_ = 0;
  int depth_ = 0;
};

// Lines of a file without their '\n', each held up to `limit` bytes: the rest of a longer line
// is read past, not kept, so memory stays bounded whatever the input (even /dev/zero).
class BoundedLines {
 public:
  BoundedLines(std::FILE* file, size_t limit)
      : file_(file), limit_(limit), chunk_(64 << 10, '\0') {}

  // The next line, cut to `limit` bytes; `*length` is its whole length. False at the end.
  bool Next(std::string_view* text, uint64_t* length) {
    line_.clear();
    uint64_t total = 0;
    bool any = false;
    for (;;) {
      if (pos_ == end_) {
        pos_ = 0;
        end_ = std::fread(chunk_.data(), 1, chunk_.size(), file_);
        if (end_ == 0) break;
      }
      any = true;
      const char* from = chunk_.data() + pos_;
      const void* nl = std::memchr(from, '\n', end_ - pos_);
      const size_t n = nl ? static_cast<size_t>(static_cast<const char*>(nl) - from) : end_ - pos_;
      total += n;
      if (line_.size() < limit_) line_.append(from, std::min(n, limit_ - line_.size()));
      pos_ += n;
      if (nl) {
        ++pos_;
        break;
      }
    }
    if (!any) return false;
    if (first_line_ && std::string_view(line_).substr(0, 3) == "\xEF\xBB\xBF") {
      line_.erase(0, 3);
      total -= 3;
    }
    first_line_ = false;
    *text = line_;
    *length = total;
    return true;
  }

  void Rewind() {
    std::rewind(file_);
    pos_ = end_ = 0;
    first_line_ = true;
  }

 private:
  std::FILE* file_;
  const size_t limit_;
  std::string chunk_;
  size_t pos_ = 0;
  size_t end_ = 0;
  std::string line_;
  bool first_line_ = true;
};

// Calls `fn` with each line of `text`, without its '\n'; false from `fn` stops.
template <typename Fn>
void ForEachLine(std::string_view text, Fn fn) {
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    if (!fn(text.substr(0, nl)) || nl == std::string_view::npos) return;
    text.remove_prefix(nl + 1);
  }
}

}  // namespace

Status ForEachJsonRecordInString(std::string_view text, JsonLayout layout, const JsonRecordFn& fn,
                                 const JsonReadOptions& options) {
  text = SkipUtf8Bom(text);
  const std::optional<JsonLayout> detected = Detect(text);
  if (!detected) return EmptyError();
  if (layout == JsonLayout::kAuto) layout = *detected;
  const size_t limit = options.max_record_bytes;
  JsonParser parser;
  if (layout == JsonLayout::kArray) return ForEachInArray(parser, text, fn, options);
  std::string_view rest = text;
  const bool multiline = FirstJsonValueSpansLines(
      [&](std::string_view* line) {
        if (rest.empty()) return false;
        const size_t nl = rest.find('\n');
        if (nl != std::string_view::npos ? nl > limit : rest.size() > limit) return false;
        *line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        return true;
      },
      limit);
  NdjsonRecords records(parser, multiline, fn, limit);
  Status status;
  ForEachLine(text, [&](std::string_view line) {
    status = records.Line(line.substr(0, limit), line.size());
    return status.ok();
  });
  return status.ok() ? records.Finish() : status;
}

Status ForEachJsonRecord(const std::string& path, JsonLayout layout, const JsonRecordFn& fn,
                         const JsonReadOptions& options) {
  ASSIGN_OR_RETURN(InputFile file, OpenInputFile(path, kStandardInputRewindBytes));
  // The layout is judged, and emptiness found, from the first byte past a BOM and blanks.
  int c = FirstByteAfterMarkAndBlanks(file.get());
  if (c == EOF) {
    if (std::ferror(file.get())) return InputReadError(file.get(), path);
    return EmptyError();
  }
  if (layout == JsonLayout::kAuto) layout = c == '[' ? JsonLayout::kArray : JsonLayout::kNdjson;
  std::rewind(file.get());
  JsonParser parser;
  if (layout == JsonLayout::kArray) {
    // An array is one document: simdjson needs it whole (decompressed, for a .gz).
    std::string whole;
    std::vector<char> chunk(64 << 10);
    for (;;) {
      const size_t n = std::fread(chunk.data(), 1, chunk.size(), file.get());
      whole.append(chunk.data(), n);
      if (n < chunk.size()) break;
    }
    if (std::ferror(file.get())) return InputReadError(file.get(), path);
    const simdjson::padded_string text(whole);
    std::string().swap(whole);
    return ForEachInArray(parser, SkipUtf8Bom(text), fn, options);
  }
  // NDJSON streams a line at a time, so memory does not grow with the file.
  BoundedLines lines(file.get(), options.max_record_bytes);
  uint64_t length = 0;
  auto next_line = [&](std::string_view* text) { return lines.Next(text, &length); };
  // A line cut at the limit cannot be part of a first value under it, so the probe stops there
  // rather than copying it (the answer is the same: not spanning lines).
  const bool multiline = FirstJsonValueSpansLines(
      [&](std::string_view* text) { return next_line(text) && length <= options.max_record_bytes; },
      options.max_record_bytes);
  lines.Rewind();
  NdjsonRecords records(parser, multiline, fn, options.max_record_bytes);
  Status status;
  for (std::string_view text; status.ok() && next_line(&text);)
    status = records.Line(text, length);
  if (status.ok() && std::ferror(file.get())) return InputReadError(file.get(), path);
  return status.ok() ? records.Finish() : status;
}

Result<std::optional<std::string>> JsonScalarText(const simdjson::dom::element& e) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::NULL_VALUE:
      return std::optional<std::string>();
    case element_type::STRING:
      // A number beyond int64/uint64/double keeps its exact JSON text (see json_parse.h).
      if (auto number = OutsizedNumber(e)) return std::optional<std::string>(std::string(*number));
      return std::optional<std::string>(std::string(e.get_string().value()));
    case element_type::INT64:
      return std::optional<std::string>(std::to_string(e.get_int64().value()));
    case element_type::UINT64:
      return std::optional<std::string>(std::to_string(e.get_uint64().value()));
    case element_type::DOUBLE:
      return std::optional<std::string>(fmt::format("{}", e.get_double().value()));
    case element_type::BOOL:
      return std::optional<std::string>(e.get_bool().value() ? "true" : "false");
    case element_type::ARRAY:
      return InvalidArgument("expected a value, found an array");
    case element_type::OBJECT:
      return InvalidArgument("expected a value, found an object");
  }
  return InvalidArgument("unsupported JSON value");
}

Result<std::optional<std::string>> JsonScalarAt(const simdjson::dom::element& element,
                                                std::string_view dotted_path) {
  simdjson::dom::element current = element;
  std::string_view rest = dotted_path;
  while (!rest.empty()) {
    size_t dot = rest.find('.');
    std::string_view key = rest.substr(0, dot);
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
    if (current.type() == simdjson::dom::element_type::NULL_VALUE) {
      return std::optional<std::string>();
    }
    simdjson::dom::object object;
    if (current.get_object().get(object)) {
      return InvalidArgument(fmt::format("{}: expected an object", dotted_path));
    }
    simdjson::dom::element child;
    if (object.at_key(key).get(child)) return std::optional<std::string>();
    current = child;
  }
  auto text = JsonScalarText(current);
  if (!text.ok()) return text.status().WithContext(dotted_path);
  return text;
}

}  // namespace sluice
