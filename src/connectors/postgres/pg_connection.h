// A PostgreSQL connection over libpq, with RAII ownership and errors that name what was being
// done (the table, the statement's purpose) but never the password.
#pragma once

#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/strings.h"
#include "pipeline/option_spec.h"

namespace sluice {

// Owns a PGresult.
class PgResult {
 public:
  explicit PgResult(PGresult* r = nullptr) : r_(r, &PQclear) {}
  PGresult* get() const { return r_.get(); }
  int rows() const { return PQntuples(r_.get()); }
  int columns() const { return PQnfields(r_.get()); }
  std::string_view column_name(int c) const { return PQfname(r_.get(), c); }
  Oid column_type(int c) const { return PQftype(r_.get(), c); }
  bool IsNull(int row, int c) const { return PQgetisnull(r_.get(), row, c) != 0; }
  std::string_view Value(int row, int c) const {
    return {PQgetvalue(r_.get(), row, c), static_cast<size_t>(PQgetlength(r_.get(), row, c))};
  }
  // A count(*)-like column as a number; 0 when null or not a non-negative integer.
  uint64_t Count(int row, int c) const {
    uint64_t v = 0;
    return ParseInt(Value(row, c), &v) ? v : 0;
  }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> r_;
};

// Settings Sluice gives each session unless the server's default was already changed (in
// postgresql.conf, ALTER ROLE/DATABASE ... SET, or `options=-c name=value` in the URL or
// PGOPTIONS, which therefore override them). PostgreSQL docs, "Client Connection Defaults"
// and "Connections and Authentication".
struct PgSessionDefaults {
  // A statement waiting longer than this for a lock fails (SQLSTATE 55P03) instead of hanging
  // behind another session; the error says which work and table waited.
  std::string lock_timeout = "1min";
  // How often a busy backend checks that Sluice is still there (PostgreSQL 14+), so a killed
  // Sluice does not leave a statement running, and holding locks, until it finishes.
  std::string client_connection_check_interval = "5s";
  // No statement_timeout: loads and reports legitimately run long; set one in the URL to cap them.
};

// What libpq resolved for a session, made or failed: "host=H port=P user=U dbname=D", and
// " service=S" when one was named. H is the socket directory for a Unix-domain socket; a value
// libpq has none for is "?". Never a password.
std::string DescribePgTarget(const PGconn* conn);

class PgConnection {
 public:
  // Connects to a `postgresql://` URL or libpq keyword string. An empty `url` (no --pg and no
  // SLUICE_PG_URL) leaves every setting to libpq's own defaults, as psql does: PGHOST, PGPORT,
  // PGUSER, PGDATABASE, PGPASSWORD, PGSERVICE (pg_service.conf), PGSSLMODE and ~/.pgpass; its
  // connect error then names the host, port, user and database libpq tried. This is the one
  // place that rule lives: every command and pipeline component passes its `pg` value here.
  // Passwords (the URL's, PGPASSWORD, a service file's or .pgpass's) are registered as secrets
  // before anything can print them. Unless the URL says otherwise, the
  // connect attempt times out after 10 s, TCP keepalives find a vanished server within about a
  // minute, and application_name is "sluice". The session gets PgSessionDefaults.
  static Result<std::unique_ptr<PgConnection>> Connect(const std::string& url);

  // True once libpq has seen the session end (server restart, failover,
  // pg_terminate_backend, idle timeout): every statement on it would fail.
  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  // Opens a new session with the same parameters if this one has ended, then restores what the
  // session had: its settings and its prepared statements. Anything else session-scoped (an
  // open transaction, temporary tables) is gone, which is why callers only reconnect between
  // transactions. An ended session is one libpq has seen end, or, while idle, one whose
  // server's farewell (an error and the end of the stream) already waits on the socket; a
  // session that ended silently is only found by the next statement failing. Unavailable when
  // the server cannot be reached yet.
  Status ReconnectIfBroken();
  // Query for a statement that may run twice (a SELECT, an UPDATE to a fixed state): an ended
  // session is reopened before it, and once more if the statement finds the session gone.
  Result<PgResult> QueryIdempotent(std::string_view sql,
                                   const std::vector<std::optional<std::string>>& params,
                                   std::string_view what);

  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Statement errors are kDatabase, except those a retry may cure, which are kUnavailable: the
  // session ended or broke on the way (sending COPY data included), or the server answered with a
  // SQLSTATE IsTransientSqlState accepts.
  //
  // Runs one or more statements that return no rows. `what` names the work for errors.
  Status Exec(std::string_view sql, std::string_view what);
  // Runs DDL (CREATE ... IF NOT EXISTS, one or more statements) in a transaction holding a
  // Sluice-wide advisory lock: PostgreSQL's IF NOT EXISTS is not safe against a concurrent
  // twin, and many Sluice processes may start at once on a fresh schema.
  Status ExecSchemaChange(std::string_view sql, std::string_view what);

  // Runs a script of one or more statements and returns the last one's result (rows or not).
  Result<PgResult> ExecScript(std::string_view sql, std::string_view what);

  // Runs a statement with text parameters and returns its rows.
  Result<PgResult> Query(std::string_view sql,
                         const std::vector<std::optional<std::string>>& params,
                         std::string_view what);
  Result<PgResult> Query(std::string_view sql, std::string_view what) {
    return Query(sql, {}, what);
  }

  // Prepares a statement for this session, for ExecPrepared. Its parameters' types come from
  // casts in the SQL (`$1::text[]`).
  Status Prepare(const std::string& name, std::string_view sql, std::string_view what);
  // Runs a prepared statement with parameters in PostgreSQL's binary form (see
  // EncodePgBinaryArray) and returns its rows as text.
  Result<PgResult> ExecPrepared(const std::string& name, const std::vector<std::string>& params,
                                std::string_view what);

  // COPY ... FROM STDIN: Begin, Put any number of chunks, End.
  Status CopyBegin(std::string_view copy_sql, std::string_view what);
  Status CopyPut(std::string_view data);
  Status CopyEnd();
  // Abandons a COPY in progress; the server rolls the statement back.
  void CopyAbort();

  // COPY (query) TO STDOUT: calls `fn` with each row's line in PostgreSQL's text format (tab
  // separated, backslash escapes, \N for null; see DecodeCopyTextRow), one row at a time.
  Status CopyOut(std::string_view copy_sql, std::string_view what,
                 const std::function<Status(std::string_view line)>& fn);

  // The SQLSTATE of the last failed statement ("23505"), or empty.
  const std::string& last_sqlstate() const { return last_sqlstate_; }

  PGconn* raw() { return conn_; }
  // The session's host, port, user and database (DescribePgTarget).
  std::string target() const { return DescribePgTarget(conn_); }

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  Status ErrorFrom(const PGresult* result, std::string_view what);
  // Encoding, notices and PgSessionDefaults, on a new session.
  Status SetUpSession();
  // libpq's notice receiver: logs the notice, and notes the server's farewell.
  static void OnNotice(void* self, const PGresult* notice);

  PGconn* conn_;
  std::vector<std::pair<std::string, std::string>> prepared_;  // name, SQL: re-prepared
  std::string lock_timeout_;  // the session's, for lock timeout errors
  bool farewell_ = false;     // the server said it is ending the session
  std::string copy_what_;
  std::string last_sqlstate_;
};

// True for a SQLSTATE whose statement may succeed when simply run again, on this session or a
// new one (PostgreSQL docs, Appendix A "PostgreSQL Error Codes"): class 08 (connection
// exception), 40001 serialization_failure, 40P01 deadlock_detected, class 53 (insufficient
// resources), 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now and 55P03
// lock_not_available (lock_timeout). Everything else (permission denied 42501, undefined table
// 42P01, data errors of class 22 and 23, authorization of class 28, ...) fails the same way
// every time.
bool IsTransientSqlState(std::string_view sqlstate);

// Splits one line of COPY's text format into fields, undoing its escapes; nullopt is \N.
void DecodeCopyTextRow(std::string_view line, std::vector<std::optional<std::string>>* fields);

// Quotes an SQL identifier: foo -> "foo".
std::string QuoteIdent(std::string_view name);
// Quotes an SQL string literal: it's -> 'it''s'.
std::string QuoteLiteral(std::string_view value);

// The --pg option every component that talks to PostgreSQL declares: a libpq URL
// (postgresql://user:password@host:port/db?params, PostgreSQL docs 34.1.1), else SLUICE_PG_URL,
// else nothing, which PgConnection::Connect takes as libpq's defaults.
OptionSpec PgUrlOption();

// A connection string as PgConnection::Connect reads it before connecting: a URL whose userinfo
// reads more than one way, one libpq cannot parse, a parameter it does not know or an sslmode it
// cannot take is a usage error that never quotes the URL; its password is registered as a secret.
// The `--pg` option's check.
Status CheckPgUrl(std::string_view url);

}  // namespace sluice
