// Whether a string can be stored as PostgreSQL text: valid UTF-8 (RFC 3629) and no NUL byte. A
// value that is not would fail a whole COPY, so it is caught per record, where it can be rejected
// alone, and the record is kept in a form text can hold (EscapeUnstorable).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

// Returns true, or false with the reason in `why` ("is not valid UTF-8", "contains a NUL byte").
bool IsStorableText(std::string_view text, std::string* why);

// The first byte of a string that PostgreSQL text cannot hold.
struct TextFault {
  size_t offset = 0;       // 0-based, in the string examined
  unsigned char byte = 0;  // the byte there; 0 is a NUL
  // "byte 0xE9 is not valid UTF-8" or "a NUL byte, which PostgreSQL text cannot hold": names
  // the byte, never the text around it (which may be personal data).
  std::string Describe() const;
};

// The first NUL, or the first byte that does not begin or continue a well-formed UTF-8 sequence
// (RFC 3629 section 4: no overlong forms, no surrogates, nothing past U+10FFFF); nullopt when
// the whole string is storable. Valid text costs one vectorised pass.
std::optional<TextFault> FindUnstorableByte(std::string_view text);

// Where a byte offset falls in a text: 1-based line (counting '\n') and 1-based byte column.
struct TextPoint {
  uint64_t line = 1;
  uint64_t column = 1;
};
TextPoint PointOf(std::string_view text, size_t offset);

// `text` with each byte text cannot hold written as a backslash and three octal digits, and each
// backslash doubled: PostgreSQL's bytea escape format (PostgreSQL docs, "Binary Data Types"), so
// `decode(stored, 'escape')` gives back exactly the bytes read. Valid UTF-8 stays as it is.
std::string EscapeUnstorable(std::string_view text);

// `text` made safe to print on a terminal or as one log line: EscapeUnstorable's escapes, and
// the control characters too (C0, DEL), so that a name holding ESC sequences or a newline (an
// object key, a field of a broken file) can neither drive the terminal nor forge a line.
// Tab stays. Text with nothing to escape is returned as it is.
std::string ForTerminal(std::string_view text);

}  // namespace sluice
