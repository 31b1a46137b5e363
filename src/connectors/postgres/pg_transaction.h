// A scoped PostgreSQL transaction: BEGIN when made, ROLLBACK when it leaves scope unless
// Commit() or Rollback() ran first, so an early return cannot leave a session inside a
// transaction, or commit half of one.
//
// It relies on these PostgreSQL semantics:
// - A statement that fails inside a transaction block aborts the whole transaction: every later
//   statement fails (SQLSTATE 25P02) until the block ends (PostgreSQL docs, section 3.4
//   "Transactions"). A caller that ignores one statement's error therefore cannot commit the
//   others.
// - COMMIT of an aborted transaction does not fail: it rolls back and answers with the command
//   tag ROLLBACK (SQL command reference, "COMMIT", Description and Outputs). Commit() reads the
//   tag (PQcmdStatus, libpq "Retrieving Other Result Information") and reports that case as an
//   error, where a bare Exec("COMMIT") would report success.
// - COMMIT or ROLLBACK outside a transaction block only warns. Commit() checks first, with
//   PQtransactionStatus and the session's backend pid (libpq "Connection Status Functions"),
//   that the block it began is still open on the same session: a statement of the caller's may
//   have ended it, or PgConnection::ReconnectIfBroken may have replaced a lost session, and a
//   COMMIT there would "succeed" without committing anything.
// - A session that ends (pg_terminate_backend, restart, failover) takes its open transaction
//   with it: the server rolls it back, so nothing is left to do on the client.
#pragma once

#include <string>
#include <string_view>

#include "connectors/postgres/pg_connection.h"
#include "core/status.h"

namespace sluice {

class PgTransaction {
 public:
  // Sends BEGIN on `conn`, which must outlive the transaction and be outside a transaction
  // block (Internal otherwise: nesting would end the outer block early). `what` names the work
  // in every error, as PgConnection's `what` does. BEGIN's own errors are PgConnection's
  // (kUnavailable for a lost session, kDatabase otherwise).
  static Result<PgTransaction> Begin(PgConnection& conn, std::string_view what);

  // Rolls back unless Commit() or Rollback() ran; on a session that already ended there is
  // nothing to roll back. Never throws; a failed ROLLBACK is logged at debug level.
  ~PgTransaction();
  PgTransaction(PgTransaction&& other) noexcept;
  PgTransaction& operator=(PgTransaction&&) = delete;
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;

  // Sends COMMIT and ends the guard, whatever the outcome. Errors, each prefixed with `what`:
  // - kDatabase: a statement in the transaction had failed, so PostgreSQL rolled it back (COMMIT
  //   answered ROLLBACK), or COMMIT itself failed (a deferred constraint, for one). Nothing of
  //   the transaction was stored.
  // - kUnavailable: the session was lost before or during COMMIT, or replaced by a reconnect.
  //   Lost before COMMIT was sent, nothing was stored; lost while waiting for its answer, the
  //   outcome is unknown, so a caller that retries must find out (the logins sink reads its
  //   checkpoint, its ledger ignores ids already stored).
  // - kInternal: Commit() or Rollback() ran already, or a statement of the caller's ended the
  //   transaction block (a COMMIT or ROLLBACK of its own).
  Status Commit();
  // Sends ROLLBACK and ends the guard. OK when the session has ended (the server rolled back);
  // PgConnection's error when ROLLBACK fails on a live session; kInternal if already ended.
  Status Rollback();

  // True until Commit() or Rollback() ran.
  bool open() const { return open_; }

 private:
  PgTransaction(PgConnection& conn, std::string_view what, int backend_pid);
  // Whether the transaction began is still the session's: the same backend, not broken.
  bool SameSession() const;

  PgConnection* conn_;
  std::string what_;
  int backend_pid_;  // PQbackendPID when BEGIN ran
  bool open_ = true;
};

}  // namespace sluice
