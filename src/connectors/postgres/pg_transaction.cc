#include "connectors/postgres/pg_transaction.h"

#include <fmt/format.h>

#include "core/log.h"

namespace sluice {

Result<PgTransaction> PgTransaction::Begin(PgConnection& conn, std::string_view what) {
  // BEGIN inside a block only warns, and the inner guard's COMMIT would end the outer block.
  const PGTransactionStatusType state = PQtransactionStatus(conn.raw());
  if (state == PQTRANS_INTRANS || state == PQTRANS_INERROR || state == PQTRANS_ACTIVE) {
    return Internal(
        fmt::format("{}: a transaction is already open on this PostgreSQL session", what));
  }
  RETURN_IF_ERROR(conn.Exec("BEGIN", what));
  return PgTransaction(conn, what, PQbackendPID(conn.raw()));
}

PgTransaction::PgTransaction(PgConnection& conn, std::string_view what, int backend_pid)
    : conn_(&conn), what_(what), backend_pid_(backend_pid) {}

PgTransaction::PgTransaction(PgTransaction&& other) noexcept
    : conn_(other.conn_),
      what_(std::move(other.what_)),
      backend_pid_(other.backend_pid_),
      open_(other.open_) {
  other.open_ = false;
}

PgTransaction::~PgTransaction() {
  if (!open_) return;
  // Runs while an error is on its way up: whatever happens here must not replace it, end the
  // process, or say more than a debug line, since the caller reports the error that matters.
  try {
    Status st = Rollback();
    if (!st.ok()) LogDebug("{}", st.message());
  } catch (...) {
    // Only an allocation can throw here; the server rolls back when the session ends anyway.
  }
}

bool PgTransaction::SameSession() const {
  return !conn_->broken() && PQbackendPID(conn_->raw()) == backend_pid_;
}

Status PgTransaction::Commit() {
  if (!open_) {
    return Internal(fmt::format("{}: COMMIT of a transaction that had already ended", what_));
  }
  open_ = false;
  if (!SameSession()) {
    return Unavailable(
        fmt::format("{}: the PostgreSQL session was lost during the transaction, and the server "
                    "rolled it back; nothing was committed",
                    what_));
  }
  if (PQtransactionStatus(conn_->raw()) == PQTRANS_IDLE) {
    return Internal(
        fmt::format("{}: a statement inside the transaction ended it (a COMMIT or ROLLBACK of its "
                    "own) before it was committed",
                    what_));
  }
  ASSIGN_OR_RETURN(PgResult result, conn_->ExecScript("COMMIT", what_));
  const std::string_view tag = PQcmdStatus(result.get());
  if (tag == "COMMIT") return Status::Ok();
  return DatabaseError(
      fmt::format("{}: PostgreSQL rolled the transaction back instead of committing it, since a "
                  "statement in it had failed (COMMIT answered {})",
                  what_, tag.empty() ? "without a command tag" : tag));
}

Status PgTransaction::Rollback() {
  if (!open_) {
    return Internal(fmt::format("{}: ROLLBACK of a transaction that had already ended", what_));
  }
  open_ = false;
  // An ended session took the transaction with it; a block the caller ended has nothing left.
  if (!SameSession() || PQtransactionStatus(conn_->raw()) == PQTRANS_IDLE) return Status::Ok();
  return conn_->Exec("ROLLBACK", fmt::format("{} (rolling back)", what_));
}

}  // namespace sluice
