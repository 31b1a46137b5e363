// The MariaDB connector against a real server (MariaDB on loopback in `make test`).
#include "connectors/mysql/mysql_connection.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "support/test_env.h"

namespace sluice {
namespace {

std::string MysqlUrl() {
  const char* url = std::getenv("SLUICE_MYSQL_URL");
  return url ? url : "";
}

#define SLUICE_REQUIRE_MYSQL()                                                          \
  do {                                                                                  \
    if (MysqlUrl().empty()) {                                                           \
      if (testing::ServicesRequired()) FAIL() << "SLUICE_MYSQL_URL is not set";         \
      GTEST_SKIP() << "no MySQL: set SLUICE_MYSQL_URL (scripts/services up prints it)"; \
    }                                                                                   \
  } while (0)

TEST(MysqlUrl, Parses) {
  auto u = ParseMysqlUrl("mysql://app:p%40ss@db.local:3307/sales");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->user, "app");
  EXPECT_EQ(u->password, "p@ss");
  EXPECT_EQ(u->host, "db.local");
  EXPECT_EQ(u->port, 3307u);
  EXPECT_EQ(u->database, "sales");
  EXPECT_FALSE(ParseMysqlUrl("postgresql://x@y/z").ok());
  EXPECT_FALSE(ParseMysqlUrl("mysql://h:99999/db").ok());
  // Found by fuzzing: the userinfo ends where the authority does, and URLs hold no spaces.
  EXPECT_FALSE(ParseMysqlUrl("mysql://user:secret?d@h/db").ok());
  EXPECT_FALSE(ParseMysqlUrl("mysql://us er:secret@h/db").ok());
  EXPECT_EQ(ParseMysqlUrl("mysql://u:p@h:3306/db?ssl=1")->database, "db");
}

TEST(MysqlConnection, StreamsTypedBatches) {
  SLUICE_REQUIRE_MYSQL();
  auto conn = MysqlConnection::Connect(MysqlUrl());
  ASSERT_TRUE(conn.ok()) << conn.status().message();
  const std::string table = testing::UniqueName("t");
  std::string name = "`" + table + "`";
  ASSERT_TRUE(
      (*conn)
          ->Exec("CREATE TABLE " + name + " (id INT, d DATE, v DOUBLE, s VARCHAR(20))", "create")
          .ok());
  ASSERT_TRUE((*conn)
                  ->Exec("INSERT INTO " + name +
                             " VALUES (1,'2023-09-13',1.5,'a'),(2,NULL,NULL,NULL),(3,'2024-02-29',"
                             "-2,'c,d')",
                         "insert")
                  .ok());
  std::vector<std::string> seen;
  size_t batches = 0;
  Status st = (*conn)->StreamBatches(
      "SELECT id, d, v, s FROM " + name + " ORDER BY id", "select", 2, [&](const Batch& b) {
        ++batches;
        EXPECT_EQ(b.column(0).type(), ColumnType::kInt64);
        EXPECT_EQ(b.column(1).type(), ColumnType::kDate);
        EXPECT_EQ(b.column(2).type(), ColumnType::kFloat64);
        for (size_t r = 0; r < b.num_rows(); ++r) {
          seen.push_back(std::to_string(b.column(0).Int(r)) + ":" +
                         (b.column(1).IsNull(r) ? "null" : std::to_string(b.column(1).Int(r))) +
                         ":" + (b.column(3).IsNull(r) ? "null" : std::string(b.column(3).Text(r))));
        }
        return Status::Ok();
      });
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(batches, 2u);
  EXPECT_EQ(seen, (std::vector<std::string>{"1:19613:a", "2:null:null", "3:19782:c,d"}));
  ASSERT_TRUE((*conn)->Exec("DROP TABLE " + name, "drop").ok());
}

TEST(MysqlConnection, ErrorsNameTheWorkAndNeverThePassword) {
  SLUICE_REQUIRE_MYSQL();
  auto conn = MysqlConnection::Connect(MysqlUrl());
  ASSERT_TRUE(conn.ok());
  Status st = (*conn)->Stream("SELECT * FROM no_such_table_here", "reading no_such_table_here",
                              [](const MysqlRow&) { return Status::Ok(); });
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("reading no_such_table_here"), std::string::npos);
  EXPECT_NE(st.message().find("doesn't exist"), std::string::npos) << st.message();

  auto parts = ParseMysqlUrl(MysqlUrl());
  const std::string bad = "mysql://" + parts->user + ":wrong-pass-never-shown@" + parts->host +
                          ":" + std::to_string(parts->port) + "/" + parts->database;
  auto refused = MysqlConnection::Connect(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message().find("wrong-pass-never-shown"), std::string::npos);
  EXPECT_NE(refused.status().message().find(":****@"), std::string::npos)
      << refused.status().message();
}

}  // namespace
}  // namespace sluice
