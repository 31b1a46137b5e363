#include "connectors/mysql/mysql_connection.h"

#include <fmt/format.h>
#include <mysql.h>

#include <charconv>
#include <cstdlib>

#include "core/secrets.h"
#include "core/strings.h"

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

Result<MysqlUrl> ParseMysqlUrl(const std::string& url) {
  constexpr std::string_view kScheme = "mysql://";
  if (!url.starts_with(kScheme) && !url.starts_with("mariadb://")) {
    return InvalidArgument(fmt::format(
        "'{}' is not a MySQL URL (mysql://user:password@host:port/database)", RedactUrl(url)));
  }
  // Whitespace and control characters are not URL characters; accepting them would also let a
  // password hide from redaction, which ends a URL at the first space.
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return InvalidArgument("the MySQL URL contains whitespace or a control character");
    }
  }
  std::string_view rest = std::string_view(url).substr(url.find("://") + 3);
  MysqlUrl out;
  // The authority ends at the first '/', '?' or '#' (RFC 3986); its last '@' ends the userinfo.
  const size_t authority_end = rest.find_first_of("/?#");
  size_t at = rest.substr(0, authority_end).rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    size_t colon = userinfo.find(':');
    out.user = PercentDecode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) out.password = PercentDecode(userinfo.substr(colon + 1));
    rest.remove_prefix(at + 1);
  }
  const size_t host_end = rest.find_first_of("/?#");
  std::string_view hostport = rest.substr(0, host_end);
  if (host_end != std::string_view::npos && rest[host_end] == '/') {
    std::string_view db = rest.substr(host_end + 1);
    out.database = PercentDecode(db.substr(0, db.find_first_of("?#")));
  }
  size_t colon = hostport.rfind(':');
  if (colon != std::string_view::npos) {
    std::string_view port = hostport.substr(colon + 1);
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
    if (ec != std::errc() || end != port.data() + port.size() || out.port == 0 ||
        out.port > 65535) {
      return InvalidArgument(fmt::format("'{}' has a bad port", RedactUrl(url)));
    }
    hostport = hostport.substr(0, colon);
  }
  if (!hostport.empty()) out.host = hostport;
  return out;
}

Result<std::string> ResolveMysqlUrl(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("SLUICE_MYSQL_URL"); env && *env) return std::string(env);
  return InvalidArgument("no MySQL connection: pass --mysql mysql://... or set SLUICE_MYSQL_URL");
}

Result<std::unique_ptr<MysqlConnection>> MysqlConnection::Connect(const std::string& url) {
  ASSIGN_OR_RETURN(MysqlUrl parts, ParseMysqlUrl(url));
  RegisterSecret(parts.password);
  MYSQL* conn = mysql_init(nullptr);
  if (!conn) return Internal("cannot allocate a MySQL connection");
  unsigned timeout = 10;
  mysql_optionsv(conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  if (!mysql_real_connect(conn, parts.host.c_str(), parts.user.c_str(), parts.password.c_str(),
                          parts.database.empty() ? nullptr : parts.database.c_str(), parts.port,
                          nullptr, CLIENT_MULTI_STATEMENTS)) {
    std::string message = Redact(mysql_error(conn));
    mysql_close(conn);
    return Unavailable(fmt::format("cannot connect to MySQL at {}: {}", RedactUrl(url), message));
  }
  mysql_set_character_set(conn, "utf8mb4");
  return std::unique_ptr<MysqlConnection>(new MysqlConnection(conn));
}

MysqlConnection::~MysqlConnection() {
  mysql_close(conn_);
}

Status MysqlConnection::Error(std::string_view what) {
  return DatabaseError(fmt::format("{}: {}", what, Redact(mysql_error(conn_))));
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
