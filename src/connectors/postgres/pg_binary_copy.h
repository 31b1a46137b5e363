// Encodes batches in PostgreSQL's binary formats, which the server ingests without parsing
// text: the fastest way in, and exact for timestamps and floats. A COPY stream carries rows; a
// binary array carries one column as a single statement parameter (`unnest($1::text[])`), so a
// small batch can be stored, with all its checks, in one round trip.
#pragma once

#include <libpq-fe.h>

#include <string>

#include "core/batch.h"

namespace sluice {

// One value in PostgreSQL's binary wire form: its length, then its bytes; -1 for null.
void AppendPgBinaryValue(const Column& column, size_t row, std::string& out);

// Column `column` of `batch` as a one-dimensional binary array of PgArrayElementType(type).
std::string EncodePgBinaryArray(const Batch& batch, size_t column);
// The type oid of the array elements a column is sent as.
Oid PgArrayElementType(ColumnType type);

class PgBinaryCopyEncoder {
 public:
  // The signature and header that open a binary COPY stream.
  static void AppendHeader(std::string& out);
  // Rows [0, batch.num_rows()) of columns [first_column, num_columns), in column order.
  static void AppendRows(const Batch& batch, std::string& out, size_t first_column = 0);
  // The trailer that closes the stream.
  static void AppendTrailer(std::string& out);
};

}  // namespace sluice
