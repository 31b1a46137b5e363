// A MySQL/MariaDB connection over libmariadb (Connector/C): connection from a mysql:// URL,
// statements, and results streamed row by row (mysql_use_result), so a read of millions of
// rows holds one row at a time. Errors name the work and never the password.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/batch.h"
#include "core/status.h"

struct st_mysql;

namespace sluice {

struct MysqlUrl {
  std::string user;
  std::string password;
  std::string host = "127.0.0.1";
  unsigned port = 3306;
  std::string database;
};

// Parses mysql://user:password@host:port/database (user and password percent-decoded).
Result<MysqlUrl> ParseMysqlUrl(const std::string& url);

// The MySQL URL from `--mysql` if given, else SLUICE_MYSQL_URL.
Result<std::string> ResolveMysqlUrl(const std::string& flag_value);

// One row of a streamed result: field texts as the server sent them; nullopt for NULL.
using MysqlRow = std::vector<std::optional<std::string_view>>;

class MysqlConnection {
 public:
  static Result<std::unique_ptr<MysqlConnection>> Connect(const std::string& url);
  ~MysqlConnection();
  MysqlConnection(const MysqlConnection&) = delete;
  MysqlConnection& operator=(const MysqlConnection&) = delete;

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
