#include "connectors/postgres/pg_binary_copy.h"

#include <bit>
#include <cstring>

namespace sluice {
namespace {

// PostgreSQL counts dates and timestamps from 2000-01-01, not from the Unix epoch.
constexpr int64_t kPgEpochDays = 10957;
constexpr int64_t kPgEpochMicros = kPgEpochDays * 86400LL * 1000000LL;

template <typename T>
void PutBigEndian(std::string& out, T value) {
  using U = std::make_unsigned_t<T>;
  U u = static_cast<U>(value);
  char bytes[sizeof(T)];
  for (size_t i = 0; i < sizeof(T); ++i) {
    bytes[i] = static_cast<char>(u >> (8 * (sizeof(T) - 1 - i)));
  }
  out.append(bytes, sizeof(T));
}

}  // namespace

void PgBinaryCopyEncoder::AppendHeader(std::string& out) {
  out.append("PGCOPY\n\377\r\n\0", 11);
  PutBigEndian<int32_t>(out, 0);  // flags
  PutBigEndian<int32_t>(out, 0);  // header extension length
}

void PgBinaryCopyEncoder::AppendTrailer(std::string& out) {
  PutBigEndian<int16_t>(out, -1);
}

void AppendPgBinaryValue(const Column& col, size_t r, std::string& out) {
  if (col.IsNull(r)) {
    PutBigEndian<int32_t>(out, -1);
    return;
  }
  switch (col.type()) {
    case ColumnType::kText:
    case ColumnType::kUuid: {
      std::string_view v = col.Text(r);
      PutBigEndian<int32_t>(out, static_cast<int32_t>(v.size()));
      out.append(v);
      break;
    }
    case ColumnType::kInt32:
      PutBigEndian<int32_t>(out, 4);
      PutBigEndian<int32_t>(out, static_cast<int32_t>(col.Int(r)));
      break;
    case ColumnType::kInt64:
      PutBigEndian<int32_t>(out, 8);
      PutBigEndian<int64_t>(out, col.Int(r));
      break;
    case ColumnType::kFloat64:
      PutBigEndian<int32_t>(out, 8);
      PutBigEndian<int64_t>(out, std::bit_cast<int64_t>(col.Float(r)));
      break;
    case ColumnType::kDate:
      PutBigEndian<int32_t>(out, 4);
      PutBigEndian<int32_t>(out, static_cast<int32_t>(col.Int(r) - kPgEpochDays));
      break;
    case ColumnType::kTimestamptz:
      PutBigEndian<int32_t>(out, 8);
      PutBigEndian<int64_t>(out, col.Int(r) - kPgEpochMicros);
      break;
  }
}

void PgBinaryCopyEncoder::AppendRows(const Batch& batch, std::string& out, size_t first_column) {
  const size_t rows = batch.num_rows();
  const size_t cols = batch.num_columns();
  for (size_t r = 0; r < rows; ++r) {
    PutBigEndian<int16_t>(out, static_cast<int16_t>(cols - first_column));
    for (size_t c = first_column; c < cols; ++c)
      AppendPgBinaryValue(batch.column(c), r, out);
  }
}

Oid PgArrayElementType(ColumnType type) {
  // Fixed oids of the built-in types (pg_type.dat).
  switch (type) {
    case ColumnType::kText:
      return 25;  // text
    case ColumnType::kUuid:
      return 2950;  // uuid, sent as its 16 bytes
    case ColumnType::kInt32:
      return 23;  // int4
    case ColumnType::kInt64:
      return 20;  // int8
    case ColumnType::kFloat64:
      return 701;  // float8
    case ColumnType::kDate:
      return 1082;  // date
    case ColumnType::kTimestamptz:
      return 1184;  // timestamptz
  }
  return 25;
}

std::string EncodePgBinaryArray(const Batch& batch, size_t column) {
  const Column& col = batch.column(column);
  const size_t rows = batch.num_rows();
  std::string out;
  if (rows == 0) {  // no dimensions at all: PostgreSQL's empty array
    PutBigEndian<int32_t>(out, 0);
    PutBigEndian<int32_t>(out, 0);
    PutBigEndian<int32_t>(out, static_cast<int32_t>(PgArrayElementType(col.type())));
    return out;
  }
  bool has_null = false;
  for (size_t r = 0; r < rows && !has_null; ++r)
    has_null = col.IsNull(r);
  // Dimensions, null flag, element type, then per dimension its length and lower bound.
  PutBigEndian<int32_t>(out, 1);
  PutBigEndian<int32_t>(out, has_null ? 1 : 0);
  PutBigEndian<int32_t>(out, static_cast<int32_t>(PgArrayElementType(col.type())));
  PutBigEndian<int32_t>(out, static_cast<int32_t>(rows));
  PutBigEndian<int32_t>(out, 1);
  for (size_t r = 0; r < rows; ++r)
    AppendPgBinaryValue(col, r, out);
  return out;
}

}  // namespace sluice
