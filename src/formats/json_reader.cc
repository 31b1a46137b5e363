#include "formats/json_reader.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace sluice {

std::string JsonPosition::ToString() const {
  return is_array_index ? fmt::format("index {}", number) : fmt::format("line {}", number);
}

namespace {

JsonLayout Detect(std::string_view text) {
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    return c == '[' ? JsonLayout::kArray : JsonLayout::kNdjson;
  }
  return JsonLayout::kNdjson;
}

Status ForEachInArray(JsonParser& parser, std::string_view text, const JsonRecordFn& fn) {
  simdjson::dom::element root;
  if (auto error = parser.Parse(text, &root)) {
    return InvalidArgument(fmt::format("invalid JSON: {}", simdjson::error_message(error)));
  }
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
    return fn(pos, nullptr, fmt::format("invalid JSON: {}", simdjson::error_message(error)), line);
  }
  return fn(pos, &e, {}, line);
}

// Values spanning lines larger than this are passed on as they are (and fail to parse).
constexpr size_t kMaxValueBytes = 64 << 20;

// Hands NDJSON records to ParseLine: each line, or, when values span lines, each value from its
// first line (its position) to the line that closes its brackets.
class NdjsonRecords {
 public:
  NdjsonRecords(JsonParser& parser, bool multiline, const JsonRecordFn& fn)
      : parser_(parser), multiline_(multiline), fn_(fn) {}

  Status Line(std::string_view line) {
    ++number_;
    if (!multiline_) return ParseLine(parser_, line, number_, fn_);
    while (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (value_.empty()) {
      if (line.find_first_not_of(" \t") == std::string_view::npos) return Status::Ok();
      first_ = number_;
    } else {
      value_.push_back('\n');
    }
    value_.append(line);
    depth_ = JsonDepthAfterLine(line, depth_);
    if (depth_ > 0 && value_.size() <= kMaxValueBytes) return Status::Ok();
    return Flush();
  }

  // The value the text ends inside, if any: reported as not valid JSON at its first line.
  Status Finish() { return value_.empty() ? Status::Ok() : Flush(); }

 private:
  Status Flush() {
    Status st = ParseLine(parser_, value_, first_, fn_);
    value_.clear();
    depth_ = 0;
    return st;
  }

  JsonParser& parser_;
  const bool multiline_;
  const JsonRecordFn& fn_;
  uint64_t number_ = 0;
  uint64_t first_ = 0;
  std::string value_;
  int depth_ = 0;
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

Status ForEachJsonRecordInString(std::string_view text, JsonLayout layout, const JsonRecordFn& fn) {
  JsonParser parser;
  if (layout == JsonLayout::kAuto) layout = Detect(text);
  if (layout == JsonLayout::kArray) return ForEachInArray(parser, text, fn);
  std::string_view rest = text;
  const bool multiline = FirstJsonValueSpansLines(
      [&](std::string_view* line) {
        if (rest.empty()) return false;
        const size_t nl = rest.find('\n');
        *line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        return true;
      },
      kMaxValueBytes);
  NdjsonRecords records(parser, multiline, fn);
  Status status;
  ForEachLine(text, [&](std::string_view line) {
    status = records.Line(line);
    return status.ok();
  });
  return status.ok() ? records.Finish() : status;
}

Status ForEachJsonRecord(const std::string& path, JsonLayout layout, const JsonRecordFn& fn) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) return IoError(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  if (layout == JsonLayout::kAuto) {
    int c;
    while ((c = std::fgetc(file.get())) == ' ' || c == '\n' || c == '\r' || c == '\t') {
    }
    layout = c == '[' ? JsonLayout::kArray : JsonLayout::kNdjson;
    std::rewind(file.get());
  }
  JsonParser parser;
  if (layout == JsonLayout::kArray) {
    // An array is one document: simdjson needs it whole.
    simdjson::padded_string text;
    if (auto error = simdjson::padded_string::load(path).get(text)) {
      return IoError(fmt::format("cannot read {}: {}", path, simdjson::error_message(error)));
    }
    return ForEachInArray(parser, text, fn);
  }
  // NDJSON streams a line at a time, so memory does not grow with the file.
  char* line = nullptr;
  size_t capacity = 0;
  auto next_line = [&](std::string_view* text) {
    ssize_t n = ::getline(&line, &capacity, file.get());
    if (n < 0) return false;
    *text = std::string_view(line, static_cast<size_t>(n));
    if (!text->empty() && text->back() == '\n') text->remove_suffix(1);
    return true;
  };
  const bool multiline = FirstJsonValueSpansLines(next_line, kMaxValueBytes);
  std::rewind(file.get());
  NdjsonRecords records(parser, multiline, fn);
  Status status;
  for (std::string_view text; status.ok() && next_line(&text);)
    status = records.Line(text);
  std::free(line);
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
