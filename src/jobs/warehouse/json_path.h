// Where a warehouse model field's value is in a JSON record (docs/warehouse-models.md, "JSON
// paths"): keys joined by '.', each key optionally followed by [N] (the array's element N,
// counting from 0) or [] (every element, at most once in a path). With [] the field also says
// which element's value counts: `pick: first` or `pick: last` of the values that are present and
// not empty, after dropping those listed in `skip`.
//
//   title                      the record's key "title"
//   metadata.birth_date        key "birth_date" of the object at key "metadata"
//   books[0].metadata.title    the first element of array "books", then its metadata.title
//   nationalities[].slug       "slug" of each element of "nationalities" (with pick)
//
// A key is any text without '.', '[' or ']', matched exactly (RFC 8259 names are
// case-sensitive).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sluice::warehouse {

struct JsonPathStep {
  enum class Kind { kKey, kIndex, kEach };
  Kind kind = Kind::kKey;
  std::string key;     // kKey
  uint64_t index = 0;  // kIndex
};

enum class JsonPick { kNone, kFirst, kLast };

struct JsonPath {
  std::string text;  // as written: "books[0].metadata.title"
  std::vector<JsonPathStep> steps;
  // The keys it reads, in order, without the array steps: the key checks (json_checks.h)
  // treat arrays as transparent.
  std::vector<std::string> keys;
  JsonPick pick = JsonPick::kNone;  // set when a step is kEach
  std::vector<std::string> skip;    // values a kEach step passes over

  bool HasEach() const;
};

// Steps deeper than this are refused: a model describes a vendor's shape, not arbitrary depth.
inline constexpr size_t kMaxJsonPathSteps = 32;

// A path's syntax error, and the 0-based offset in the text where it is.
struct JsonPathError {
  size_t offset = 0;
  std::string message;
};

// Parses `text` into steps (pick and skip are the caller's to set). Errors: an empty text or
// key, a '[' without its ']', an index that is not a decimal number below 10^9 (leading zeros
// refused), a second [], text after ']' that is not '.' or '[', more than kMaxJsonPathSteps.
std::optional<JsonPathError> ParseJsonPath(std::string_view text, JsonPath* out);

// The value at `path` in `record` as text (JsonScalarText's spelling), or nullopt for a null,
// a missing key or an index past the end. A key step on a value that is not an object, or an
// index step on one that is not an array, is an error naming the path ("metadata.name: expected
// an object"), as is an object or array where a value should be. Under []: each element's value
// at the rest of the path is taken when it is a present, non-empty value not in `skip`; an
// element where the rest of the path does not lead to such a value is passed over, not an error.
Result<std::optional<std::string>> ExtractJsonPath(const JsonPath& path,
                                                   const simdjson::dom::element& record);

}  // namespace sluice::warehouse
