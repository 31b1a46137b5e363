#include "core/text_check.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cstring>

namespace sluice {
namespace {

// Length of the well-formed UTF-8 sequence at text[i] (RFC 3629 section 4), or 0 if there is
// none; a NUL counts as not storable.
size_t SequenceLength(std::string_view text, size_t i) {
  const auto at = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b = at(i);
  if (b == 0) return 0;
  if (b < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    if (b == 0xE0) lo = 0xA0;  // overlong
    if (b == 0xED) hi = 0x9F;  // surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    if (b == 0xF0) lo = 0x90;  // overlong
    if (b == 0xF4) hi = 0x8F;  // past U+10FFFF
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
  }
  return n;
}

bool LooksStorable(std::string_view text) {
  return std::memchr(text.data(), '\0', text.size()) == nullptr &&
         simdjson::validate_utf8(text.data(), text.size());
}

}  // namespace

bool IsStorableText(std::string_view text, std::string* why) {
  if (std::memchr(text.data(), '\0', text.size()) != nullptr) {
    *why = "contains a NUL byte, which PostgreSQL text cannot hold";
    return false;
  }
  if (!simdjson::validate_utf8(text.data(), text.size())) {
    *why = "is not valid UTF-8";
    return false;
  }
  return true;
}

std::string TextFault::Describe() const {
  if (byte == 0) return "a NUL byte, which PostgreSQL text cannot hold";
  return fmt::format("byte 0x{:02X} is not valid UTF-8", byte);
}

std::optional<TextFault> FindUnstorableByte(std::string_view text) {
  if (LooksStorable(text)) return std::nullopt;
  for (size_t i = 0; i < text.size();) {
    size_t n = SequenceLength(text, i);
    if (n == 0) return TextFault{i, static_cast<unsigned char>(text[i])};
    i += n;
  }
  return std::nullopt;  // not reached: the fast check and the decoder agree
}

TextPoint PointOf(std::string_view text, size_t offset) {
  TextPoint p;
  std::string_view before = text.substr(0, offset);
  for (size_t nl = before.find('\n'); nl != std::string_view::npos; nl = before.find('\n')) {
    ++p.line;
    before.remove_prefix(nl + 1);
  }
  p.column = before.size() + 1;
  return p;
}

namespace {

bool IsControl(unsigned char b) {
  return (b < 0x20 && b != '\t') || b == 0x7f;
}

// The bytes text cannot hold, and the control characters too when `controls`, as a backslash
// and three octal digits; each backslash doubled.
std::string EscapeBytes(std::string_view text, bool controls) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (size_t i = 0; i < text.size();) {
    const size_t n = SequenceLength(text, i);
    const auto b = static_cast<unsigned char>(text[i]);
    if (n == 0 || (controls && n == 1 && IsControl(b))) {
      out += fmt::format("\\{:03o}", b);
      ++i;
    } else if (text[i] == '\\') {
      out += "\\\\";
      ++i;
    } else {
      out.append(text.data() + i, n);
      i += n;
    }
  }
  return out;
}

}  // namespace

std::string EscapeUnstorable(std::string_view text) {
  return EscapeBytes(text, false);
}

std::string ForTerminal(std::string_view text) {
  const bool controls = std::any_of(
      text.begin(), text.end(), [](char c) { return IsControl(static_cast<unsigned char>(c)); });
  if (!controls && !FindUnstorableByte(text)) return std::string(text);
  return EscapeBytes(text, true);
}

}  // namespace sluice
