// A MySQL/MariaDB connection over libmariadb (Connector/C): connection from a mysql:// URL
// (mysql_url.h: TCP to host:port, or a Unix socket only when `socket=` asks; TLS per
// ssl-mode), statements, and results streamed row by row (mysql_use_result), so a read of
// millions of rows holds one row at a time. Errors name the work and never the password.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/mysql/mysql_url.h"
#include "core/batch.h"
#include "core/status.h"
#include "pipeline/option_spec.h"

struct st_mysql;

namespace sluice {

// The --mysql option: mysql://user:password@host:port/db?params (parameters: ParseMysqlUrl),
// else SLUICE_MYSQL_URL.
OptionSpec MysqlUrlOption();

// One row of a streamed result: field texts as the server sent them; nullopt for NULL.
using MysqlRow = std::vector<std::optional<std::string_view>>;

class MysqlConnection {
 public:
  // Connects, retrying for about two seconds while the server cannot be reached, is starting
  // or has no connection to spare (kUnavailable after the last try). A refused login, a bad
  // URL (kInvalidArgument) or TLS that ssl-mode asks for and the server lacks is not retried.
  static Result<std::unique_ptr<MysqlConnection>> Connect(const std::string& url);
  ~MysqlConnection();
  MysqlConnection(const MysqlConnection&) = delete;
  MysqlConnection& operator=(const MysqlConnection&) = delete;

  // Statement errors are kDatabase, except a connection lost on the way (CR_SERVER_GONE_ERROR,
  // CR_SERVER_LOST), which is kUnavailable: worth a new connection.
  Status Exec(std::string_view sql, std::string_view what);

  // Runs a query and calls `fn` for each row as it arrives from the server.
  Status Stream(std::string_view sql, std::string_view what,
                const std::function<Status(const MysqlRow&)>& fn);

  // Runs a query and hands its rows over as typed batches of up to `batch_rows`, the types
  // taken from the result's column metadata.
  Status StreamBatches(std::string_view sql, std::string_view what, size_t batch_rows,
                       const std::function<Status(const Batch&)>& fn);

 private:
  explicit MysqlConnection(st_mysql* conn) : conn_(conn) {}
  Status Error(std::string_view what);

  st_mysql* conn_;
};

}  // namespace sluice
