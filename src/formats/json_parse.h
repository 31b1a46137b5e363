// Parses any JSON text (RFC 8259) into simdjson's DOM, numbers of any size included.
//
// RFC 8259 §6 sets no limit on a number's size or precision, and producers write numbers beyond
// 64 bits (Python ints, Go json.Number, Java BigInteger) or beyond double's range ("1e400").
// simdjson 3.0 (Debian 12) refuses such a document whole with NUMBER_ERROR: its DOM holds only
// int64, uint64 and finite doubles, and this version has no big-integer type. A document that
// parses is used as simdjson gives it, so the hot path costs nothing more. Only after a
// NUMBER_ERROR is the text scanned again: each number that is valid by RFC 8259 §6 but that
// simdjson cannot hold is replaced by a string element tagged with the byte 0xFF, which no JSON
// string can decode to (it is never part of valid UTF-8, and simdjson checks UTF-8), and which
// OutsizedNumber() recognises. Its value is the number's exact JSON text, so a reader that
// needs it can store it (PostgreSQL numeric) or reject it naming the field.
#pragma once

#include <simdjson.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// How deeply arrays and objects may nest in one JSON text: RFC 8259 section 9 lets a parser
// limit it, and simdjson's own default (1024) refuses documents that real producers write
// (serialised trees, nested comments). 10,000 levels cost the parser about 90 KB; every walk
// over a document here keeps its own stack, so no depth can overflow the thread's stack.
inline constexpr size_t kMaxJsonDepth = 10000;

class JsonParser {
 public:
  JsonParser();
  // Parses one JSON text. On success `*root` is valid until the next Parse; otherwise the error
  // is simdjson's (NUMBER_ERROR only for a number that is not valid JSON, DEPTH_ERROR for
  // nesting deeper than kMaxJsonDepth); JsonErrorText words it for a reject.
  simdjson::error_code Parse(std::string_view text, simdjson::dom::element* root);

 private:
  simdjson::dom::parser parser_;
  simdjson::error_code allocated_;       // parser_'s first allocation, at kMaxJsonDepth
  simdjson::dom::parser number_parser_;  // judges single numbers while rewriting
  std::string rewritten_;
  std::vector<uint64_t> tagged_;  // ordinals (among all strings, keys too) of the tagged ones
};

// Why a text did not parse, for a reject reason or an error: simdjson's message, but for
// DEPTH_ERROR one that names the limit.
std::string JsonErrorText(simdjson::error_code error);

// The JSON text of a number simdjson cannot hold ("123456789012345678901234567890", "1e400"),
// or nullopt for any other element.
std::optional<std::string_view> OutsizedNumber(const simdjson::dom::element& element);

// True if `s`, the text of a string element, is an outsized number's (tagged) text: for readers
// that already hold the string, where OutsizedNumber would look it up again.
inline bool IsOutsizedNumberString(std::string_view s) {
  return !s.empty() && s[0] == '\xFF';
}

// The element's JSON type for messages: "a number", "a string", "an object", "an array",
// "a boolean", "null". An outsized number is a number.
const char* JsonTypeName(const simdjson::dom::element& element);

// simdjson::minify, with outsized numbers written back as the numbers they were.
std::string JsonMinify(const simdjson::dom::element& element);

// Follows JSON text a byte at a time through its strings and their escapes (RFC 8259 section
// 7), for the splitters that find records and element boundaries without parsing: they act
// only on the bytes outside strings, and leave the rest to the parser.
class JsonStringTracker {
 public:
  // Takes the next byte. True when it stands outside a string (a bracket, a comma, a blank, or
  // the quote that opens a string); false for a string's bytes and its closing quote.
  bool Outside(char c) {
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
      return false;
    }
    in_string_ = c == '"';
    return true;
  }

 private:
  bool in_string_ = false;
  bool escaped_ = false;
};

// The bracket depth after `line`, starting from `depth`: '{' and '[' outside strings open, '}'
// and ']' close (never below 0). A JSON string holds no raw line break, so a line starts
// outside any string.
int JsonDepthAfterLine(std::string_view line, int depth);

// Whether a text read line by line (`next_line` gives each line without its line end, false at
// the end) starts with a value spanning lines, as `jq .` writes them: its first non-blank line
// leaves a bracket open, and the lines up to the one closing it (at most `max_bytes`) are one
// valid JSON value. NDJSON whose first line is merely broken does not qualify.
bool FirstJsonValueSpansLines(const std::function<bool(std::string_view* line)>& next_line,
                              size_t max_bytes);

// True if `token` is a number by RFC 8259 §6: -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?
bool IsJsonNumberToken(std::string_view token);

}  // namespace sluice
