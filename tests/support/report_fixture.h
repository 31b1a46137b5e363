// What the report job reads, made for one test: the lesson-completions table in MariaDB and the
// users table in the test's PostgreSQL schema, in the shapes of SPEC section 2 and
// ../shared/fixtures/mindtickle/setup (init.mysql.sql, init.pg.sql), plus names of the test's own.
#pragma once

#include <memory>
#include <string>

#include "connectors/mysql/mysql_connection.h"
#include "connectors/postgres/pg_connection.h"
#include "core/status.h"
#include "support/test_env.h"

namespace sluice::testing {

// The MariaDB URL from SLUICE_MYSQL_URL, or empty when the services are not running.
std::string MysqlUrl();

// Skips the test when no MariaDB is configured, or fails it under SLUICE_REQUIRE_SERVICES=1.
#define SLUICE_REQUIRE_MYSQL()                                                            \
  do {                                                                                    \
    if (::sluice::testing::MysqlUrl().empty()) {                                          \
      if (::sluice::testing::ServicesRequired()) FAIL() << "SLUICE_MYSQL_URL is not set"; \
      GTEST_SKIP() << "no MySQL: set SLUICE_MYSQL_URL";                                   \
    }                                                                                     \
  } while (0)

// UniqueName with '_' for '-', so that the name needs no quoting in SQL.
std::string UniqueTableName(const std::string& prefix);
// UniqueName with '-' for '_', which S3 bucket names cannot hold.
std::string UniqueBucketName(const std::string& prefix);

// A completions table of the test's own, named UniqueTableName(prefix), on a connection of its
// own to SLUICE_MYSQL_URL; dropped (if it was made) when the object goes.
class CompletionsTable {
 public:
  // Connects; makes nothing yet. Errors are the connection's.
  static Result<std::unique_ptr<CompletionsTable>> Open(const std::string& prefix);
  ~CompletionsTable();
  CompletionsTable(const CompletionsTable&) = delete;
  CompletionsTable& operator=(const CompletionsTable&) = delete;

  // CREATE TABLE with init.mysql.sql's columns: completion_id INT AUTO_INCREMENT PRIMARY KEY,
  // user_id INT, lesson_id INT, completion_date DATE, all NOT NULL.
  Status Create();
  // Adds rows to (user_id, lesson_id, completion_date): `rows` is the rest of the INSERT, a
  // "VALUES (1, 1, '2024-02-10'), ..." list or a SELECT of those three columns.
  Status Insert(const std::string& rows);

  const std::string& name() const { return name_; }
  MysqlConnection& mysql() { return *mysql_; }

 private:
  CompletionsTable(std::unique_ptr<MysqlConnection> mysql, std::string name)
      : mysql_(std::move(mysql)), name_(std::move(name)) {}

  std::unique_ptr<MysqlConnection> mysql_;
  std::string name_;
};

// Creates mindtickle_users with init.pg.sql's columns (user_id serial PRIMARY KEY, user_name
// varchar(255), active_status varchar(10), both NOT NULL) in `pg`'s schema, and inserts `values`
// ("(1, 'Ann', 'active'), ...") when given.
Status CreateUsersTable(PgConnection& pg, const std::string& values = "");

}  // namespace sluice::testing
