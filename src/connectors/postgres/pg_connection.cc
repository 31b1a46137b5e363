#include "connectors/postgres/pg_connection.h"

#include <fmt/format.h>

#include <cstdlib>

#include "core/log.h"
#include "core/secrets.h"

namespace sluice {
namespace {

// Registers the password of a connection string as a secret, whatever its form.
void RegisterPasswordOf(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (error) PQfreemem(error);
  if (!options) return;
  for (PQconninfoOption* o = options; o->keyword; ++o) {
    if (o->val && std::string_view(o->keyword) == "password") RegisterSecret(o->val);
  }
  PQconninfoFree(options);
}

std::string TrimMessage(const char* message) {
  std::string m = message ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' '))
    m.pop_back();
  return Redact(m);
}

// Server notices ("relation already exists, skipping") are for debugging, not for the user's
// terminal, where libpq would print them by default.
void RouteNoticeToLog(void*, const char* message) {
  LogDebug("postgres: {}", TrimMessage(message));
}

}  // namespace

std::string QuoteIdent(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string QuoteLiteral(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

Result<std::string> ResolvePgUrl(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("SLUICE_PG_URL"); env && *env) return std::string(env);
  return InvalidArgument(
      "no PostgreSQL connection: pass --pg postgresql://... or set SLUICE_PG_URL");
}

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& url) {
  RegisterPasswordOf(url);
  PGconn* conn = PQconnectdb(url.c_str());
  if (!conn) return Unavailable("cannot allocate a PostgreSQL connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = TrimMessage(PQerrorMessage(conn));
    PQfinish(conn);
    return Unavailable(fmt::format("cannot connect to PostgreSQL at {}: {}", Redact(url), message));
  }
  // Errors and notices in English keep messages greppable; the client side is ours to set.
  PQsetClientEncoding(conn, "UTF8");
  PQsetNoticeProcessor(conn, &RouteNoticeToLog, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() {
  PQfinish(conn_);
}

Status PgConnection::ErrorFrom(const PGresult* result, std::string_view what) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state ? state : "";
  std::string message = TrimMessage(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
  if (message.empty()) message = TrimMessage(PQerrorMessage(conn_));
  return DatabaseError(fmt::format("{}: {}", what, message));
}

Status PgConnection::Exec(std::string_view sql, std::string_view what) {
  PgResult r(PQexec(conn_, std::string(sql).c_str()));
  ExecStatusType st = PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return ErrorFrom(r.get(), what);
  last_sqlstate_.clear();
  return Status::Ok();
}

Result<PgResult> PgConnection::ExecScript(std::string_view sql, std::string_view what) {
  PgResult r(PQexec(conn_, std::string(sql).c_str()));
  ExecStatusType st = PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return ErrorFrom(r.get(), what);
  last_sqlstate_.clear();
  return r;
}

Status PgConnection::ExecSchemaChange(std::string_view sql, std::string_view what) {
  // Any fixed number will do; it only has to be the same in every Sluice process.
  constexpr std::string_view kLock = "SELECT pg_advisory_xact_lock(5318008)";
  RETURN_IF_ERROR(Exec("BEGIN", what));
  Status st = Exec(kLock, what);
  if (st.ok()) st = Exec(sql, what);
  if (st.ok()) st = Exec("COMMIT", what);
  if (!st.ok()) (void)Exec("ROLLBACK", "rolling back");
  return st;
}

Result<PgResult> PgConnection::Query(std::string_view sql,
                                     const std::vector<std::optional<std::string>>& params,
                                     std::string_view what) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params)
    values.push_back(p ? p->c_str() : nullptr);
  PgResult r(PQexecParams(conn_, std::string(sql).c_str(), static_cast<int>(values.size()), nullptr,
                          values.data(), nullptr, nullptr, 0));
  ExecStatusType st = PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return ErrorFrom(r.get(), what);
  last_sqlstate_.clear();
  return r;
}

Status PgConnection::Prepare(const std::string& name, std::string_view sql, std::string_view what) {
  PgResult r(PQprepare(conn_, name.c_str(), std::string(sql).c_str(), 0, nullptr));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) return ErrorFrom(r.get(), what);
  last_sqlstate_.clear();
  return Status::Ok();
}

Result<PgResult> PgConnection::ExecPrepared(const std::string& name,
                                            const std::vector<std::string>& params,
                                            std::string_view what) {
  std::vector<const char*> values;
  std::vector<int> lengths;
  const std::vector<int> formats(params.size(), 1);
  values.reserve(params.size());
  lengths.reserve(params.size());
  for (const auto& p : params) {
    values.push_back(p.data());
    lengths.push_back(static_cast<int>(p.size()));
  }
  PgResult r(PQexecPrepared(conn_, name.c_str(), static_cast<int>(params.size()), values.data(),
                            lengths.data(), formats.data(), 0));
  ExecStatusType st = PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return ErrorFrom(r.get(), what);
  last_sqlstate_.clear();
  return r;
}

Status PgConnection::CopyBegin(std::string_view copy_sql, std::string_view what) {
  copy_what_ = what;
  PgResult r(PQexec(conn_, std::string(copy_sql).c_str()));
  if (PQresultStatus(r.get()) != PGRES_COPY_IN) return ErrorFrom(r.get(), what);
  return Status::Ok();
}

Status PgConnection::CopyPut(std::string_view data) {
  if (PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) != 1) {
    return DatabaseError(fmt::format("{}: sending COPY data failed: {}", copy_what_,
                                     TrimMessage(PQerrorMessage(conn_))));
  }
  return Status::Ok();
}

Status PgConnection::CopyEnd() {
  if (PQputCopyEnd(conn_, nullptr) != 1) {
    return DatabaseError(
        fmt::format("{}: ending COPY failed: {}", copy_what_, TrimMessage(PQerrorMessage(conn_))));
  }
  Status status;
  // The COPY's own result, then the end of the command.
  while (PGresult* raw = PQgetResult(conn_)) {
    PgResult r(raw);
    if (PQresultStatus(raw) != PGRES_COMMAND_OK && status.ok()) status = ErrorFrom(raw, copy_what_);
  }
  return status;
}

Status PgConnection::CopyOut(std::string_view copy_sql, std::string_view what,
                             const std::function<Status(std::string_view line)>& fn) {
  PgResult start(PQexec(conn_, std::string(copy_sql).c_str()));
  if (PQresultStatus(start.get()) != PGRES_COPY_OUT) return ErrorFrom(start.get(), what);
  Status status;
  char* buffer = nullptr;
  int n;
  while ((n = PQgetCopyData(conn_, &buffer, 0)) > 0) {
    std::string_view line(buffer, static_cast<size_t>(n));
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (status.ok()) status = fn(line);  // after a failure, keep reading to end the COPY
    PQfreemem(buffer);
  }
  if (n == -2)
    return DatabaseError(fmt::format("{}: {}", what, TrimMessage(PQerrorMessage(conn_))));
  while (PGresult* raw = PQgetResult(conn_)) {
    PgResult r(raw);
    if (PQresultStatus(raw) != PGRES_COMMAND_OK && status.ok()) status = ErrorFrom(raw, what);
  }
  return status;
}

void DecodeCopyTextRow(std::string_view line, std::vector<std::optional<std::string>>* fields) {
  // Called once per row of large tables: the strings of the previous row are reused, and a
  // field without escapes (nearly all) is copied whole.
  size_t count = 0;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    std::string_view raw =
        line.substr(start, tab == std::string_view::npos ? line.npos : tab - start);
    if (count == fields->size()) fields->emplace_back();
    std::optional<std::string>& slot = (*fields)[count++];
    if (raw == "\\N") {
      slot.reset();
    } else {
      std::string& value = slot ? *slot : slot.emplace();
      if (raw.find('\\') == std::string_view::npos) {
        value.assign(raw);
      } else {
        value.clear();
        for (size_t i = 0; i < raw.size(); ++i) {
          if (raw[i] != '\\' || i + 1 == raw.size()) {
            value.push_back(raw[i]);
            continue;
          }
          // \n, \t and the like stand for control characters; \\ and any other escaped
          // character for itself.
          constexpr std::string_view kEscapes = "ntrbfv";
          constexpr std::string_view kControls = "\n\t\r\b\f\v";
          const char c = raw[++i];
          const size_t k = kEscapes.find(c);
          value.push_back(k == std::string_view::npos ? c : kControls[k]);
        }
      }
    }
    if (tab == std::string_view::npos) break;
    start = tab + 1;
  }
  fields->resize(count);
}

void PgConnection::CopyAbort() {
  PQputCopyEnd(conn_, "abandoned by sluice");
  while (PGresult* raw = PQgetResult(conn_))
    PQclear(raw);
}

}  // namespace sluice
