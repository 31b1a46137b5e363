// Checks on JSON input that the parser alone does not make: records whose keys make the mapping
// ambiguous, and arrays holding bytes PostgreSQL text cannot store, isolated per element so the
// rest of the array still loads.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/text_check.h"
#include "jobs/warehouse/models.h"

namespace sluice::warehouse {

// Why the record's keys are ambiguous, or nullopt. Ambiguous: any object in the record that
// repeats a key (RFC 8259 section 4 leaves which one counts to each parser), two keys that
// differ only in letter case where the model reads that name, or a key the model reads written
// in another letter case (JSON keys are matched exactly, so it would silently load as missing).
// Keys are quoted only when they are names the model reads; others are named by position.
std::optional<std::string> FindAmbiguousKeys(const Model& model,
                                             const simdjson::dom::element& record);

// The first thing in JSON text that no PostgreSQL text can hold: a byte (FindUnstorableByte;
// the description then ends "(record stored escaped)"), or a \u escape of half a UTF-16
// surrogate pair ("\ud800 is half of a UTF-16 surrogate pair, which no text can hold").
struct JsonTextFault {
  size_t offset = 0;
  std::string description;
};
std::optional<JsonTextFault> FindUnstorableJson(std::string_view text);

// An element of a top-level JSON array that holds a byte text cannot store.
struct UnstorableElement {
  uint64_t index = 0;  // 0-based, as JsonPosition numbers array elements
  std::string reason;  // "line 5, column 20: byte 0xE9 is not valid UTF-8 (...)"
  std::string raw;     // the element's text as read
};

struct IsolatedArray {
  std::string text;                         // the array with those elements written as null
  std::vector<UnstorableElement> elements;  // in index order
};

// For a top-level array `text` that holds a NUL or invalid UTF-8 (see FindUnstorableByte), or a
// \u escape of half a UTF-16 surrogate pair (valid JSON that names no character, which simdjson
// refuses for the whole document):
// the array with each element holding such bytes replaced by null, and those elements (both
// empty when the array is clean). An error,
// naming the line, column and byte offset of the first bad byte, when the array's structure
// cannot be followed to that element.
Result<IsolatedArray> IsolateUnstorableElements(std::string_view text);

}  // namespace sluice::warehouse
