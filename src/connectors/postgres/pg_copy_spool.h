// A binary COPY stream spooled to an anonymous temporary file and sent later. A connection busy
// with one COPY cannot start another, so rows for a second table (rejects) wait here, in
// bounded memory, until the first COPY is done.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "connectors/postgres/pg_connection.h"
#include "core/batch.h"

namespace sluice {

class PgCopySpool {
 public:
  PgCopySpool() : file_(nullptr, &std::fclose) {}

  // Encodes the batch's rows onto the spool.
  Status Append(const Batch& batch);
  uint64_t rows() const { return rows_; }

  // Runs `copy_sql` (a COPY ... FROM STDIN (FORMAT binary)) with the spooled rows.
  Status SendTo(PgConnection* conn, const std::string& copy_sql, std::string_view what);

 private:
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
  std::string buffer_;
  uint64_t rows_ = 0;
};

}  // namespace sluice
