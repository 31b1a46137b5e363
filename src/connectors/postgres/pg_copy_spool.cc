#include "connectors/postgres/pg_copy_spool.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "connectors/postgres/pg_binary_copy.h"

namespace sluice {

Status PgCopySpool::Append(const Batch& batch) {
  if (batch.num_rows() == 0) return Status::Ok();
  if (!file_) {
    file_.reset(std::tmpfile());
    if (!file_) return IoError(fmt::format("cannot create a spool file: {}", std::strerror(errno)));
    buffer_.clear();
    PgBinaryCopyEncoder::AppendHeader(buffer_);
  }
  PgBinaryCopyEncoder::AppendRows(batch, buffer_);
  rows_ += batch.num_rows();
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_.get()) != buffer_.size()) {
    return IoError(fmt::format("writing the spool file failed: {}", std::strerror(errno)));
  }
  buffer_.clear();
  return Status::Ok();
}

Status PgCopySpool::SendTo(PgConnection* conn, const std::string& copy_sql, std::string_view what) {
  if (!file_) return Status::Ok();
  buffer_.clear();
  PgBinaryCopyEncoder::AppendTrailer(buffer_);
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_.get()) != buffer_.size() ||
      std::fflush(file_.get()) != 0) {
    return IoError(fmt::format("writing the spool file failed: {}", std::strerror(errno)));
  }
  std::rewind(file_.get());
  RETURN_IF_ERROR(conn->CopyBegin(copy_sql, what));
  std::string chunk(size_t{1} << 20, '\0');
  for (size_t n; (n = std::fread(chunk.data(), 1, chunk.size(), file_.get())) > 0;) {
    Status st = conn->CopyPut(std::string_view(chunk.data(), n));
    if (!st.ok()) {
      conn->CopyAbort();
      return st;
    }
  }
  return conn->CopyEnd();
}

}  // namespace sluice
