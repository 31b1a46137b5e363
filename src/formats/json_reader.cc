#include "formats/json_reader.h"

#include <fmt/format.h>

#include <cstdio>
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

}  // namespace

Status ForEachJsonRecordInString(std::string_view text, JsonLayout layout, const JsonRecordFn& fn) {
  JsonParser parser;
  if (layout == JsonLayout::kAuto) layout = Detect(text);
  if (layout == JsonLayout::kArray) return ForEachInArray(parser, text, fn);
  uint64_t number = 1;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    RETURN_IF_ERROR(ParseLine(parser, line, number++, fn));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return Status::Ok();
}

Status ForEachJsonRecord(const std::string& path, JsonLayout layout, const JsonRecordFn& fn) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) return IoError(fmt::format("cannot open {}", path));
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
  uint64_t number = 1;
  Status status;
  for (ssize_t n; (n = ::getline(&line, &capacity, file.get())) >= 0;) {
    std::string_view text(line, static_cast<size_t>(n));
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    status = ParseLine(parser, text, number++, fn);
    if (!status.ok()) break;
  }
  std::free(line);
  return status;
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
