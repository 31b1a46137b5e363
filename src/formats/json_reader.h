// Reads records from JSON files: a top-level array (vendor dumps) or NDJSON (one object per
// line), detected from the first byte or forced by the caller. Parsing is simdjson's DOM parser
// through JsonParser, so any valid JSON (RFC 8259) is read, numbers of any size included: a
// number simdjson cannot hold reaches the callback as an outsized number (json_parse.h).
//
// NDJSON whose first value spans lines (`jq .` output, pretty-printed objects; see
// FirstJsonValueSpansLines) is read a value at a time, each at the line it starts on.
//
// An NDJSON line that is not valid JSON is reported to the callback as a malformed record with
// its line number, and reading goes on. A broken array cannot be resynchronised, so it fails the
// whole file with simdjson's reason.
//
// A leading UTF-8 byte-order mark (EF BB BF) is skipped. Text with no JSON value at all (empty,
// only blanks, only a BOM) is an error: an empty export is told apart from an empty array `[]`.
//
// Memory: an NDJSON record (a line, or a value spanning lines) is held up to
// JsonReadOptions::max_record_bytes; a longer one is skipped to its end without being held and
// reaches the callback as malformed ("over N bytes"), its raw text empty. An array is one
// document and is held whole, but an element over the limit fails the file naming its index.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "formats/json_parse.h"

namespace sluice {

enum class JsonLayout { kAuto, kArray, kNdjson };

struct JsonPosition {
  bool is_array_index = true;
  uint64_t number = 0;  // 0-based array index, or 1-based NDJSON line
  std::string ToString() const;
};

// Called per record. `element` is null (and `error`/`raw` set) for a line that does not parse.
using JsonRecordFn =
    std::function<Status(const JsonPosition& position, const simdjson::dom::element* element,
                         std::string_view error, std::string_view raw)>;

struct JsonReadOptions {
  // The most bytes one record may take (64 MiB, as much as a warehouse reject keeps).
  size_t max_record_bytes = size_t{64} << 20;
};

Status ForEachJsonRecord(const std::string& path, JsonLayout layout, const JsonRecordFn& fn,
                         const JsonReadOptions& options = {});
Status ForEachJsonRecordInString(std::string_view text, JsonLayout layout, const JsonRecordFn& fn,
                                 const JsonReadOptions& options = {});

// `text` without a leading UTF-8 byte-order mark.
std::string_view SkipUtf8Bom(std::string_view text);

// Reads a scalar at a dotted path ("metadata.name") as text: strings as they are, numbers and
// booleans in their JSON spelling (an outsized number exactly as written). Missing and null give
// nullopt; an object or array is an error.
Result<std::optional<std::string>> JsonScalarAt(const simdjson::dom::element& element,
                                                std::string_view dotted_path);

// The string at a lookup result, or `fallback` when it is missing or not a string.
inline std::string_view JsonStringOr(simdjson::simdjson_result<simdjson::dom::element> element,
                                     std::string_view fallback = {}) {
  std::string_view s;
  if (element.get_string().get(s) != simdjson::SUCCESS) return fallback;
  return OutsizedNumber(element.value_unsafe()) ? fallback : s;
}

// The text of a scalar element, as JsonScalarAt.
Result<std::optional<std::string>> JsonScalarText(const simdjson::dom::element& element);

}  // namespace sluice
