#include "connectors/mysql/mysql_connection.h"

#include <errmsg.h>
#include <fmt/format.h>
#include <mysql.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "connectors/mysql/mysql_tls_probe.h"
#include "core/environment.h"
#include "core/secrets.h"

namespace sluice {
namespace {

ColumnType TypeOf(const MYSQL_FIELD& field) {
  switch (field.type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR:
      return ColumnType::kInt64;
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
      return ColumnType::kFloat64;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
      return ColumnType::kDate;
    default:
      return ColumnType::kText;  // decimals keep their exact digits
  }
}

}  // namespace

OptionSpec MysqlUrlOption() {
  OptionSpec spec{.name = "mysql", .summary = "MySQL or MariaDB URL"};
  spec.env = "SLUICE_MYSQL_URL";
  spec.required = true;
  spec.example = "mysql://...";
  spec.secret = true;  // the URL may hold the password
  spec.description =
      "Parameters: ssl-mode, ssl-ca, ssl-capath, ssl-cert, ssl-key, socket, connect-timeout; any "
      "other is refused. Its password is never shown, and is wiped from the process's arguments";
  return spec;
}

namespace {

// Errors of a server out of reach, going away or out of connections: worth trying again.
bool IsTransient(unsigned error) {
  return error == CR_CONNECTION_ERROR || error == CR_CONN_HOST_ERROR ||
         error == CR_SERVER_GONE_ERROR || error == CR_SERVER_LOST || error == 1040 /* too many */;
}

Result<MYSQL*> ConnectOnce(const std::string& url, const MysqlUrl& parts) {
  const std::string where = fmt::format("cannot connect to MySQL at {}", RedactUrl(url));
  const bool verify =
      parts.ssl_mode == MysqlSslMode::kVerifyCa || parts.ssl_mode == MysqlSslMode::kVerifyIdentity;
  if (parts.ssl_mode == MysqlSslMode::kRequired) {
    // Without verification libmariadb would carry on in plain text: ask before logging in.
    auto offers = MysqlServerOffersTls(parts.host, parts.port, parts.connect_timeout_seconds);
    if (!offers.ok())
      return Status(offers.status().code(),
                    fmt::format("{}: {}", where, offers.status().message()));
    if (!*offers) {
      return DatabaseError(fmt::format(
          "{}: ssl-mode=REQUIRED, but the server does not offer TLS (nothing was sent to it)",
          where));
    }
  }
  MYSQL* conn = mysql_init(nullptr);
  if (!conn) return Internal("cannot allocate a MySQL connection");
  unsigned timeout = parts.connect_timeout_seconds;
  mysql_optionsv(conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  // libmariadb takes "localhost" for its default Unix socket whatever the port: TCP unless a
  // socket is asked for by name.
  unsigned protocol = parts.socket.empty() ? MYSQL_PROTOCOL_TCP : MYSQL_PROTOCOL_SOCKET;
  mysql_optionsv(conn, MYSQL_OPT_PROTOCOL, &protocol);
  my_bool on = 1;
  // libmariadb 3.3: "enforce" means TLS when the server offers it; only a verified
  // certificate makes a server without TLS an error.
  if (parts.ssl_mode != MysqlSslMode::kDisabled) mysql_optionsv(conn, MYSQL_OPT_SSL_ENFORCE, &on);
  if (verify) mysql_optionsv(conn, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
  if (!parts.ssl_ca.empty()) mysql_optionsv(conn, MYSQL_OPT_SSL_CA, parts.ssl_ca.c_str());
  if (!parts.ssl_capath.empty()) {
    mysql_optionsv(conn, MYSQL_OPT_SSL_CAPATH, parts.ssl_capath.c_str());
  }
  if (!parts.ssl_cert.empty()) mysql_optionsv(conn, MYSQL_OPT_SSL_CERT, parts.ssl_cert.c_str());
  if (!parts.ssl_key.empty()) mysql_optionsv(conn, MYSQL_OPT_SSL_KEY, parts.ssl_key.c_str());
  if (!mysql_real_connect(conn, parts.socket.empty() ? parts.host.c_str() : "localhost",
                          parts.user.c_str(), parts.password.c_str(),
                          parts.database.empty() ? nullptr : parts.database.c_str(), parts.port,
                          parts.socket.empty() ? nullptr : parts.socket.c_str(),
                          CLIENT_MULTI_STATEMENTS)) {
    const unsigned error = mysql_errno(conn);
    // The error number is the server's own code (MariaDB "Error Codes"), for scripts and searches.
    std::string message =
        fmt::format("{}: {} (MySQL error {})", where, Redact(mysql_error(conn)), error);
    mysql_close(conn);
    return IsTransient(error) ? Unavailable(std::move(message)) : DatabaseError(std::move(message));
  }
  if (parts.ssl_mode >= MysqlSslMode::kRequired && mysql_get_ssl_cipher(conn) == nullptr) {
    mysql_close(conn);
    return DatabaseError(fmt::format("{}: ssl-mode={}, but the connection is not encrypted", where,
                                     MysqlSslModeName(parts.ssl_mode)));
  }
  return conn;
}

}  // namespace

Result<std::unique_ptr<MysqlConnection>> MysqlConnection::Connect(const std::string& url) {
  ASSIGN_OR_RETURN(MysqlUrl parts, ParseMysqlUrl(url));
  RegisterSecret(parts.password);
  constexpr int kAttempts = 4;  // waits of 0.25, 0.5 and 1 s between them
  Status last;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    auto conn = ConnectOnce(url, parts);
    if (conn.ok()) {
      mysql_set_character_set(*conn, "utf8mb4");
      return std::unique_ptr<MysqlConnection>(new MysqlConnection(*conn));
    }
    last = conn.status();
    if (last.code() != StatusCode::kUnavailable) break;
    if (attempt < kAttempts) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250) * (1 << (attempt - 1)));
    }
  }
  return last;
}

MysqlConnection::~MysqlConnection() {
  mysql_close(conn_);
}

Status MysqlConnection::Error(std::string_view what) {
  const unsigned error = mysql_errno(conn_);
  std::string message =
      fmt::format("{}: {} (MySQL error {})", what, Redact(mysql_error(conn_)), error);
  if (error == CR_SERVER_GONE_ERROR || error == CR_SERVER_LOST) {
    return Unavailable(message + " (the connection to MySQL was lost)");
  }
  return DatabaseError(std::move(message));
}

Status MysqlConnection::Exec(std::string_view sql, std::string_view what) {
  if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) return Error(what);
  // Drain any result so the connection is ready for the next statement.
  do {
    if (MYSQL_RES* r = mysql_store_result(conn_)) mysql_free_result(r);
  } while (mysql_next_result(conn_) == 0);
  return Status::Ok();
}

Status MysqlConnection::Stream(std::string_view sql, std::string_view what,
                               const std::function<Status(const MysqlRow&)>& fn) {
  if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) return Error(what);
  MYSQL_RES* result = mysql_use_result(conn_);
  if (!result) return mysql_field_count(conn_) == 0 ? Status::Ok() : Error(what);
  const unsigned columns = mysql_num_fields(result);
  MysqlRow row(columns);
  Status status;
  while (MYSQL_ROW r = mysql_fetch_row(result)) {
    unsigned long* lengths = mysql_fetch_lengths(result);
    for (unsigned c = 0; c < columns; ++c) {
      row[c] =
          r[c] ? std::optional<std::string_view>(std::string_view(r[c], lengths[c])) : std::nullopt;
    }
    status = fn(row);
    if (!status.ok()) break;
  }
  // A failed callback leaves rows unread: they must still be drained before the next query.
  if (status.ok() && mysql_errno(conn_) != 0) status = Error(what);
  mysql_free_result(result);
  return status;
}

Status MysqlConnection::StreamBatches(std::string_view sql, std::string_view what,
                                      size_t batch_rows,
                                      const std::function<Status(const Batch&)>& fn) {
  if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) return Error(what);
  MYSQL_RES* result = mysql_use_result(conn_);
  if (!result) return mysql_field_count(conn_) == 0 ? Status::Ok() : Error(what);
  Schema schema;
  const unsigned columns = mysql_num_fields(result);
  MYSQL_FIELD* fields = mysql_fetch_fields(result);
  for (unsigned c = 0; c < columns; ++c) {
    schema.push_back({std::string(fields[c].name, fields[c].name_length), TypeOf(fields[c])});
  }
  Batch batch(schema);
  std::string error;
  Status status;
  while (MYSQL_ROW r = mysql_fetch_row(result)) {
    unsigned long* lengths = mysql_fetch_lengths(result);
    for (unsigned c = 0; c < columns && status.ok(); ++c) {
      auto value =
          r[c] ? std::optional<std::string_view>(std::string_view(r[c], lengths[c])) : std::nullopt;
      if (!batch.column(c).AppendParsed(value, &error)) {
        status = DatabaseError(fmt::format("{}: column {}: {}", what, schema[c].name, error));
      }
    }
    if (!status.ok()) break;
    if (batch.num_rows() >= batch_rows) {
      status = fn(batch);
      batch.Clear();
      if (!status.ok()) break;
    }
  }
  if (status.ok() && mysql_errno(conn_) != 0) status = Error(what);
  if (status.ok() && batch.num_rows() > 0) status = fn(batch);
  mysql_free_result(result);
  return status;
}

}  // namespace sluice
