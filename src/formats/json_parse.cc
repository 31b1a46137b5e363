#include "formats/json_parse.h"

#include <fmt/format.h>

#include <algorithm>

namespace sluice {
namespace {

constexpr char kTag = '\xFF';  // as IsOutsizedNumberString checks
// Written where the tag goes; the element's first byte is overwritten with kTag after parsing.
constexpr char kTagPlaceholder = '#';

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

bool IsNumberChar(char c) {
  return IsDigit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

// Tags the strings whose ordinals (in document order, keys counted) are listed in `tagged`.
// The walk keeps its own stack: a document may nest kMaxJsonDepth levels.
void TagStrings(simdjson::dom::element root, const std::vector<uint64_t>& tagged) {
  using simdjson::dom::element_type;
  // A key counts as a string of its own, just before its value; `key` marks that step.
  struct Step {
    simdjson::dom::element element;
    bool key = false;
  };
  std::vector<Step> todo{{root}};
  std::vector<Step> children;
  uint64_t ordinal = 0;
  size_t next = 0;
  while (!todo.empty() && next < tagged.size()) {
    const Step step = todo.back();
    todo.pop_back();
    if (step.key) {
      ++ordinal;
      continue;
    }
    children.clear();
    switch (step.element.type()) {
      case element_type::OBJECT:
        for (simdjson::dom::key_value_pair field : simdjson::dom::object(step.element)) {
          children.push_back({step.element, true});
          children.push_back({field.value});
        }
        break;
      case element_type::ARRAY:
        for (simdjson::dom::element child : simdjson::dom::array(step.element))
          children.push_back({child});
        break;
      case element_type::STRING:
        if (tagged[next] == ordinal) {
          // The parser's string buffer is its own mutable memory; the view is const only
          // because readers must not change a document. This string was written by Rewrite.
          std::string_view s = std::string_view(step.element);
          const_cast<char*>(s.data())[0] = kTag;
          ++next;
        }
        ++ordinal;
        break;
      default:
        break;
    }
    todo.insert(todo.end(), children.rbegin(), children.rend());
  }
}

}  // namespace

int JsonDepthAfterLine(std::string_view line, int depth) {
  JsonStringTracker strings;  // a line starts outside any string
  for (const char c : line) {
    if (!strings.Outside(c)) continue;
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      depth = std::max(0, depth - 1);
    }
  }
  return depth;
}

bool FirstJsonValueSpansLines(const std::function<bool(std::string_view* line)>& next_line,
                              size_t max_bytes) {
  std::string value;
  int depth = 0;
  std::string_view line;
  while (next_line(&line)) {
    if (value.empty() && line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    if (!value.empty()) value.push_back('\n');
    value.append(line);
    depth = JsonDepthAfterLine(line, depth);
    if (depth > 0 && value.size() <= max_bytes) continue;
    JsonParser parser;
    simdjson::dom::element root;
    return depth == 0 && value.find('\n') != std::string::npos &&
           parser.Parse(value, &root) == simdjson::SUCCESS;
  }
  return false;
}

bool IsJsonNumberToken(std::string_view t) {
  size_t i = 0;
  if (i < t.size() && t[i] == '-') ++i;
  if (i >= t.size()) return false;
  if (t[i] == '0') {
    ++i;
  } else if (IsDigit(t[i])) {
    while (i < t.size() && IsDigit(t[i]))
      ++i;
  } else {
    return false;
  }
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (i >= t.size() || !IsDigit(t[i])) return false;
    while (i < t.size() && IsDigit(t[i]))
      ++i;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (i >= t.size() || !IsDigit(t[i])) return false;
    while (i < t.size() && IsDigit(t[i]))
      ++i;
  }
  return i == t.size();
}

JsonParser::JsonParser()
    // The depth is fixed when the parser first allocates; later growth keeps it. simdjson's
    // depth counts one more than the containers it allows.
    : allocated_(parser_.allocate(simdjson::dom::MINIMAL_DOCUMENT_CAPACITY, kMaxJsonDepth + 1)) {}

std::string JsonErrorText(simdjson::error_code error) {
  if (error == simdjson::DEPTH_ERROR) {
    return fmt::format(
        "arrays and objects nest deeper than {} levels, the most Sluice reads (RFC 8259 "
        "section 9 lets a parser set such a limit)",
        kMaxJsonDepth);
  }
  return simdjson::error_message(error);
}

simdjson::error_code JsonParser::Parse(std::string_view text, simdjson::dom::element* root) {
  if (allocated_) return allocated_;  // out of memory at construction
  simdjson::error_code error = parser_.parse(text.data(), text.size()).get(*root);
  if (error != simdjson::NUMBER_ERROR) return error;

  // The rare path: copy the text, turning each valid number simdjson refused into a string.
  rewritten_.clear();
  rewritten_.reserve(text.size() + 64);
  tagged_.clear();
  uint64_t strings = 0;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"') {
      size_t j = i + 1;
      while (j < text.size() && text[j] != '"')
        j += text[j] == '\\' ? 2 : 1;
      j = std::min(j + 1, text.size());
      rewritten_.append(text.substr(i, j - i));
      ++strings;
      i = j;
      continue;
    }
    if (c != '-' && !IsDigit(c)) {
      rewritten_.push_back(c);
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && IsNumberChar(text[j]))
      ++j;
    const std::string_view token = text.substr(i, j - i);
    i = j;
    // Up to 18 digits and no fraction or exponent always fits an int64; anything else is
    // judged by simdjson itself, so the two never disagree on what it can hold.
    const bool fits = token.size() <= 18 && token.find_first_of(".eE") == std::string_view::npos;
    simdjson::dom::element ignored;
    if (fits || !IsJsonNumberToken(token) ||
        number_parser_.parse(token.data(), token.size()).get(ignored) == simdjson::SUCCESS) {
      rewritten_.append(token);  // an invalid number stays, and fails the parse below
      continue;
    }
    rewritten_.push_back('"');
    rewritten_.push_back(kTagPlaceholder);
    rewritten_.append(token);
    rewritten_.push_back('"');
    tagged_.push_back(strings++);
  }
  if (tagged_.empty()) return error;
  error = parser_.parse(rewritten_.data(), rewritten_.size()).get(*root);
  if (error) return error;
  TagStrings(*root, tagged_);
  return simdjson::SUCCESS;
}

std::optional<std::string_view> OutsizedNumber(const simdjson::dom::element& element) {
  std::string_view s;
  if (element.get_string().get(s) || !IsOutsizedNumberString(s)) return std::nullopt;
  return s.substr(1);
}

const char* JsonTypeName(const simdjson::dom::element& element) {
  using simdjson::dom::element_type;
  switch (element.type()) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return OutsizedNumber(element) ? "a number" : "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "unknown";
}

std::string JsonMinify(const simdjson::dom::element& element) {
  std::string out = simdjson::minify(element);
  // simdjson writes string bytes above 0x1F as they are, so a tag can only start a tagged
  // string: `"\xFF<number>"` becomes `<number>`. A number holds no quote.
  size_t at = 0;
  while ((at = out.find(kTag, at)) != std::string::npos) {
    if (at == 0 || out[at - 1] != '"') {
      ++at;
      continue;
    }
    const size_t close = out.find('"', at);
    if (close == std::string::npos) break;
    out.erase(close, 1);
    out.erase(at - 1, 2);
    at = close - 2;
  }
  return out;
}

}  // namespace sluice
