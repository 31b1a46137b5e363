#include "support/report_fixture.h"

#include <cstdlib>

namespace sluice::testing {
namespace {

std::string Replaced(std::string text, char from, char to) {
  for (char& c : text) {
    if (c == from) c = to;
  }
  return text;
}

}  // namespace

std::string MysqlUrl() {
  const char* url = std::getenv("SLUICE_MYSQL_URL");
  return url ? url : "";
}

std::string UniqueTableName(const std::string& prefix) {
  return Replaced(UniqueName(prefix), '-', '_');
}

std::string UniqueBucketName(const std::string& prefix) {
  return Replaced(UniqueName(prefix), '_', '-');
}

Result<std::unique_ptr<CompletionsTable>> CompletionsTable::Open(const std::string& prefix) {
  auto mysql = MysqlConnection::Connect(MysqlUrl());
  if (!mysql.ok()) return mysql.status();
  return std::unique_ptr<CompletionsTable>(
      new CompletionsTable(std::move(mysql).value(), UniqueTableName(prefix)));
}

CompletionsTable::~CompletionsTable() {
  (void)mysql_->Exec("DROP TABLE IF EXISTS `" + name_ + "`", "drop");
}

Status CompletionsTable::Create() {
  return mysql_->Exec("CREATE TABLE `" + name_ +
                          "` (completion_id INT AUTO_INCREMENT PRIMARY KEY, user_id INT NOT NULL, "
                          "lesson_id INT NOT NULL, completion_date DATE NOT NULL)",
                      "create completions");
}

Status CompletionsTable::Insert(const std::string& rows) {
  return mysql_->Exec("INSERT INTO `" + name_ + "` (user_id, lesson_id, completion_date) " + rows,
                      "completions");
}

Status CreateUsersTable(PgConnection& pg, const std::string& values) {
  std::string sql =
      "CREATE TABLE mindtickle_users (user_id serial PRIMARY KEY, user_name varchar(255) NOT "
      "NULL, active_status varchar(10) NOT NULL)";
  if (!values.empty()) sql += "; INSERT INTO mindtickle_users VALUES " + values;
  return pg.Exec(sql, "create users");
}

}  // namespace sluice::testing
