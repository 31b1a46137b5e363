#include "core/batch.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "core/strings.h"
#include "core/text_check.h"
#include "core/time_parse.h"

namespace sluice {

const char* ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kText:
      return "text";
    case ColumnType::kInt32:
      return "integer";
    case ColumnType::kInt64:
      return "bigint";
    case ColumnType::kFloat64:
      return "double precision";
    case ColumnType::kDate:
      return "date";
    case ColumnType::kTimestamptz:
      return "timestamptz";
    case ColumnType::kUuid:
      return "uuid";
  }
  return "unknown";
}

void Column::AppendNull() {
  valid_.push_back(0);
  if (StoresText()) {
    text_offsets_.push_back(static_cast<uint32_t>(text_data_.size()));
  } else if (type_ == ColumnType::kFloat64) {
    floats_.push_back(0);
  } else {
    ints_.push_back(0);
  }
}

void Column::AppendText(std::string_view value) {
  valid_.push_back(1);
  text_data_.append(value);
  text_offsets_.push_back(static_cast<uint32_t>(text_data_.size()));
}

void Column::AppendInt(int64_t value) {
  valid_.push_back(1);
  ints_.push_back(value);
}

void Column::AppendFloat(double value) {
  valid_.push_back(1);
  floats_.push_back(value);
}

namespace {

template <typename Int>
bool ParseInteger(std::string_view s, Int* out) {
  s = TrimBlanks(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  return ParseInt(s, out);
}

}  // namespace

bool Column::AppendParsed(std::optional<std::string_view> text, std::string* error) {
  if (!text) {
    AppendNull();
    return true;
  }
  std::string_view s = *text;
  switch (type_) {
    case ColumnType::kText:
      if (!IsStorableText(s, error)) return false;
      AppendText(s);
      return true;
    case ColumnType::kInt32: {
      int32_t v;
      if (!ParseInteger(s, &v)) {
        *error = fmt::format("'{}' is not an integer (32-bit)", s);
        return false;
      }
      AppendInt(v);
      return true;
    }
    case ColumnType::kInt64: {
      int64_t v;
      if (!ParseInteger(s, &v)) {
        *error = fmt::format("'{}' is not an integer", s);
        return false;
      }
      AppendInt(v);
      return true;
    }
    case ColumnType::kFloat64: {
      double v;
      std::string_view t = TrimBlanks(s);
      if (!t.empty() && t.front() == '+') t.remove_prefix(1);
      auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (t.empty() || ec != std::errc() || end != t.data() + t.size() || !std::isfinite(v)) {
        *error = fmt::format("'{}' is not a number", s);
        return false;
      }
      AppendFloat(v);
      return true;
    }
    case ColumnType::kDate: {
      int32_t days;
      if (!ParseDate(TrimBlanks(s), &days, error)) return false;
      AppendInt(days);
      return true;
    }
    case ColumnType::kTimestamptz: {
      int64_t micros;
      if (!ParseTimestamp(TrimBlanks(s), &micros, error)) return false;
      AppendInt(micros);
      return true;
    }
    case ColumnType::kUuid:
      if (s.size() != 16) {
        *error = "a uuid column takes 16 raw bytes";
        return false;
      }
      AppendText(s);
      return true;
  }
  *error = "unsupported column type";
  return false;
}

void Column::PopBack() {
  if (valid_.empty()) return;
  valid_.pop_back();
  if (StoresText()) {
    text_offsets_.pop_back();
    text_data_.resize(text_offsets_.back());
  } else if (type_ == ColumnType::kFloat64) {
    floats_.pop_back();
  } else {
    ints_.pop_back();
  }
}

void Column::Clear() {
  valid_.clear();
  ints_.clear();
  floats_.clear();
  text_data_.clear();
  text_offsets_.assign(1, 0);
}

Batch::Batch(Schema schema) : schema_(std::move(schema)) {
  columns_.reserve(schema_.size());
  for (const auto& f : schema_)
    columns_.emplace_back(f.type);
}

void Batch::RollbackRow(size_t filled) {
  for (size_t i = 0; i < filled; ++i)
    columns_[i].PopBack();
}

void Batch::Clear() {
  for (auto& c : columns_)
    c.Clear();
}

}  // namespace sluice
