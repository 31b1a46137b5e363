#include "connectors/postgres/pg_connection.h"

#include <fmt/format.h>
#include <poll.h>

#include <algorithm>
#include <cstdlib>

#include "connectors/postgres/pg_transaction.h"
#include "core/environment.h"
#include "core/log.h"
#include "core/secrets.h"

namespace sluice {
namespace {

// Written so that redaction leaves it whole (no `user:password@`, no `password=`).
constexpr std::string_view kPgForm =
    "a postgresql:// URL (user, password, host, port, database) or libpq's keyword=value form";

// Checks a connection string before anything is sent with it, and registers its password as a
// secret, whatever its form. A URL whose userinfo reads more than one way (an unencoded '/', '#',
// '?' or '@' in its password) is refused: libpq would take part of the password for the host or
// port and quote it back ('invalid integer value "..." for connection option "port"'). libpq's
// own parse errors are not shown either: they quote the text at fault.
// The first parameter of a postgresql:// URL's query that libpq does not know, if it is a plain
// name that can be shown (a misspelt `sslmode`); an empty string when all are known.
std::string UnknownUrlParameter(std::string_view url) {
  if (!url.starts_with("postgresql://") && !url.starts_with("postgres://")) return "";
  const size_t query = url.find('?');
  if (query == std::string_view::npos) return "";
  PQconninfoOption* defaults = PQconndefaults();
  std::string unknown;
  for (std::string_view rest = url.substr(query + 1); !rest.empty() && unknown.empty();) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const std::string_view name = pair.substr(0, pair.find('='));
    if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != name.npos) {
      continue;  // not a name to quote: libpq's parse judges it
    }
    bool known = false;
    for (PQconninfoOption* o = defaults; o && o->keyword && !known; ++o)
      known = name == o->keyword;
    if (!known) unknown = std::string(name);
  }
  PQconninfoFree(defaults);
  return unknown;
}

Status CheckAndRegister(const std::string& url) {
  RETURN_IF_ERROR(CheckUrlUserinfo(url, "PostgreSQL"));
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (error) PQfreemem(error);
  if (!options) {
    if (std::string name = UnknownUrlParameter(url); !name.empty()) {
      return UsageError(fmt::format(
          "the PostgreSQL URL has parameter '{}', which libpq does not know (its parameters: "
          "PostgreSQL docs 34.1.2, \"Parameter Key Words\")",
          name));
    }
    return UsageError(UnreadableUrlMessage("PostgreSQL", kPgForm));
  }
  std::string bad_sslmode;
  for (PQconninfoOption* o = options; o->keyword; ++o) {
    if (o->val && std::string_view(o->keyword) == "password") RegisterSecret(o->val);
    // libpq judges sslmode only when it connects, and its refusal would read as a failure to
    // connect (exit 1): a value it can never take is the user's to fix (PostgreSQL docs 34.1.2).
    if (o->val && std::string_view(o->keyword) == "sslmode") {
      constexpr std::string_view kModes[] = {"disable", "allow",     "prefer",
                                             "require", "verify-ca", "verify-full"};
      if (std::find(std::begin(kModes), std::end(kModes), o->val) == std::end(kModes)) {
        bad_sslmode = o->val;
      }
    }
  }
  PQconninfoFree(options);
  if (!bad_sslmode.empty()) {
    const bool showable = bad_sslmode.size() <= 32 &&
                          bad_sslmode.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") ==
                              std::string::npos;
    return UsageError(fmt::format(
        "the PostgreSQL URL's sslmode{} is not one of disable, allow, prefer, require, verify-ca, "
        "verify-full",
        showable ? " '" + bad_sslmode + "'" : ""));
  }
  return Status::Ok();
}

std::string TrimMessage(const char* message) {
  std::string m = message ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' '))
    m.pop_back();
  return Redact(m);
}

// Cuts a libpq message before its first DETAIL, HINT, QUERY or CONTEXT section. DETAIL can hold
// row values ("Failing row contains (...)", "Key (email)=(...) already exists") and CONTEXT the
// COPY line at fault, so neither may reach a log, an error or a rejects row. Cutting early is the
// safe direction: a value that happens to contain "\nDETAIL:" only shortens the message.
std::string WithoutRowSections(std::string m) {
  size_t cut = m.size();
  for (std::string_view label : {"\nDETAIL:", "\nHINT:", "\nQUERY:", "\nCONTEXT:"})
    cut = std::min(cut, m.find(label));
  m.resize(cut);
  return m;
}

// A data exception's primary message quotes the value at fault (`invalid input syntax for type
// integer: "..."`, `value "..." is out of range for type integer`): each quoted part becomes "...".
std::string WithoutQuotedValues(std::string_view m) {
  std::string out;
  bool quoted = false;
  for (char c : m) {
    if (c == '"') {
      out += quoted ? "\"" : "\"...";
      quoted = !quoted;
    } else if (!quoted) {
      out.push_back(c);
    }
  }
  if (quoted) out += "\"";
  return out;
}

// The parts of a server error that hold no row data: severity, primary message (values masked
// for data exceptions, class 22), the statement excerpt (our statements carry values only as
// parameters), the hint, and the names of the schema, table, column and constraint at fault.
std::string ServerErrorMessage(const PGresult* result, std::string_view sqlstate) {
  auto field = [&](int code) -> std::string_view {
    const char* v = PQresultErrorField(result, code);
    return v ? v : "";
  };
  const std::string_view primary = field(PG_DIAG_MESSAGE_PRIMARY);
  if (primary.empty()) return TrimMessage(WithoutRowSections(PQresultErrorMessage(result)).c_str());
  const bool data_exception = sqlstate.starts_with("22") || sqlstate.starts_with("23");
  std::string m =
      fmt::format("{}:  {}", field(PG_DIAG_SEVERITY).empty() ? "ERROR" : field(PG_DIAG_SEVERITY),
                  sqlstate.starts_with("22") ? WithoutQuotedValues(primary) : std::string(primary));
  std::string names;
  for (auto [code, label] :
       {std::pair{PG_DIAG_SCHEMA_NAME, "schema"}, std::pair{PG_DIAG_TABLE_NAME, "table"},
        std::pair{PG_DIAG_COLUMN_NAME, "column"},
        std::pair{PG_DIAG_CONSTRAINT_NAME, "constraint"}}) {
    const std::string_view name = field(code);
    if (name.empty()) continue;
    names += fmt::format("{}{} \"{}\"", names.empty() ? "" : ", ", label, name);
  }
  if (!names.empty()) m += fmt::format(" [{}]", names);
  if (!data_exception && !field(PG_DIAG_STATEMENT_POSITION).empty()) {
    // libpq's excerpt ("LINE 1: ...", then the caret) follows the primary message's lines.
    const std::string full = WithoutRowSections(PQresultErrorMessage(result));
    const size_t line = full.find("\nLINE ");
    if (line != std::string::npos) m += full.substr(line);
  }
  const std::string_view hint = field(PG_DIAG_MESSAGE_HINT);
  if (!hint.empty() && !data_exception) m += fmt::format("\nHINT:  {}", hint);
  return TrimMessage(m.c_str());
}

// libpq's last error on `conn`, never empty: an error must always say something.
std::string ConnectionMessage(PGconn* conn) {
  std::string m = TrimMessage(WithoutRowSections(PQerrorMessage(conn)).c_str());
  if (!m.empty()) return m;
  return PQstatus(conn) == CONNECTION_OK ? "no reason given by libpq"
                                         : "the connection to the server was lost";
}

// A password libpq found by itself (PGPASSWORD, a service file's, ~/.pgpass's) is never shown
// either: each one the session holds is registered before any message about it is made.
void RegisterPasswordsOf(PGconn* conn) {
  if (const char* password = PQpass(conn)) RegisterSecret(password);
  PQconninfoOption* options = PQconninfo(conn);
  for (PQconninfoOption* o = options; o && o->keyword; ++o) {
    if (o->val && std::string_view(o->keyword) == "password") RegisterSecret(o->val);
  }
  PQconninfoFree(options);
}

}  // namespace

std::string DescribePgTarget(const PGconn* conn) {
  auto text = [](const char* value) { return std::string(value && *value ? value : "?"); };
  // PQhost is the socket directory for a Unix-domain connection.
  std::string out = fmt::format("host={} port={} user={} dbname={}", text(PQhost(conn)),
                                text(PQport(conn)), text(PQuser(conn)), text(PQdb(conn)));
  std::string service;
  PQconninfoOption* options = PQconninfo(const_cast<PGconn*>(conn));
  for (PQconninfoOption* o = options; o && o->keyword; ++o) {
    if (o->val && std::string_view(o->keyword) == "service") service = o->val;
  }
  PQconninfoFree(options);
  // libpq before 16 keeps no service in the session it reports; PGSERVICE is where it came from.
  if (service.empty()) service = GetEnv("PGSERVICE");
  if (!service.empty()) out += fmt::format(" service={}", service);
  return Redact(out);
}

bool IsTransientSqlState(std::string_view sqlstate) {
  if (sqlstate.size() != 5) return false;
  const std::string_view cls = sqlstate.substr(0, 2);
  return cls == "08" || cls == "53" || sqlstate == "40001" || sqlstate == "40P01" ||
         sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03" || sqlstate == "55P03";
}

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

Status CheckPgUrl(std::string_view url) {
  return CheckAndRegister(std::string(url));
}

OptionSpec PgUrlOption() {
  OptionSpec spec{.name = "pg", .summary = "PostgreSQL URL"};
  spec.env = "SLUICE_PG_URL";
  // Not required: without a URL, libpq's own defaults apply (PgConnection::Connect).
  spec.example = "postgresql://...";
  spec.secret = true;  // the URL may hold the password
  // Read as libpq reads it, without connecting: a URL it cannot take is found where it is given.
  spec.check = [](std::string_view url) { return CheckPgUrl(url); };
  spec.description =
      "libpq's URL form; `options=-c name=value` sets session settings (search_path, "
      "lock_timeout). Its password is never shown, and is wiped from the process's arguments. "
      "Without it and SLUICE_PG_URL, libpq's defaults apply as in psql (PGHOST, PGPORT, PGUSER, "
      "PGDATABASE, PGPASSWORD, PGSERVICE, ~/.pgpass)";
  return spec;
}

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& url) {
  // libpq reads PGPASSWORD whether or not a URL is given (a URL without a password uses it).
  (void)GetEnv("PGPASSWORD");  // registered as a secret by the read
  if (!url.empty()) RETURN_IF_ERROR(CheckAndRegister(url));
  // Entries before the expanded URL ("dbname") are defaults its own parameters override (libpq,
  // PQconnectdbParams). Without a connect timeout a reconnect to a server that vanished without
  // a word could block for minutes; keepalives find such a server while a session is idle.
  std::vector<const char*> keywords = {"keepalives_idle", "keepalives_interval", "keepalives_count",
                                       "fallback_application_name"};
  std::vector<const char*> values = {"30", "10", "3", "sluice"};
  if (GetEnv("PGCONNECT_TIMEOUT").empty()) {
    keywords.push_back("connect_timeout");
    values.push_back("10");
  }
  // Without a URL, no dbname entry: libpq then takes every setting from its own defaults.
  if (!url.empty()) {
    keywords.push_back("dbname");
    values.push_back(url.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (!conn) return Unavailable("cannot allocate a PostgreSQL connection");
  RegisterPasswordsOf(conn);
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = ConnectionMessage(conn);
    const std::string target = DescribePgTarget(conn);
    PQfinish(conn);
    if (url.empty()) {
      return Unavailable(fmt::format(
          "cannot connect to PostgreSQL with libpq's defaults ({}; no --pg or SLUICE_PG_URL "
          "given, so PGHOST, PGPORT, PGUSER, PGDATABASE, PGSERVICE and ~/.pgpass decide): {}",
          target, message));
    }
    return Unavailable(fmt::format("cannot connect to PostgreSQL at {}: {}", Redact(url), message));
  }
  std::unique_ptr<PgConnection> connection(new PgConnection(conn));
  RETURN_IF_ERROR(connection->SetUpSession());
  return connection;
}

Status PgConnection::SetUpSession() {
  // Errors and notices in English keep messages greppable; the client side is ours to set.
  PQsetClientEncoding(conn_, "UTF8");
  PQsetNoticeReceiver(conn_, &PgConnection::OnNotice, this);
  // Only settings still at the server's default are changed, so whatever a DBA or the URL set
  // wins; a setting the server does not know (client_connection_check_interval before 14) has
  // no row in pg_settings and is skipped.
  const PgSessionDefaults defaults;
  RETURN_IF_ERROR(Query("SELECT set_config(s.name, v.value, false) FROM pg_settings s "
                        "JOIN (VALUES ('lock_timeout', $1), "
                        "('client_connection_check_interval', $2)) AS v(name, value) "
                        "USING (name) WHERE s.source = 'default'",
                        {defaults.lock_timeout, defaults.client_connection_check_interval},
                        "setting up the session")
                      .status());
  ASSIGN_OR_RETURN(PgResult timeout, Query("SHOW lock_timeout", "setting up the session"));
  lock_timeout_ = timeout.rows() == 1 ? std::string(timeout.Value(0, 0)) : "";
  return Status::Ok();
}

void PgConnection::OnNotice(void* self, const PGresult* notice) {
  // Server notices ("relation already exists, skipping") are for debugging, not for the user's
  // terminal, where libpq would print them by default.
  LogDebug("postgres: {}", TrimMessage(WithoutRowSections(PQresultErrorMessage(notice)).c_str()));
  // A FATAL error outside a query is the server's farewell: the session is ending.
  const char* field = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
  const std::string_view severity = field ? field : "";
  if (severity == "FATAL" || severity == "PANIC")
    static_cast<PgConnection*>(self)->farewell_ = true;
}

Status PgConnection::ReconnectIfBroken() {
  // An idle session has nothing to read unless the server spoke first: usually its farewell
  // (terminate, shutdown, idle_session_timeout), which libpq hands to OnNotice once it parses
  // it (PQisBusy), maybe before the end of the stream has arrived.
  if (!broken() && !farewell_ && PQtransactionStatus(conn_) == PQTRANS_IDLE) {
    pollfd socket{PQsocket(conn_), POLLIN, 0};
    if (::poll(&socket, 1, 0) > 0 && PQconsumeInput(conn_)) (void)PQisBusy(conn_);
  }
  if (!broken() && !farewell_) return Status::Ok();
  farewell_ = false;
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    return Unavailable(
        fmt::format("reconnecting to PostgreSQL failed: {}", ConnectionMessage(conn_)));
  }
  RETURN_IF_ERROR(SetUpSession());
  for (const auto& [name, sql] : prepared_) {
    PgResult r(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      return ErrorFrom(r.get(), "preparing the session's statements again after reconnecting");
    }
  }
  LogWarn(
      "the PostgreSQL session had ended (server restart, failover or terminated backend); "
      "reconnected");
  return Status::Ok();
}

Result<PgResult> PgConnection::QueryIdempotent(
    std::string_view sql, const std::vector<std::optional<std::string>>& params,
    std::string_view what) {
  RETURN_IF_ERROR(ReconnectIfBroken());
  auto result = Query(sql, params, what);
  if (result.ok() || !broken()) return result;
  LogWarn("{}; running it again on a new session", result.status().message());
  RETURN_IF_ERROR(ReconnectIfBroken());
  return Query(sql, params, what);
}

PgConnection::~PgConnection() {
  PQfinish(conn_);
}

Status PgConnection::ErrorFrom(const PGresult* result, std::string_view what) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state ? state : "";
  std::string message = result ? ServerErrorMessage(result, last_sqlstate_) : "";
  if (message.empty()) message = TrimMessage(WithoutRowSections(PQerrorMessage(conn_)).c_str());
  if (message.empty()) {
    message = broken() ? "the connection to the server was lost"
                       : fmt::format("the server answered {} without an error message",
                                     PQresStatus(PQresultStatus(result)));
  }
  if (last_sqlstate_ == "55P03" && message.find("lock timeout") != std::string::npos) {
    const char* context = result ? PQresultErrorField(result, PG_DIAG_CONTEXT) : nullptr;
    // A COPY's context quotes the line at fault; a lock's names only the relation and tuple.
    if (context && std::string_view(context).find("COPY") != std::string_view::npos)
      context = nullptr;
    // After the first line, before the statement excerpt (which points at the relation).
    message.insert(
        std::min(message.find('\n'), message.size()),
        fmt::format(
            " (waited longer than lock_timeout = {} for a lock another session holds{}{}; see "
            "pg_locks and pg_stat_activity, or raise it with options=-c lock_timeout=... in the "
            "URL)",
            lock_timeout_, context ? ": " : "", context ? TrimMessage(context) : ""));
  }
  // The SQLSTATE (PostgreSQL docs, Appendix A) at the end of the first line, for scripts and
  // searches.
  if (!last_sqlstate_.empty()) {
    message.insert(std::min(message.find('\n'), message.size()),
                   fmt::format(" (SQLSTATE {})", last_sqlstate_));
  }
  return Status(broken() || IsTransientSqlState(last_sqlstate_) ? StatusCode::kUnavailable
                                                                : StatusCode::kDatabase,
                fmt::format("{}: {}", what, message));
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
  if (st == PGRES_EMPTY_QUERY) {
    return InvalidArgument(
        fmt::format("{}: there is no SQL statement to run (empty, or only comments)", what));
  }
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return ErrorFrom(r.get(), what);
  last_sqlstate_.clear();
  return r;
}

Status PgConnection::ExecSchemaChange(std::string_view sql, std::string_view what) {
  // Any fixed number will do; it only has to be the same in every Sluice process.
  constexpr std::string_view kLock = "SELECT pg_advisory_xact_lock(5318008)";
  ASSIGN_OR_RETURN(PgTransaction transaction, PgTransaction::Begin(*this, what));
  RETURN_IF_ERROR(Exec(kLock, what));
  RETURN_IF_ERROR(Exec(sql, what));
  return transaction.Commit();
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
  // Kept, so that a new session after a reconnect has it too.
  auto same = std::find_if(prepared_.begin(), prepared_.end(),
                           [&](const auto& p) { return p.first == name; });
  if (same == prepared_.end()) {
    prepared_.emplace_back(name, sql);
  } else {
    same->second = sql;
  }
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
    return Unavailable(
        fmt::format("{}: sending COPY data failed: {}", copy_what_, ConnectionMessage(conn_)));
  }
  return Status::Ok();
}

Status PgConnection::CopyEnd() {
  if (PQputCopyEnd(conn_, nullptr) != 1) {
    return Unavailable(
        fmt::format("{}: ending COPY failed: {}", copy_what_, ConnectionMessage(conn_)));
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
  if (n == -2) {
    return Status(broken() ? StatusCode::kUnavailable : StatusCode::kDatabase,
                  fmt::format("{}: {}", what, ConnectionMessage(conn_)));
  }
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
