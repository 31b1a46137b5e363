#include "jobs/warehouse/json_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "core/strings.h"
#include "formats/json_parse.h"

namespace sluice::warehouse {
namespace {

// Walks a record with the model's key paths: at each object it knows which names the model reads
// there (none below a key the model does not read), so only those are quoted or matched in
// another case. Arrays are transparent: a path's [] and [N] steps read into them.
class KeyChecker {
 public:
  explicit KeyChecker(const Model& model) {
    for (const auto& f : model.fields)
      paths_.emplace_back(f.json.keys.begin(), f.json.keys.end());
  }

  // The first ambiguity in `record`, in document order. The walk keeps its own stack, as a
  // record may nest kMaxJsonDepth levels.
  std::optional<std::string> Check(const simdjson::dom::element& record) {
    // `at` is the path of keys to `element`; nullopt once below a key the model does not read.
    struct Step {
      simdjson::dom::element element;
      std::optional<std::vector<std::string_view>> at;
    };
    std::vector<Step> todo;
    todo.push_back({record, std::vector<std::string_view>()});
    std::vector<Step> children;
    while (!todo.empty()) {
      Step step = std::move(todo.back());
      todo.pop_back();
      children.clear();
      simdjson::dom::array array;
      simdjson::dom::object object;
      if (!step.element.get_array().get(array)) {
        for (simdjson::dom::element child : array)
          children.push_back({child, step.at});
      } else if (!step.element.get_object().get(object)) {
        std::vector<std::string_view> keys;
        for (auto field : object)
          keys.push_back(field.key);
        const std::vector<std::string_view> names = NamesAt(step.at);
        if (auto why = CheckKeys(keys, names)) return why;
        for (auto field : object) {
          std::optional<std::vector<std::string_view>> below;
          if (std::find(names.begin(), names.end(), field.key) != names.end()) {
            below = *step.at;
            below->push_back(field.key);
          }
          children.push_back({field.value, std::move(below)});
        }
      }
      std::move(children.rbegin(), children.rend(), std::back_inserter(todo));
    }
    return std::nullopt;
  }

 private:
  // The names the model reads in an object at path `at`.
  std::vector<std::string_view> NamesAt(const std::optional<std::vector<std::string_view>>& at) {
    std::vector<std::string_view> names;
    if (!at) return names;
    for (const auto& path : paths_) {
      if (path.size() <= at->size() || !std::equal(at->begin(), at->end(), path.begin())) continue;
      if (std::find(names.begin(), names.end(), path[at->size()]) == names.end()) {
        names.push_back(path[at->size()]);
      }
    }
    return names;
  }

  static std::optional<std::string> CheckKeys(const std::vector<std::string_view>& keys,
                                              const std::vector<std::string_view>& names) {
    for (size_t i = 0; i < keys.size(); ++i) {
      std::optional<std::string_view> name;
      for (std::string_view n : names) {
        if (AsciiEqualsIgnoreCase(n, keys[i])) name = n;
      }
      for (size_t j = i + 1; j < keys.size(); ++j) {
        if (!AsciiEqualsIgnoreCase(keys[i], keys[j])) continue;
        if (keys[i] == keys[j]) {
          if (!name) {
            return fmt::format("an object repeats a key (its keys {} and {})", i + 1, j + 1);
          }
          return fmt::format(
              "key '{}' appears twice in one object (keys {} and {}): which value to load is "
              "ambiguous",
              keys[i], i + 1, j + 1);
        }
        if (name) {
          return fmt::format(
              "keys '{}' and '{}' of one object (keys {} and {}) differ only in letter case: "
              "which one is the model's '{}' is ambiguous",
              keys[i], keys[j], i + 1, j + 1, *name);
        }
      }
      // Alone in its object (a sibling in another case was reported above).
      if (name && *name != keys[i]) {
        return fmt::format(
            "key '{}' is the model's '{}' in another letter case; JSON keys are matched exactly, "
            "so it would load as missing",
            keys[i], *name);
      }
    }
    return std::nullopt;
  }

  std::vector<std::vector<std::string_view>> paths_;
};

bool IsJsonSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool Hex4(std::string_view text, size_t at, unsigned* value) {
  if (at + 4 > text.size()) return false;
  unsigned v = 0;
  for (size_t i = at; i < at + 4; ++i) {
    const char c = text[i];
    const int d = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
    if (d < 0) return false;
    v = v * 16 + static_cast<unsigned>(d);
  }
  *value = v;
  return true;
}

// The first \u escape of a UTF-16 surrogate without its other half. RFC 8259 section 7 lets
// JSON write one; it names no character, so no text can hold it, and simdjson refuses the whole
// document for it.
std::optional<JsonTextFault> FindLoneSurrogate(std::string_view text) {
  for (size_t p = text.find('\\'); p != std::string_view::npos; p = text.find('\\', p)) {
    unsigned cp;
    if (p + 1 >= text.size() || text[p + 1] != 'u' || !Hex4(text, p + 2, &cp)) {
      p += 2;  // another escape (or a syntax error, left to the parser)
      continue;
    }
    unsigned low;
    if (cp >= 0xD800 && cp <= 0xDBFF && p + 7 < text.size() && text[p + 6] == '\\' &&
        text[p + 7] == 'u' && Hex4(text, p + 8, &low) && low >= 0xDC00 && low <= 0xDFFF) {
      p += 12;
      continue;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      return JsonTextFault{
          p, fmt::format("\\u{} is half of a UTF-16 surrogate pair, which no text can "
                         "hold",
                         text.substr(p + 2, 4))};
    }
    p += 6;
  }
  return std::nullopt;
}

}  // namespace

std::optional<JsonTextFault> FindUnstorableJson(std::string_view text) {
  std::optional<JsonTextFault> fault;
  if (auto byte = FindUnstorableByte(text)) {
    fault = JsonTextFault{byte->offset, byte->Describe() + " (record stored escaped)"};
  }
  if (auto surrogate = FindLoneSurrogate(text.substr(0, fault ? fault->offset : text.size()))) {
    if (fault) surrogate->description += " (record stored escaped)";
    fault = std::move(surrogate);
  }
  return fault;
}

std::optional<std::string> FindAmbiguousKeys(const Model& model,
                                             const simdjson::dom::element& record) {
  return KeyChecker(model).Check(record);
}

Result<IsolatedArray> IsolateUnstorableElements(std::string_view text) {
  auto first = FindUnstorableJson(text);
  if (!first) return IsolatedArray{};
  const TextPoint at = PointOf(text, first->offset);
  const auto cannot_split = [&](std::string_view why) {
    return InvalidArgument(fmt::format(
        "line {}, column {} (byte offset {}): {}, and the array cannot be split into records "
        "there ({}), so nothing of it is loaded",
        at.line, at.column, first->offset, first->description, why));
  };
  // Follows the array's structure only as far as element boundaries: strings (with escapes)
  // and nesting. Everything else is left to the parser, which sees the rewritten array.
  size_t p = 0;
  while (p < text.size() && IsJsonSpace(text[p]))
    ++p;
  if (p == text.size() || text[p] != '[') return cannot_split("it is not an array");
  ++p;
  IsolatedArray out;
  size_t copied = 0;  // text[0, copied) is already in out.text
  for (uint64_t index = 0;; ++index) {
    while (p < text.size() && IsJsonSpace(text[p]))
      ++p;
    if (p < text.size() && text[p] == ']' && index == 0) break;
    const size_t start = p;
    int depth = 0;
    JsonStringTracker strings;
    for (; p < text.size(); ++p) {
      const char c = text[p];
      if (!strings.Outside(c)) continue;
      if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && depth > 0) {
        --depth;
      } else if ((c == ',' || c == ']') && depth == 0) {
        break;
      }
    }
    if (p >= text.size()) return cannot_split("it ends inside an element");
    std::string_view element = text.substr(start, p - start);
    while (!element.empty() && IsJsonSpace(element.back()))
      element.remove_suffix(1);
    if (auto fault = FindUnstorableJson(element)) {
      const TextPoint where = PointOf(text, start + fault->offset);
      out.elements.push_back(
          {index,
           fmt::format("line {}, column {}: {}", where.line, where.column, fault->description),
           std::string(element)});
      out.text.append(text.data() + copied, start - copied);
      out.text += "null";
      copied = start + element.size();
    }
    if (text[p] == ']') break;
    ++p;  // the comma
  }
  out.text.append(text.data() + copied, text.size() - copied);
  if (auto rest = FindUnstorableJson(out.text)) {
    return cannot_split("it lies outside the array's elements");
  }
  return out;
}

}  // namespace sluice::warehouse
