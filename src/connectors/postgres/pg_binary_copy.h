// Encodes batches in PostgreSQL's binary COPY format, which the server ingests without parsing
// text: the fastest way in, and exact for timestamps and floats.
#pragma once

#include <string>

#include "core/batch.h"

namespace sluice {

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
