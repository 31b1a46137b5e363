// The unit of data that flows between sources, transforms and sinks: a schema and equal-length
// typed columns. Values are stored per column in contiguous vectors, so sinks encode a column
// without per-value allocation and transforms work a column at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sluice {

enum class ColumnType {
  kText,
  kInt32,
  kInt64,
  kFloat64,
  kDate,         // days since 1970-01-01
  kTimestamptz,  // microseconds since 1970-01-01T00:00:00Z
  kUuid,         // 16 bytes, kept in the text storage
};

const char* ColumnTypeName(ColumnType type);

struct Field {
  std::string name;
  ColumnType type;
  bool nullable = true;
};

using Schema = std::vector<Field>;

class Column {
 public:
  explicit Column(ColumnType type) : type_(type) { text_offsets_.push_back(0); }

  ColumnType type() const { return type_; }
  size_t size() const { return valid_.size(); }
  bool IsNull(size_t row) const { return valid_[row] == 0; }

  void AppendNull();
  void AppendText(std::string_view value);  // kText and kUuid (16 raw bytes)
  void AppendInt(int64_t value);            // kInt32, kInt64, kDate, kTimestamptz
  void AppendFloat(double value);           // kFloat64

  // Parses the textual form of a value into this column's type. An absent value appends null.
  // On failure nothing is appended and `error` says why, without the column name (the caller
  // knows it).
  bool AppendParsed(std::optional<std::string_view> text, std::string* error);

  std::string_view Text(size_t row) const {
    return std::string_view(text_data_)
        .substr(text_offsets_[row], text_offsets_[row + 1] - text_offsets_[row]);
  }
  int64_t Int(size_t row) const { return ints_[row]; }
  double Float(size_t row) const { return floats_[row]; }

  // Drops the last row; used when a later field of the same record fails to parse.
  void PopBack();
  void Clear();

 private:
  bool StoresText() const { return type_ == ColumnType::kText || type_ == ColumnType::kUuid; }

  ColumnType type_;
  std::vector<uint8_t> valid_;
  std::vector<int64_t> ints_;
  std::vector<double> floats_;
  std::string text_data_;
  std::vector<uint32_t> text_offsets_;
};

class Batch {
 public:
  explicit Batch(Schema schema);

  const Schema& schema() const { return schema_; }
  size_t num_rows() const { return columns_.empty() ? 0 : columns_[0].size(); }
  size_t num_columns() const { return columns_.size(); }
  Column& column(size_t i) { return columns_[i]; }
  const Column& column(size_t i) const { return columns_[i]; }

  // Removes the partial last row of columns [0, filled): a record that failed half-way through.
  void RollbackRow(size_t filled);
  void Clear();

 private:
  Schema schema_;
  std::vector<Column> columns_;
};

}  // namespace sluice
