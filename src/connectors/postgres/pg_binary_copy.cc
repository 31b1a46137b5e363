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

void PgBinaryCopyEncoder::AppendRows(const Batch& batch, std::string& out, size_t first_column) {
  const size_t rows = batch.num_rows();
  const size_t cols = batch.num_columns();
  for (size_t r = 0; r < rows; ++r) {
    PutBigEndian<int16_t>(out, static_cast<int16_t>(cols - first_column));
    for (size_t c = first_column; c < cols; ++c) {
      const Column& col = batch.column(c);
      if (col.IsNull(r)) {
        PutBigEndian<int32_t>(out, -1);
        continue;
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
  }
}

}  // namespace sluice
