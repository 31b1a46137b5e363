#include "transforms/message_schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <tuple>

#include "core/names.h"
#include "core/strings.h"
#include "core/suggest.h"
#include "pipeline/pipeline_file.h"
#include "pipeline/yaml_tree.h"

namespace sluice {
namespace {

const std::vector<std::string> kTopKeys = {"fields"};
const std::vector<std::string> kFieldKeys = {"name", "path",     "from",       "column",
                                             "type", "required", "max-length", "convert"};
const std::vector<std::string> kTypeNames = {"text",   "integer", "bigint",
                                             "double", "date",    "timestamptz"};
const std::vector<std::string> kOrigins = {"body", "sent-timestamp"};
const std::vector<std::string> kConversions = {"version-to-integer", "epoch-to-date",
                                               "epoch-to-timestamptz"};

ColumnType TypeFromName(std::string_view name) {
  if (name == "integer") return ColumnType::kInt32;
  if (name == "bigint") return ColumnType::kInt64;
  if (name == "double") return ColumnType::kFloat64;
  if (name == "date") return ColumnType::kDate;
  if (name == "timestamptz") return ColumnType::kTimestamptz;
  return ColumnType::kText;
}

// Field names go into reject reasons and mask.fields: plain words.
bool IsFieldName(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// The one rule of the names Sluice creates (core/names.h), plus the staging column's name.
std::string ColumnNameProblem(std::string_view name) {
  if (Status st = ValidatePlainName(name, ""); !st.ok()) return st.message();
  if (name == "message_id")
    return "is the name Sluice gives each message's id while staging rows: choose another";
  return "";
}

class SchemaChecker {
 public:
  explicit SchemaChecker(LoadedMessageSchema* out) : out_(out) {}

  void Check(const YamlNode& root) {
    if (root.kind == YamlNode::Kind::kRefused) return;
    if (root.kind != YamlNode::Kind::kMap) {
      Error(root.position, "", fmt::format("expected a map with fields, not {}", root.KindName()));
      return;
    }
    bool has_fields = false;
    for (size_t i = 0; i < root.MapSize(); ++i) {
      const YamlNode& key = root.Key(i);
      if (key.kind != YamlNode::Kind::kScalar) continue;  // reported by the YAML reader
      if (key.value == "fields") {
        if (!has_fields) Fields(root.Value(i));
        has_fields = true;
        continue;
      }
      const std::string closest = ClosestName(key.value, kTopKeys);
      Error(key.position, key.value,
            closest.empty() ? "unknown key: a message schema has fields"
                            : fmt::format("unknown key (did you mean {}?)", closest));
    }
    if (!has_fields) Error(root.position, "", "no fields: a message schema lists its fields");
  }

 private:
  void Error(FilePosition position, std::string path, std::string message) {
    out_->errors.push_back({position, std::move(path), std::move(message)});
  }

  void Fields(const YamlNode& node) {
    if (node.kind == YamlNode::Kind::kRefused) return;
    if (node.kind != YamlNode::Kind::kSequence || node.children.empty()) {
      Error(
          node.position, "fields",
          fmt::format("expected a list of fields (- name: ...), not {}",
                      node.kind == YamlNode::Kind::kSequence ? "an empty list" : node.KindName()));
      return;
    }
    if (node.children.size() > kMaxMessageFields) {
      Error(node.children[kMaxMessageFields].position, "fields",
            fmt::format("more than {} fields", kMaxMessageFields));
      return;
    }
    out_->all_names_read = true;
    std::map<std::string, FilePosition> names, columns;
    for (size_t i = 0; i < node.children.size(); ++i) {
      const std::string path = fmt::format("fields[{}]", i);
      FieldRead read = Field(node.children[i], path);
      // A field with errors of its own still has its name and column checked against the
      // others: one run shows a bad type and a name given twice.
      if (read.name.empty()) {
        out_->all_names_read = false;
        continue;
      }
      out_->names.push_back(read.name);
      auto [name_at, new_name] = names.emplace(read.name, read.name_at);
      if (!new_name) {
        Error(read.name_at, path + ".name",
              fmt::format("'{}' is declared twice (first at line {}, column {})", read.name,
                          name_at->second.line, name_at->second.column));
        continue;
      }
      if (!read.column.empty()) {
        auto [column_at, new_column] = columns.emplace(read.column, read.column_at);
        if (!new_column) {
          Error(read.column_at, path + ".column",
                fmt::format("column '{}' is filled twice (first at line {}, column {})",
                            read.column, column_at->second.line, column_at->second.column));
          continue;
        }
      }
      if (read.field) out_->schema.fields.push_back(std::move(*read.field));
    }
  }

  // The scalar text of an entry, or nullopt (reported) when it is not text.
  std::optional<std::string> Text(const YamlNode& key, const YamlNode& value,
                                  const std::string& path) {
    if (value.kind == YamlNode::Kind::kRefused) return std::nullopt;
    if (value.kind == YamlNode::Kind::kNull) {
      Error(key.position, path, "no value");
      return std::nullopt;
    }
    if (value.kind != YamlNode::Kind::kScalar) {
      Error(value.position, path, fmt::format("expected text, not {}", value.KindName()));
      return std::nullopt;
    }
    return value.value;
  }

  // One of `choices`, or nullopt (reported, with the closest choice).
  std::optional<std::string> Choice(const YamlNode& key, const YamlNode& value,
                                    const std::string& path,
                                    const std::vector<std::string>& choices) {
    std::optional<std::string> text = Text(key, value, path);
    if (!text) return std::nullopt;
    if (std::find(choices.begin(), choices.end(), *text) != choices.end()) return text;
    const std::string closest = ClosestName(*text, choices);
    Error(value.position, path,
          closest.empty() ? fmt::format("'{}' is not one of {}", *text, JoinWithCommas(choices))
                          : fmt::format("'{}' is not one of {} (did you mean {}?)", *text,
                                        JoinWithCommas(choices), closest));
    return std::nullopt;
  }

  // What was read of one field: the field when it had no error, and its name and column
  // whenever they were read, for the checks across fields.
  struct FieldRead {
    std::optional<MessageField> field;
    std::string name;  // "" when absent or not a field name
    FilePosition name_at;
    std::string column;  // "" when unknown
    FilePosition column_at;
  };

  // Reads one field, checking each key whatever the others hold; a check that needs another
  // key's value (a conversion's type, a metadata field's path) is made only when that value is
  // sound, so a broken key is one error, not a cascade.
  FieldRead Field(const YamlNode& node, const std::string& path) {
    FieldRead read;
    if (node.kind == YamlNode::Kind::kRefused) return read;
    if (node.kind != YamlNode::Kind::kMap) {
      Error(node.position, path,
            fmt::format("expected a field (a map: name, type, ...), not {}", node.KindName()));
      return read;
    }
    const size_t errors_before = out_->errors.size();
    MessageField field;
    std::optional<std::string> name, type, column, convert, origin;
    std::optional<std::string> dotted;
    bool has_name = false, has_type = false, origin_sound = true, convert_sound = true;
    FilePosition name_at = node.position, type_at, column_at, convert_at, path_at, length_at;
    bool has_length = false;
    for (size_t i = 0; i < node.MapSize(); ++i) {
      const YamlNode& key = node.Key(i);
      const YamlNode& value = node.Value(i);
      if (key.kind != YamlNode::Kind::kScalar) continue;
      const std::string where = path + "." + key.value;
      if (key.value == "name") {
        has_name = true;
        name = Text(key, value, where);
        name_at = value.position;
        if (name && !IsFieldName(*name)) {
          Error(value.position, where,
                "is not a field name: 1 to 63 letters, digits, _ and - (a JSON key with other "
                "characters goes in path)");
          name.reset();
        }
      } else if (key.value == "path") {
        dotted = Text(key, value, where);
        path_at = value.position;
      } else if (key.value == "from") {
        origin = Choice(key, value, where, kOrigins);
        origin_sound = origin.has_value();
      } else if (key.value == "column") {
        column = Text(key, value, where);
        column_at = value.position;
      } else if (key.value == "type") {
        has_type = true;
        type = Choice(key, value, where, kTypeNames);
        type_at = value.position;
      } else if (key.value == "required") {
        std::optional<std::string> flag = Text(key, value, where);
        if (flag && *flag != "true" && *flag != "false") {
          Error(value.position, where, fmt::format("'{}' is not true or false", *flag));
        } else if (flag) {
          field.required = *flag == "true";
        }
      } else if (key.value == "max-length") {
        std::optional<std::string> text = Text(key, value, where);
        int64_t n = 0;
        length_at = value.position;
        if (text && (!ParseInt(*text, &n) || n < 1 || n > static_cast<int64_t>(kMaxFieldLength))) {
          Error(value.position, where,
                fmt::format("'{}' is not a whole number from 1 to {}", *text, kMaxFieldLength));
        } else if (text) {
          field.max_length = static_cast<size_t>(n);
          has_length = true;
        }
      } else if (key.value == "convert") {
        convert = Choice(key, value, where, kConversions);
        convert_sound = convert.has_value();
        convert_at = value.position;
      } else {
        const std::string closest = ClosestName(key.value, kFieldKeys);
        Error(key.position, where,
              closest.empty()
                  ? fmt::format("unknown key: a field has {}", JoinWithCommas(kFieldKeys))
                  : fmt::format("unknown key (did you mean {}?)", closest));
        // A misspelt name or type is the one error, not also a missing one.
        has_name = has_name || closest == "name";
        has_type = has_type || closest == "type";
      }
    }
    if (!has_name) Error(node.position, path, "no name: every field has one (name: user_id)");
    if (!has_type) {
      Error(node.position, path,
            fmt::format("no type: give type: one of {}", JoinWithCommas(kTypeNames)));
    }
    if (name) {
      field.name = *name;
      read.name = *name;
      read.name_at = name_at;
    }
    field.position = name_at;
    if (type) field.type = TypeFromName(*type);
    field.origin = origin == "sent-timestamp" ? FieldOrigin::kSentTimestamp : FieldOrigin::kBody;
    if (convert == "version-to-integer") field.convert = FieldConversion::kVersionToInteger;
    if (convert == "epoch-to-date") field.convert = FieldConversion::kEpochToDate;
    if (convert == "epoch-to-timestamptz") field.convert = FieldConversion::kEpochToTimestamptz;

    // The body path: dotted keys, the name by default. Whether a field has one depends on
    // where it comes from, so an unknown `from` leaves the path unchecked.
    if (origin_sound && field.origin == FieldOrigin::kBody && (dotted || name)) {
      const std::string keys = dotted.value_or(field.name);
      size_t start = 0;
      while (true) {
        const size_t dot = keys.find('.', start);
        field.path.push_back(keys.substr(start, dot == std::string::npos ? dot : dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
      }
      if (std::any_of(field.path.begin(), field.path.end(),
                      [](const std::string& k) { return k.empty(); })) {
        Error(path_at, path + ".path", "has an empty key: write keys joined by single dots");
      }
    } else if (origin_sound && dotted) {
      Error(path_at, path + ".path",
            "a field from the message's metadata (from: sent-timestamp) has no path in the body");
    }

    // The column: given, or the name (when the name itself was read).
    if (column || name) {
      field.column = column.value_or(field.name);
      read.column = field.column;
      read.column_at = column ? column_at : name_at;
      if (std::string why = ColumnNameProblem(field.column); !why.empty()) {
        Error(read.column_at, path + (column ? ".column" : ".name"),
              column ? fmt::format("'{}' {}", field.column, why)
                     : fmt::format("as the column's name, '{}' {} (give column: NAME)",
                                   field.column, why));
      }
    }

    if (type && has_length && field.type != ColumnType::kText) {
      Error(length_at, path + ".max-length",
            fmt::format("only a text field has a length; this one is {}", *type));
    }
    if (type && origin_sound && convert_sound) {
      CheckConversion(field, *type, path, type_at, convert_at);
    }
    if (out_->errors.size() == errors_before) read.field = std::move(field);
    return read;
  }

  // Which types each conversion gives, and what a metadata field can be.
  void CheckConversion(const MessageField& field, const std::string& type, const std::string& path,
                       FilePosition type_at, FilePosition convert_at) {
    switch (field.convert) {
      case FieldConversion::kVersionToInteger:
        if (field.type != ColumnType::kInt32 && field.type != ColumnType::kInt64) {
          Error(convert_at, path + ".convert",
                fmt::format("version-to-integer gives an integer or bigint, not {}", type));
        }
        if (field.origin != FieldOrigin::kBody) {
          Error(convert_at, path + ".convert",
                "version-to-integer reads a text of the body, not the sent timestamp");
        }
        return;
      case FieldConversion::kEpochToDate:
        if (field.type != ColumnType::kDate) {
          Error(convert_at, path + ".convert",
                fmt::format("epoch-to-date gives a date, not {}", type));
        }
        return;
      case FieldConversion::kEpochToTimestamptz:
        if (field.type != ColumnType::kTimestamptz) {
          Error(convert_at, path + ".convert",
                fmt::format("epoch-to-timestamptz gives a timestamptz, not {}", type));
        }
        return;
      case FieldConversion::kNone:
        if (field.origin == FieldOrigin::kSentTimestamp && field.type != ColumnType::kInt64) {
          Error(type_at, path + ".type",
                fmt::format("the sent timestamp is milliseconds since 1970: type bigint, or "
                            "convert: epoch-to-date or epoch-to-timestamptz, not {}",
                            type));
        }
        return;
    }
  }

  LoadedMessageSchema* out_;
};

}  // namespace

const MessageField* MessageSchema::Find(std::string_view name) const {
  for (const MessageField& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::vector<std::string> MessageSchema::Names() const {
  std::vector<std::string> names;
  for (const MessageField& f : fields)
    names.push_back(f.name);
  return names;
}

const char* MessageTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kInt32:
      return "integer";
    case ColumnType::kInt64:
      return "bigint";
    case ColumnType::kFloat64:
      return "double";
    case ColumnType::kDate:
      return "date";
    case ColumnType::kTimestamptz:
      return "timestamptz";
    default:
      return "text";
  }
}

LoadedMessageSchema ParseMessageSchema(std::string_view text) {
  LoadedMessageSchema out;
  if (text.size() > kMaxMessageSchemaBytes) {
    out.errors.push_back(
        {{}, "", "larger than 1 MiB: a message schema file is at most 1,048,576 bytes"});
    return out;
  }
  YamlDocument doc = ReadYaml(text);
  out.errors = std::move(doc.errors);
  if (doc.root) {
    SchemaChecker(&out).Check(*doc.root);
  } else if (out.errors.empty()) {
    out.errors.push_back(
        {{}, "", "empty: a message schema lists its fields; see docs/message-schemas.md"});
  }
  SortAndBoundErrors(&out.errors, kMaxPipelineErrors);
  if (!out.ok()) {
    out.sound_fields = std::move(out.schema.fields);
    out.schema.fields.clear();
  }
  return out;
}

LoadedMessageSchema LoadMessageSchemaFile(const std::string& path) {
  LoadedMessageSchema out;
  std::optional<std::string> text =
      ReadBoundedFile(path, kMaxMessageSchemaBytes, "a message schema file", &out.errors);
  if (!text) return out;
  return ParseMessageSchema(*text);
}

}  // namespace sluice
