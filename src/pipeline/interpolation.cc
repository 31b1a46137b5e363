#include "pipeline/interpolation.h"

#include <fmt/format.h>

namespace sluice {
namespace {

bool IsNameStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool IsNameChar(char c) {
  return IsNameStart(c) || (c >= '0' && c <= '9');
}

// The length of the name at the start of `text` (0 when there is none).
size_t NameLength(std::string_view text) {
  if (text.empty() || !IsNameStart(text[0])) return 0;
  size_t n = 1;
  while (n < text.size() && IsNameChar(text[n]))
    ++n;
  return n;
}

}  // namespace

Interpolated Interpolate(std::string_view text, const VariableLookup& lookup) {
  Interpolated out;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c != '$' || i + 1 >= text.size() || (text[i + 1] != '$' && text[i + 1] != '{')) {
      out.value += c;
      ++i;
      continue;
    }
    if (text[i + 1] == '$') {
      out.value += '$';
      i += 2;
      continue;
    }
    // "${": a reference. Messages say what is wrong without quoting the text, which may be a
    // value meant for a secret option.
    const size_t start = i;
    const size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      out.issues.push_back({start, "'${' without a closing '}' (write $$ for a literal '$')"});
      break;
    }
    const std::string_view inner = text.substr(i + 2, close - i - 2);
    const size_t name_length = NameLength(inner);
    i = close + 1;
    if (name_length == 0) {
      out.issues.push_back(
          {start,
           "a variable name in ${...} is letters, digits and '_', not starting with a "
           "digit"});
      continue;
    }
    const std::string_view name = inner.substr(0, name_length);
    const std::string_view rest = inner.substr(name_length);
    if (!rest.empty() && rest.substr(0, 2) != ":-") {
      out.issues.push_back(
          {start, fmt::format("only ${{{0}}} and ${{{0}:-default}} are understood", name)});
      continue;
    }
    const std::optional<std::string> value = lookup(name);
    if (!rest.empty()) {
      out.value += value && !value->empty() ? *value : std::string(rest.substr(2));
    } else if (value) {
      out.value += *value;
    } else {
      out.issues.push_back(
          {start, fmt::format("${{{0}}}: {0} is not set (give a default: ${{{0}:-value}})", name),
           std::string(name)});
    }
  }
  return out;
}

bool IsWholeReference(std::string_view text) {
  if (text.size() < 4 || text.substr(0, 2) != "${" || text.back() != '}') return false;
  const std::string_view inner = text.substr(2, text.size() - 3);
  return !inner.empty() && NameLength(inner) == inner.size();
}

}  // namespace sluice
