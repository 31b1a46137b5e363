// The MariaDB connector against a real server (MariaDB on loopback in `make test`).
#include "connectors/mysql/mysql_connection.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "support/report_fixture.h"
#include "support/test_env.h"

namespace sluice {
namespace {

using testing::MysqlUrl;

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
  // Parameters are honoured or refused, never dropped.
  auto unknown = ParseMysqlUrl("mysql://u:secret-pw@h:3306/db?ssl=1");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kUsage);
  EXPECT_NE(unknown.status().message().find("parameter 'ssl' is not known"), std::string::npos)
      << unknown.status().message();
}

TEST(MysqlUrl, HostsPortsAndDatabasesAsRfc3986Reads) {
  auto v6 = ParseMysqlUrl("mysql://u:p@[::1]:53306/db");
  ASSERT_TRUE(v6.ok()) << v6.status().message();
  EXPECT_EQ(v6->host, "::1");  // no brackets
  EXPECT_EQ(v6->port, 53306u);
  EXPECT_EQ(ParseMysqlUrl("mysql://u@[2001:db8::7]/db")->host, "2001:db8::7");
  EXPECT_EQ(ParseMysqlUrl("mysql://u@[fe80::1%25eth0]:3306/db")->host, "fe80::1%eth0");
  auto local = ParseMysqlUrl("mariadb://u:p@localhost:53306/sales");
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->host, "localhost");
  EXPECT_EQ(local->port, 53306u);
  EXPECT_EQ(ParseMysqlUrl("mysql://u@db.example/x")->port, 3306u);
  EXPECT_EQ(ParseMysqlUrl("mysql://u@db.example")->database, "");
  EXPECT_EQ(ParseMysqlUrl("mysql://u@db.example/my%20db")->database, "my db");
  // Userinfo percent-decoded: ':' '@' '/' '%' and non-ASCII in a password.
  auto pw = ParseMysqlUrl("mysql://us%3Aer:p%3A%40%2F%25%C3%A9@h/db");
  ASSERT_TRUE(pw.ok());
  EXPECT_EQ(pw->user, "us:er");
  EXPECT_EQ(pw->password, "p:@/%\xc3\xa9");
  for (const char* bad : {"mysql://u:p@[::1/db", "mysql://u:p@h:0/db", "mysql://u:p@h:port/db",
                          "mysql://u:p@h/a/b", "mysql://u:p@h/db#frag", "mysql://u:pa@ss@h/db",
                          "mysql:///db", "mysql://u:p@h:3306:1/db"}) {
    auto r = ParseMysqlUrl(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kUsage) << bad;
    }
  }
  // The password never shows in an error, however the URL is broken.
  auto broken = ParseMysqlUrl("mysql://u:hidden-secret@[::1/db");
  EXPECT_EQ(broken.status().message().find("hidden-secret"), std::string::npos)
      << broken.status().message();
}

TEST(MysqlUrl, TlsAndOtherParameters) {
  auto tls = ParseMysqlUrl(
      "mysql://u:p@h/db?ssl-mode=verify_identity&ssl-ca=%2Fetc%2Fca.pem&ssl_cert=/c.pem&ssl-key=/"
      "k.pem"
      "&connect-timeout=3");
  ASSERT_TRUE(tls.ok()) << tls.status().message();
  EXPECT_EQ(tls->ssl_mode, MysqlSslMode::kVerifyIdentity);
  EXPECT_EQ(tls->ssl_ca, "/etc/ca.pem");
  EXPECT_EQ(tls->ssl_cert, "/c.pem");
  EXPECT_EQ(tls->ssl_key, "/k.pem");
  EXPECT_EQ(tls->connect_timeout_seconds, 3u);
  EXPECT_EQ(ParseMysqlUrl("mysql://u@h/db")->ssl_mode, MysqlSslMode::kPreferred);
  EXPECT_EQ(ParseMysqlUrl("mysql://u@h/db?ssl-mode=DISABLED")->ssl_mode, MysqlSslMode::kDisabled);
  EXPECT_EQ(ParseMysqlUrl("mysql://u@h/db?ssl-mode=Required")->ssl_mode, MysqlSslMode::kRequired);
  EXPECT_EQ(ParseMysqlUrl("mysql://u@h/db?ssl-mode=VERIFY_CA")->ssl_mode, MysqlSslMode::kVerifyCa);
  // A CA without a mode asks for it to be checked, as MySQL's client takes it.
  EXPECT_EQ(ParseMysqlUrl("mysql://u@h/db?ssl-ca=/ca.pem")->ssl_mode, MysqlSslMode::kVerifyCa);
  EXPECT_EQ(ParseMysqlUrl("mysql://u@h/db?socket=%2Ftmp%2Fm.sock")->socket, "/tmp/m.sock");
  struct Case {
    const char* url;
    const char* why;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"mysql://u@h/db?sslmode=require", "parameter 'sslmode' is not known"},
           {"mysql://u@h/db?ssl-mode=REQUIRED&password=x", "parameter 'password' is not known"},
           {"mysql://u@h/db?ssl-mode=ON", "ssl-mode must be DISABLED, PREFERRED"},
           {"mysql://u@h/db?ssl-mode=REQUIRED&ssl-mode=DISABLED", "'ssl-mode' twice"},
           {"mysql://u@h/db?ssl-mode=DISABLED&ssl-ca=/ca.pem", "ssl-mode=DISABLED and also"},
           {"mysql://u@h/db?ssl-cert=/c.pem", "ssl-cert and ssl-key together"},
           {"mysql://u@h/db?ssl-ca=", "'ssl-ca' needs a value"},
           {"mysql://u@h/db?connect-timeout=0", "connect-timeout must be"},
           {"mysql://u@h/db?connect-timeout=9999", "connect-timeout must be"},
           {"mysql://u@h/db?socket=/s&ssl-mode=REQUIRED", "over a Unix socket"},
       }) {
    auto r = ParseMysqlUrl(c.url);
    ASSERT_FALSE(r.ok()) << c.url;
    EXPECT_EQ(r.status().code(), StatusCode::kUsage);
    EXPECT_NE(r.status().message().find(c.why), std::string::npos) << r.status().message();
  }
}

// The local URL with its host, port or parameters changed.
std::string LocalUrl(const std::string& host, const std::string& query = "") {
  auto parts = ParseMysqlUrl(MysqlUrl());
  return "mysql://" + parts->user + ":" + parts->password + "@" + host + ":" +
         std::to_string(parts->port) + "/" + parts->database + query;
}

std::string Scalar(MysqlConnection& conn, const std::string& sql) {
  std::string out;
  Status st = conn.Stream(sql, "scalar", [&](const MysqlRow& row) {
    out = row[0] ? std::string(*row[0]) : "NULL";
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.message();
  return out;
}

TEST(MysqlConnection, LocalhostWithAPortIsTcpToThatPort) {
  SLUICE_REQUIRE_MYSQL();
  // libmariadb alone would take "localhost" for its default socket and ignore the port.
  auto conn = MysqlConnection::Connect(LocalUrl("localhost"));
  ASSERT_TRUE(conn.ok()) << conn.status().message();
  // The server shows a TCP client as host:port, a socket client as a bare "localhost".
  const std::string host =
      Scalar(**conn, "SELECT HOST FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()");
  EXPECT_NE(host.find(':'), std::string::npos) << host;
  EXPECT_EQ(Scalar(**conn, "SELECT @@port"), std::to_string(ParseMysqlUrl(MysqlUrl())->port));
}

TEST(MysqlConnection, ASocketIsUsedOnlyWhenNamed) {
  SLUICE_REQUIRE_MYSQL();
  const char* dir = std::getenv("SLUICE_SERVICES_DIR");
  if (!dir) GTEST_SKIP() << "SLUICE_SERVICES_DIR is not set: the socket's path is unknown";
  const std::string socket = std::string(dir) + "/mariadb/mysqld.sock";
  auto conn = MysqlConnection::Connect(LocalUrl("localhost", "?socket=" + socket));
  ASSERT_TRUE(conn.ok()) << conn.status().message();
  EXPECT_EQ(Scalar(**conn,
                   "SELECT HOST FROM information_schema.PROCESSLIST WHERE ID = "
                   "CONNECTION_ID()"),
            "localhost");
}

TEST(MysqlConnection, AnIpv6HostReachesTheConnectorWithoutBrackets) {
  SLUICE_REQUIRE_MYSQL();
  // The local server listens on 127.0.0.1 only: the connect fails, but on the address ::1,
  // not on a host named "[::1]".
  auto conn = MysqlConnection::Connect(LocalUrl("[::1]", "?connect-timeout=2"));
  if (conn.ok()) {
    EXPECT_EQ(Scalar(**conn, "SELECT 1"), "1");  // a server that listens on ::1 too
    return;
  }
  EXPECT_NE(conn.status().message().find("on '::1'"), std::string::npos) << conn.status().message();
}

TEST(MysqlConnection, TlsThatIsAskedForIsNeverPlainText) {
  SLUICE_REQUIRE_MYSQL();
  auto plain = MysqlConnection::Connect(MysqlUrl() + "?ssl-mode=DISABLED");
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  auto preferred = MysqlConnection::Connect(MysqlUrl() + "?ssl-mode=PREFERRED");
  ASSERT_TRUE(preferred.ok()) << preferred.status().message();
  const bool server_has_tls = Scalar(**preferred, "SELECT @@have_ssl") == "YES";
  if (server_has_tls)
    GTEST_SKIP() << "the local server offers TLS; this test needs one that does not";
  // REQUIRED: refused before any login is sent.
  auto required = MysqlConnection::Connect(MysqlUrl() + "?ssl-mode=REQUIRED");
  ASSERT_FALSE(required.ok());
  EXPECT_EQ(required.status().code(), StatusCode::kDatabase);
  EXPECT_NE(required.status().message().find(
                "ssl-mode=REQUIRED, but the server does not offer TLS (nothing was sent to it)"),
            std::string::npos)
      << required.status().message();
  for (const char* mode : {"VERIFY_CA", "VERIFY_IDENTITY"}) {
    auto verified = MysqlConnection::Connect(MysqlUrl() + "?ssl-mode=" + mode);
    ASSERT_FALSE(verified.ok()) << mode;
    EXPECT_NE(verified.status().message().find("SSL is required, but the server does not"),
              std::string::npos)
        << verified.status().message();
  }
}

TEST(MysqlConnection, AStatementOnALostConnectionIsUnavailable) {
  SLUICE_REQUIRE_MYSQL();
  auto victim = MysqlConnection::Connect(MysqlUrl());
  auto killer = MysqlConnection::Connect(MysqlUrl());
  ASSERT_TRUE(victim.ok() && killer.ok());
  const std::string id = Scalar(**victim, "SELECT CONNECTION_ID()");
  ASSERT_TRUE((*killer)->Exec("KILL " + id, "kill").ok());
  Status st = (*victim)->Stream("SELECT 1", "reading after the kill",
                                [](const MysqlRow&) { return Status::Ok(); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.message();
  EXPECT_NE(st.message().find("the connection to MySQL was lost"), std::string::npos);
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
