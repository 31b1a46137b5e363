// A PostgreSQL connection over libpq, with RAII ownership and errors that name what was being
// done (the table, the statement's purpose) but never the password.
#pragma once

#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/strings.h"

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

class PgConnection {
 public:
  // Connects to a `postgresql://` URL or libpq keyword string. The password it contains is
  // registered as a secret before anything can print it.
  static Result<std::unique_ptr<PgConnection>> Connect(const std::string& url);

  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

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

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  Status ErrorFrom(const PGresult* result, std::string_view what);

  PGconn* conn_;
  std::string copy_what_;
  std::string last_sqlstate_;
};

// Splits one line of COPY's text format into fields, undoing its escapes; nullopt is \N.
void DecodeCopyTextRow(std::string_view line, std::vector<std::optional<std::string>>* fields);

// Quotes an SQL identifier: foo -> "foo".
std::string QuoteIdent(std::string_view name);
// Quotes an SQL string literal: it's -> 'it''s'.
std::string QuoteLiteral(std::string_view value);

// The PostgreSQL URL from `--pg` if given, else SLUICE_PG_URL; an error names both.
Result<std::string> ResolvePgUrl(const std::string& flag_value);

}  // namespace sluice
