#include "jobs/warehouse/json_path.h"

#include <fmt/format.h>

#include <algorithm>

#include "formats/json_reader.h"

namespace sluice::warehouse {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr size_t kMaxIndexDigits = 9;

// Reads [N] or [] at text[*p] == '['; *p ends past the ']'.
std::optional<JsonPathError> ParseBracket(std::string_view text, size_t* p, JsonPathStep* step) {
  const size_t open = *p;
  const size_t close = text.find(']', open);
  if (close == std::string_view::npos) return JsonPathError{open, "'[' is not closed by ']'"};
  const std::string_view inside = text.substr(open + 1, close - open - 1);
  *p = close + 1;
  if (inside.empty()) {
    step->kind = JsonPathStep::Kind::kEach;
    return std::nullopt;
  }
  const bool digits =
      std::all_of(inside.begin(), inside.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || inside.size() > kMaxIndexDigits || (inside.size() > 1 && inside[0] == '0')) {
    return JsonPathError{open + 1,
                         "an index is a whole number from 0 to 999999999 without leading zeros, "
                         "or nothing ([] for every element)"};
  }
  step->kind = JsonPathStep::Kind::kIndex;
  step->index = 0;
  for (char c : inside)
    step->index = step->index * 10 + static_cast<uint64_t>(c - '0');
  return std::nullopt;
}

// Whether a [] element's value counts: present, not empty text, and not listed in `skip`.
bool Wanted(const std::optional<std::string>& value, const JsonPath& path) {
  if (!value || value->empty()) return false;
  return std::find(path.skip.begin(), path.skip.end(), *value) == path.skip.end();
}

class Walker {
 public:
  explicit Walker(const JsonPath& path) : path_(path) {}

  // The value at steps [from, end) below `at`. `lenient` (under []): a value of the wrong kind
  // is no value rather than an error.
  Result<std::optional<std::string>> Walk(element at, size_t from) {
    const std::vector<JsonPathStep>& steps = path_.steps;
    for (size_t i = from; i < steps.size(); ++i) {
      const JsonPathStep& step = steps[i];
      if (at.type() == element_type::NULL_VALUE) return std::optional<std::string>();
      if (step.kind == JsonPathStep::Kind::kKey) {
        simdjson::dom::object object;
        if (at.get_object().get(object)) return WrongKind("an object");
        if (object.at_key(step.key).get(at)) return std::optional<std::string>();
        continue;
      }
      simdjson::dom::array array;
      if (at.get_array().get(array)) return WrongKind("an array");
      if (step.kind == JsonPathStep::Kind::kIndex) {
        if (step.index >= array.size()) return std::optional<std::string>();
        at = array.at(step.index).value();
        continue;
      }
      return Each(array, i + 1);
    }
    auto text = JsonScalarText(at);
    if (!text.ok()) {
      if (lenient_) return std::optional<std::string>();
      return text.status().WithContext(path_.text);
    }
    return text;
  }

 private:
  Result<std::optional<std::string>> WrongKind(std::string_view expected) const {
    if (lenient_) return std::optional<std::string>();
    return InvalidArgument(fmt::format("{}: expected {}", path_.text, expected));
  }

  Result<std::optional<std::string>> Each(simdjson::dom::array array, size_t rest) {
    lenient_ = true;
    std::optional<std::string> chosen;
    for (element item : array) {
      auto value = Walk(item, rest);
      if (!value.ok() || !Wanted(*value, path_)) continue;
      chosen = std::move(value).value();
      if (path_.pick == JsonPick::kFirst) break;
    }
    return chosen;
  }

  const JsonPath& path_;
  bool lenient_ = false;
};

}  // namespace

bool JsonPath::HasEach() const {
  return std::any_of(steps.begin(), steps.end(),
                     [](const JsonPathStep& s) { return s.kind == JsonPathStep::Kind::kEach; });
}

std::optional<JsonPathError> ParseJsonPath(std::string_view text, JsonPath* out) {
  out->text = std::string(text);
  out->steps.clear();
  out->keys.clear();
  if (text.empty()) return JsonPathError{0, "is empty: expected a key, as in metadata.name"};
  size_t p = 0;
  std::optional<size_t> each_at;
  for (;;) {
    const size_t start = p;
    while (p < text.size() && text[p] != '.' && text[p] != '[' && text[p] != ']')
      ++p;
    if (p == start) {
      return JsonPathError{p, p < text.size() && text[p] == ']'
                                  ? "']' without '['"
                                  : "expected a key (a path starts with a key, and "
                                    "'.' is followed by one)"};
    }
    out->steps.push_back({JsonPathStep::Kind::kKey, std::string(text.substr(start, p - start))});
    out->keys.push_back(out->steps.back().key);
    while (p < text.size() && text[p] == '[') {
      const size_t open = p;
      JsonPathStep step;
      if (auto error = ParseBracket(text, &p, &step)) return error;
      if (step.kind == JsonPathStep::Kind::kEach) {
        if (each_at) {
          return JsonPathError{open, fmt::format("a second [] (the first is at character {}): a "
                                                 "field takes one value, from one list",
                                                 *each_at + 1)};
        }
        each_at = open;
      }
      out->steps.push_back(std::move(step));
    }
    if (out->steps.size() > kMaxJsonPathSteps) {
      return JsonPathError{start, fmt::format("more than {} steps", kMaxJsonPathSteps)};
    }
    if (p == text.size()) return std::nullopt;
    if (text[p] == ']') return JsonPathError{p, "']' without '['"};
    if (text[p] != '.') return JsonPathError{p, "expected '.' or '[' after ']'"};
    ++p;
    if (p == text.size()) return JsonPathError{p - 1, "ends with '.': expected a key after it"};
  }
}

Result<std::optional<std::string>> ExtractJsonPath(const JsonPath& path, const element& record) {
  return Walker(path).Walk(record, 0);
}

}  // namespace sluice::warehouse
