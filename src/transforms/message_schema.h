// A message schema: the fields a queue's JSON messages carry, each with the table column it
// fills, its type, whether it is required, its width, and a conversion. The `validate` transform
// turns a message into a row by it (message_transform.h); `mask` names its fields; the
// `postgres-table` sink creates the table from it. docs/message-schemas.md describes the format:
//
//   fields:
//     - name: user_id                # what mask.fields and reject reasons call it
//       type: text                   # text, integer, bigint, double, date, timestamptz
//       required: true               # absent, null or "" is a reject
//       max-length: 128              # characters; the column is varchar(128)
//     - name: ip
//       column: masked_ip            # default: the name
//       max-length: 256
//       type: text
//     - name: phone
//       path: contact.phone          # dotted keys from the body's top object; default: the name
//       type: text
//     - name: app_version
//       type: integer
//       convert: version-to-integer  # "2.3.1" -> 2003001 (EncodeAppVersion)
//     - name: create_date
//       from: sent-timestamp         # the message's metadata, not its body
//       type: date
//       convert: epoch-to-date       # milliseconds since 1970 -> the UTC day
//
// Loading reads the YAML with pipeline/yaml_tree.h (no anchors, aliases or tags, bounded depth,
// no duplicate keys) and reports every problem at once, each with its position and path
// ("fields[3].type"), as a pipeline file's are. A field with an error of its own still has its
// other keys checked, and its name and column against the other fields'.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/batch.h"
#include "pipeline/pipeline_error.h"

namespace sluice {

// A schema file is a page of YAML; larger ones are refused unread.
inline constexpr size_t kMaxMessageSchemaBytes = 1 << 20;
// PostgreSQL allows 1600 columns in a table; a message schema needs far fewer.
inline constexpr size_t kMaxMessageFields = 1000;
// The widest varchar a field may declare (PostgreSQL's own limit for varchar(n)).
inline constexpr size_t kMaxFieldLength = 10485760;

// Where a field's value comes from.
enum class FieldOrigin {
  kBody,           // a key (or dotted path) of the message's JSON object
  kSentTimestamp,  // when the message reached the queue: SQS SentTimestamp, milliseconds
};

enum class FieldConversion {
  kNone,
  kVersionToInteger,    // "MAJOR[.MINOR[.PATCH]]" -> MAJOR*1000000 + MINOR*1000 + PATCH
  kEpochToDate,         // milliseconds since 1970-01-01 UTC -> that UTC day
  kEpochToTimestamptz,  // milliseconds since 1970-01-01 UTC -> that instant
};

struct MessageField {
  std::string name;               // unique in the schema
  std::vector<std::string> path;  // kBody: the keys from the top object down; else empty
  std::string column;             // unique in the schema; a lower-case PostgreSQL identifier
  ColumnType type = ColumnType::kText;
  bool required = false;  // absent, null, or an empty string is a reject
  // kText: the column's width in characters (varchar(n)); 0 is unbounded (text). A longer value
  // is a reject, never cut short. For a masked field, the masked value must fit.
  size_t max_length = 0;
  FieldConversion convert = FieldConversion::kNone;
  FieldOrigin origin = FieldOrigin::kBody;
  FilePosition position = {};  // of the field's `name` value in the schema file
};

struct MessageSchema {
  std::vector<MessageField> fields;  // in the table's column order

  // The field called `name`, or nullptr.
  const MessageField* Find(std::string_view name) const;
  std::vector<std::string> Names() const;
};

struct LoadedMessageSchema {
  MessageSchema schema;  // complete only when `errors` is empty
  PipelineErrors errors;
  bool ok() const { return errors.empty(); }

  // For the checks of a schema's users (mask.fields) when `errors` is not empty, so that one
  // run reports a bad mask field beside a bad field type: the fields that had no error of their
  // own (empty when ok: see schema), the names of all fields whose name was read, in order, and
  // whether every field's was, so that a name not among them is surely no field's.
  std::vector<MessageField> sound_fields;
  std::vector<std::string> names;
  bool all_names_read = false;
};

// "text", "integer", "bigint", "double", "date", "timestamptz": the schema's type names.
const char* MessageTypeName(ColumnType type);

// Loads a schema from YAML `text`. Errors are sorted by position, at most kMaxPipelineErrors
// listed (then a count).
LoadedMessageSchema ParseMessageSchema(std::string_view text);

// Reads the file at `path` (at most kMaxMessageSchemaBytes of it) and loads it. A file that
// cannot be read, or is too big, is one error without a position.
LoadedMessageSchema LoadMessageSchemaFile(const std::string& path);

}  // namespace sluice
