#include "transforms/message_transform.h"

#include <fmt/format.h>

#include <cstring>
#include <limits>
#include <memory>

#include "core/strings.h"
#include "core/text_check.h"
#include "core/time_parse.h"
#include "transforms/version_number.h"

namespace sluice {
namespace {

// varchar(n) counts characters, not bytes.
size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// True if every byte of `s` is ASCII and none is NUL: such text is storable (IsStorableText)
// without asking the UTF-8 validator, which costs a call and a dispatch for a short string.
// Eight bytes at a time: (x - 0x01..) & ~x & 0x80.. is non-zero exactly when a byte of x is 0.
bool IsPlainAscii(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101;
  constexpr uint64_t kHighs = 0x8080808080808080;
  const char* p = s.data();
  size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t x;
    std::memcpy(&x, p, 8);
    if ((x & kHighs) != 0 || ((x - kOnes) & ~x & kHighs) != 0) return false;
  }
  for (; n > 0; ++p, --n) {
    if (*p == '\0' || (static_cast<unsigned char>(*p) & 0x80) != 0) return false;
  }
  return true;
}

// A key's first byte with ASCII letter case folded (| 0x20; 0 for the empty key): two keys
// equal but for letter case fold to the same byte.
unsigned char FoldedFirst(std::string_view key) {
  return key.empty() ? 0 : static_cast<unsigned char>(key[0] | 0x20);
}

// The JSON a field takes before any conversion.
enum class JsonShape { kString, kInteger, kNumber };

JsonShape ShapeOf(const MessageField& field) {
  switch (field.type) {
    case ColumnType::kInt32:
    case ColumnType::kInt64:
      return field.convert == FieldConversion::kVersionToInteger ? JsonShape::kString
                                                                 : JsonShape::kInteger;
    case ColumnType::kFloat64:
      return JsonShape::kNumber;
    case ColumnType::kDate:
      return field.convert == FieldConversion::kEpochToDate ? JsonShape::kInteger
                                                            : JsonShape::kString;
    case ColumnType::kTimestamptz:
      return field.convert == FieldConversion::kEpochToTimestamptz ? JsonShape::kInteger
                                                                   : JsonShape::kString;
    default:
      return JsonShape::kString;
  }
}

// The UTC day of an instant in milliseconds; floor division keeps times before 1970 on the
// right day.
int64_t DayOfMillis(int64_t ms) {
  return (ms >= 0 ? ms : ms - 86399999) / 86400000;
}

constexpr int64_t kMaxMillisAsMicros = std::numeric_limits<int64_t>::max() / 1000;

// Why a whole number beyond 64 bits is refused, in the words the field's own range check uses
// for a smaller number out of its range.
std::string OutOfRange(const MessageField& field) {
  if (field.type == ColumnType::kInt32 && field.convert != FieldConversion::kVersionToInteger)
    return fmt::format("{} is out of range for integer (-2147483648 to 2147483647)", field.name);
  if (field.convert == FieldConversion::kEpochToTimestamptz)
    return fmt::format("{} is out of range for a timestamp in milliseconds", field.name);
  return fmt::format("{} is out of range for a 64-bit integer", field.name);
}

}  // namespace

Schema MessageRowSchema(const MessageSchema& schema) {
  Schema out{{"message_id", ColumnType::kText, false}};
  for (const MessageField& f : schema.fields)
    out.push_back({f.column, f.type, !f.required});
  return out;
}

Schema MessageRejectSchema() {
  return {{"message_id", ColumnType::kText, false},
          {"received_at", ColumnType::kTimestamptz, false},
          {"reason", ColumnType::kText, false},
          {"body_encrypted", ColumnType::kText, true}};
}

MessageTransform::MessageTransform(std::shared_ptr<const MessageSchema> schema,
                                   const std::vector<std::string>& masked,
                                   std::shared_ptr<const MaskKeyring> keyring, MaskMode mode)
    : schema_(std::move(schema)),
      keyring_(std::move(keyring)),
      field_masker_(*keyring_, mode),
      body_masker_(*keyring_, MaskMode::kSiv) {
  const size_t n = schema_->fields.size();
  values_.resize(n);
  masked_values_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const MessageField& field = schema_->fields[i];
    bool is_masked = false;
    for (const std::string& name : masked)
      is_masked = is_masked || name == field.name;
    if (is_masked) masked_.push_back(i);
    if (field.origin != FieldOrigin::kBody) {
      metadata_.push_back(i);
      continue;
    }
    if (!is_masked) unmasked_body_.push_back(i);
    if (field.required) required_body_.push_back(i);
    // The field's keys as a path down the tree of keys read, one node per key.
    std::vector<KeyNode>* level = &keys_.nodes;
    for (size_t k = 0; k < field.path.size(); ++k) {
      KeyNode* node = nullptr;
      for (KeyNode& candidate : *level) {
        if (candidate.key == field.path[k]) node = &candidate;
      }
      if (!node) {
        level->push_back(KeyNode{field.path[k], {}, {}});
        node = &level->back();
      }
      if (k + 1 == field.path.size()) {
        node->fields.push_back(i);
      } else {
        level = &node->children.nodes;
      }
    }
  }
  IndexKeys(keys_);
}

PreparedBatch MessageTransform::NewBatch() const {
  return PreparedBatch{Batch(MessageRowSchema(*schema_)), Batch(MessageRejectSchema()), {}};
}

Status MessageTransform::Apply(const InboundMessage& m, PreparedBatch* batch) {
  if (!m.unread_reason.empty()) {
    // The source could not hold it (a --file line over its limit): a reject with no body.
    batch->rejects.column(0).AppendText(m.id);
    batch->rejects.column(1).AppendInt(m.received_at_micros);
    batch->rejects.column(2).AppendText(m.unread_reason);
    batch->rejects.column(3).AppendNull();
    return Status::Ok();
  }
  if (Append(m.id, m.body, m.sent_timestamp_ms, &batch->rows, &reason_)) return Status::Ok();
  return AppendReject(m.id, m.received_at_micros, reason_, m.body, &batch->rejects)
      .WithContext("encrypting a rejected message");
}

void MessageTransform::IndexKeys(KeyLevel& level) {
  level.start.assign(257, 0);
  for (const KeyNode& node : level.nodes)
    ++level.start[FoldedFirst(node.key) + 1];
  for (size_t c = 0; c < 256; ++c)
    level.start[c + 1] += level.start[c];
  // A stable counting sort: the nodes of one first byte keep their order, so a key that could
  // match two of them meets them in the order the unindexed scan did.
  std::vector<uint32_t> next(level.start.begin(), level.start.end() - 1);
  level.order.assign(level.nodes.size(), 0);
  for (size_t i = 0; i < level.nodes.size(); ++i)
    level.order[next[FoldedFirst(level.nodes[i].key)]++] = static_cast<uint32_t>(i);
  level.found.assign(level.nodes.size(), {});
  for (KeyNode& node : level.nodes)
    IndexKeys(node.children);
}

bool MessageTransform::Collect(simdjson::dom::object object, KeyLevel& level, std::string* reason) {
  // A key read twice, or in another letter case, is ambiguous: which value the producer meant
  // cannot be known, and JSON parsers disagree (first or last wins). Only the keys the schema
  // reads are quoted (never values).
  const std::vector<KeyNode>& nodes = level.nodes;
  KeyLevel::Found* found = level.found.data();
  for (size_t i = 0; i < nodes.size(); ++i)
    found[i].seen = false;
  for (simdjson::dom::key_value_pair pair : object) {
    const std::string_view key = pair.key;
    const unsigned char first = FoldedFirst(key);
    for (uint32_t at = level.start[first]; at < level.start[first + 1]; ++at) {
      const size_t i = level.order[at];
      const std::string& want = nodes[i].key;
      if (want.size() != key.size()) continue;
      const bool exact = key == want;  // the usual case, and a cheaper compare
      if (!exact && !AsciiEqualsIgnoreCase(key, want)) continue;
      if (found[i].seen) {
        *reason = key == found[i].key ? fmt::format("key '{}' appears twice", key)
                                      : fmt::format("keys '{}' and '{}' differ only in letter case",
                                                    found[i].key, key);
        return false;
      }
      if (!exact) {
        *reason = fmt::format("key '{}' differs from '{}' only in letter case", key, want);
        return false;
      }
      found[i].seen = true;
      found[i].key = key;
      found[i].value = pair.value;
    }
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!found[i].seen || found[i].value.is_null()) continue;
    KeyNode& node = level.nodes[i];
    for (size_t field : node.fields) {
      values_[field].present = true;
      values_[field].element = found[i].value;
    }
    if (node.children.nodes.empty()) continue;
    simdjson::dom::object inner;
    if (found[i].value.get_object().get(inner)) {
      if (!node.fields.empty()) continue;  // the field itself takes it; its own check speaks
      *reason =
          fmt::format("{} must be a JSON object, not {}", node.key, JsonTypeName(found[i].value));
      return false;
    }
    if (!Collect(inner, node.children, reason)) return false;
  }
  return true;
}

bool MessageTransform::CheckShape(const MessageField& field, Value& value, std::string* reason) {
  const simdjson::dom::element& e = value.element;
  switch (ShapeOf(field)) {
    case JsonShape::kString: {
      std::string_view s;
      if (e.get_string().get(s) || IsOutsizedNumberString(s)) {
        *reason = fmt::format("{} must be a string, not {}", field.name, JsonTypeName(e));
        return false;
      }
      // Every string is checked as text first (a NUL, bad UTF-8), converted or not, as the
      // logins job always has: its reason then names that rather than a conversion's.
      if (!IsPlainAscii(s)) {
        std::string why;
        if (!IsStorableText(s, &why)) {
          *reason = fmt::format("{} {}", field.name, why);
          return false;
        }
      }
      if (field.type == ColumnType::kText) {
        // A string of no more bytes than the limit has no more characters either.
        if (field.max_length && s.size() > field.max_length && Utf8Length(s) > field.max_length) {
          *reason = fmt::format("{} is {} characters; the column holds {}", field.name,
                                Utf8Length(s), field.max_length);
          return false;
        }
      }
      value.text = s;
      return true;
    }
    case JsonShape::kInteger: {
      int64_t n = 0;
      if (e.get_int64().get(n)) {
        if (e.is_number() || OutsizedNumber(e)) {
          // simdjson keeps 2^63..2^64-1 as an unsigned integer and longer digits as a big
          // integer: both are whole numbers too large, only a double has a fraction or exponent.
          // (is_double() is no test: it holds for every number.)
          *reason = e.type() == simdjson::dom::element_type::DOUBLE && !OutsizedNumber(e)
                        ? fmt::format(
                              "{} must be a whole number, not one with a "
                              "fraction or an exponent",
                              field.name)
                        : OutOfRange(field);
        } else {
          *reason = fmt::format("{} must be a whole number, not {}", field.name, JsonTypeName(e));
        }
        return false;
      }
      // An integer column's range is part of its type, checked before required fields are
      // (docs/message-schemas.md): a conversion's own range comes later, with the conversion.
      if (field.type == ColumnType::kInt32 && field.convert == FieldConversion::kNone &&
          (n < std::numeric_limits<int32_t>::min() || n > std::numeric_limits<int32_t>::max())) {
        *reason = OutOfRange(field);
        return false;
      }
      value.integer = n;
      return true;
    }
    case JsonShape::kNumber: {
      double d = 0;
      if (e.get_double().get(d)) {
        *reason = OutsizedNumber(e)
                      ? fmt::format("{} is out of range for a double", field.name)
                      : fmt::format("{} must be a number, not {}", field.name, JsonTypeName(e));
        return false;
      }
      value.number = d;
      return true;
    }
  }
  return true;
}

bool MessageTransform::Convert(const MessageField& field, Value& value, std::string* reason) {
  value.null = false;
  switch (field.type) {
    case ColumnType::kText:
      return true;
    case ColumnType::kInt32:
    case ColumnType::kInt64:
      if (field.convert == FieldConversion::kVersionToInteger) {
        int32_t v = 0;
        if (!EncodeVersionNumber(value.text, field.name, &v, reason)) return false;
        value.integer = v;
        return true;
      }
      if (field.type == ColumnType::kInt32 &&
          (value.integer < std::numeric_limits<int32_t>::min() ||
           value.integer > std::numeric_limits<int32_t>::max())) {
        *reason =
            fmt::format("{} is out of range for integer (-2147483648 to 2147483647)", field.name);
        return false;
      }
      return true;
    case ColumnType::kFloat64:
      return true;
    case ColumnType::kDate:
      if (field.convert == FieldConversion::kEpochToDate) {
        value.integer = DayOfMillis(value.integer);
        return true;
      } else {
        int32_t days = 0;
        std::string ignored;  // it quotes the value
        if (!ParseDate(value.text, &days, &ignored)) {
          *reason = fmt::format("{} is not a date (YYYY-MM-DD)", field.name);
          return false;
        }
        value.integer = days;
        return true;
      }
    case ColumnType::kTimestamptz:
      if (field.convert == FieldConversion::kEpochToTimestamptz) {
        if (value.integer > kMaxMillisAsMicros || value.integer < -kMaxMillisAsMicros) {
          *reason = fmt::format("{} is out of range for a timestamp in milliseconds", field.name);
          return false;
        }
        value.integer *= 1000;
        return true;
      } else {
        std::string ignored;
        if (!ParseTimestamp(value.text, &value.integer, &ignored)) {
          *reason = fmt::format("{} is not a timestamp (YYYY-MM-DDTHH:MM:SS[.ffffff][±HH:MM])",
                                field.name);
          return false;
        }
        return true;
      }
    default:
      return true;
  }
}

bool MessageTransform::MaskField(size_t index, Value& value, std::string* reason) {
  const MessageField& field = schema_->fields[index];
  if (!value.present) return true;
  std::string_view plain;
  if (value.element.get_string().get(plain) || IsOutsizedNumberString(plain)) {
    *reason = fmt::format("{} must be a string, not {}", field.name, JsonTypeName(value.element));
    return false;
  }
  if (field.max_length && plain.size() > field_masker_.MaxPlainLength(field.max_length)) {
    *reason = fmt::format("{} is {} byte{}; masked it would not fit the column's {} characters",
                          field.name, plain.size(), plain.size() == 1 ? "" : "s", field.max_length);
    return false;
  }
  std::string& out = masked_values_[index];
  out.clear();
  if (Status st = field_masker_.Mask(plain, &out); !st.ok()) {
    *reason = fmt::format("{}: {}", field.name, st.message());
    return false;
  }
  value.text = out;
  value.null = false;
  return true;
}

bool MessageTransform::FromMetadata(const MessageField& field, int64_t sent_timestamp_ms,
                                    Value& value, std::string* reason) {
  value.present = true;
  value.integer = sent_timestamp_ms;
  return Convert(field, value, reason);
}

bool MessageTransform::Append(std::string_view message_id, std::string_view body,
                              int64_t sent_timestamp_ms, Batch* rows, std::string* reason) {
  simdjson::dom::element doc;
  if (auto error = parser_.Parse(body, &doc)) {
    *reason = body.empty() ? "the body is empty"
                           : fmt::format("the body is not valid JSON: {}", JsonErrorText(error));
    return false;
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj)) {
    *reason = fmt::format("the body is {}, not a JSON object", JsonTypeName(doc));
    return false;
  }
  const std::vector<MessageField>& fields = schema_->fields;
  // Every read of a value's element is behind `present`, so the element is not reset.
  for (Value& v : values_) {
    v.present = false;
    v.null = true;
    v.text = {};
    v.integer = 0;
    v.number = 0;
  }
  if (!Collect(obj, keys_, reason)) return false;
  for (size_t i : unmasked_body_) {
    if (values_[i].present && !CheckShape(fields[i], values_[i], reason)) return false;
  }
  for (size_t i : required_body_) {
    std::string_view s;
    const Value& v = values_[i];
    if (!v.present || (!v.element.get_string().get(s) && s.empty())) {
      *reason = fmt::format("{} is missing", fields[i].name);
      return false;
    }
  }
  for (size_t i : unmasked_body_) {
    if (values_[i].present && !Convert(fields[i], values_[i], reason)) return false;
  }
  for (size_t i : masked_) {
    if (!MaskField(i, values_[i], reason)) return false;
  }
  for (size_t i : metadata_) {
    if (!FromMetadata(fields[i], sent_timestamp_ms, values_[i], reason)) return false;
  }

  rows->column(0).AppendText(message_id);
  for (size_t i = 0; i < fields.size(); ++i) {
    Column& column = rows->column(i + 1);
    const Value& v = values_[i];
    if (v.null) {
      column.AppendNull();
      continue;
    }
    switch (fields[i].type) {
      case ColumnType::kText:
        column.AppendText(v.text);
        break;
      case ColumnType::kFloat64:
        column.AppendFloat(v.number);
        break;
      default:
        column.AppendInt(v.integer);
        break;
    }
  }
  return true;
}

Status MessageTransform::AppendReject(std::string_view message_id, int64_t received_at_micros,
                                      std::string_view reason, std::string_view body,
                                      Batch* rejects) {
  rejects->column(0).AppendText(message_id);
  rejects->column(1).AppendInt(received_at_micros);
  if (body.size() > kMaxKeptRejectBody) {
    // Left where it came from (the message id names the file and line); the reject says so,
    // rather than failing its whole batch.
    rejects->column(2).AppendText(
        fmt::format("{}; the body, {} bytes, is over the {} MiB a reject keeps and is not stored",
                    reason, body.size(), kMaxKeptRejectBody >> 20));
    rejects->column(3).AppendNull();
    return Status::Ok();
  }
  sealed_.clear();
  Status st = body_masker_.Mask(body, &sealed_);
  if (!st.ok()) {
    // Nothing half-appended stays behind.
    rejects->column(1).PopBack();
    rejects->column(0).PopBack();
    return st;
  }
  rejects->column(2).AppendText(reason);
  rejects->column(3).AppendText(sealed_);
  return Status::Ok();
}

}  // namespace sluice
