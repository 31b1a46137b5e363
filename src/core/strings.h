// Small string helpers shared across modules.
#pragma once

#include <charconv>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// ASCII lower case (header names, file extensions, SQL identifiers); other bytes unchanged.
inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Whether `a` and `b` are equal when ASCII letters are compared without case.
inline bool AsciiEqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Without leading and trailing spaces, tabs and carriage returns.
inline std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Parses the whole of `s` as a base-10 integer: no sign for unsigned types, no spaces, nothing
// after the digits.
template <typename Int>
bool ParseInt(std::string_view s, Int* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

// Undoes %XX escapes (URLs, query strings); a '%' not followed by two hex digits stays as it is.
std::string PercentDecode(std::string_view s);

// Undoes %XX escapes strictly, as an HTTP server must (RFC 3986 §2.1), and '+' as a space when
// `plus_is_space` (the form encoding of query strings): false when a '%' is not followed by two
// hex digits, and `out` then holds what came before it.
bool PercentDecodeStrict(std::string_view text, bool plus_is_space, std::string* out);

// The names separated by ", " ("a, b, c"), for messages that list what exists.
inline std::string JoinWithCommas(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace sluice
