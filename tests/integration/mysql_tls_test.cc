// ssl-mode against a MariaDB of the test's own that offers TLS with a certificate from the
// test's CA for the name "localhost" only (tests/support/tls_mariadb.sh): each mode gets what
// it asks for, a certificate is verified when asked, and never otherwise.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "connectors/mysql/mysql_connection.h"
#include "support/test_env.h"

namespace sluice {
namespace {

bool OnPath(const char* program) {
  return std::system(fmt::format("command -v {} > /dev/null 2>&1", program).c_str()) == 0;
}

class MysqlTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (const char* program : {"mariadb-install-db", "mariadbd", "mysql", "openssl"}) {
      if (!OnPath(program)) {
        skip_ = fmt::format("{} is not installed (scripts/deps)", program);
        return;
      }
    }
    dir_ = std::filesystem::temp_directory_path() / fmt::format("sluice-tls-{}", getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    port_ = testing::FreeLoopbackPort();
    const std::string command = fmt::format("{}/support/tls_mariadb.sh {} {} DNS:localhost",
                                            SLUICE_TESTS_DIR, dir_.string(), port_);
    FILE* out = popen(command.c_str(), "r");
    char line[64] = {0};
    if (out && fgets(line, sizeof line, out)) pid_ = std::atoi(line);
    if (out) pclose(out);
    if (pid_ <= 0) skip_ = "the TLS MariaDB did not start; see " + dir_.string();
  }
  static void TearDownTestSuite() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      for (int i = 0; i < 100 && kill(pid_, 0) == 0; ++i)
        usleep(100000);
      pid_ = 0;
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
  }

  std::string Url(const std::string& host, const std::string& query) {
    return fmt::format("mysql://u:pw123456@{}:{}/d{}", host, port_, query);
  }
  std::string Ca() { return (dir_ / "ca.pem").string(); }

  // The session's TLS cipher ("" for plain text), or the connection's error.
  std::string Cipher(const std::string& url) {
    auto conn = MysqlConnection::Connect(url);
    if (!conn.ok()) return "error: " + conn.status().message();
    std::string cipher;
    Status st = (*conn)->Stream("SHOW SESSION STATUS LIKE 'Ssl_cipher'", "cipher",
                                [&](const MysqlRow& row) {
                                  cipher = std::string(row[1].value_or(""));
                                  return Status::Ok();
                                });
    return st.ok() ? cipher : "error: " + st.message();
  }

  static inline std::filesystem::path dir_;
  static inline int port_ = 0;
  static inline int pid_ = 0;
  static inline std::string skip_;
};

TEST_F(MysqlTlsTest, EachModeGetsWhatItAsksFor) {
  EXPECT_EQ(Cipher(Url("127.0.0.1", "?ssl-mode=DISABLED")), "");
  // PREFERRED, the default, and REQUIRED take TLS without checking the certificate.
  EXPECT_NE(Cipher(Url("127.0.0.1", "")), "");
  EXPECT_EQ(Cipher(Url("127.0.0.1", "")).find("error"), std::string::npos);
  const std::string required = Cipher(Url("127.0.0.1", "?ssl-mode=REQUIRED"));
  EXPECT_FALSE(required.empty());
  EXPECT_EQ(required.find("error"), std::string::npos) << required;
}

TEST_F(MysqlTlsTest, CertificatesAreVerifiedWhenAsked) {
  // The test's CA is nobody's default: without ssl-ca the certificate is refused.
  EXPECT_NE(Cipher(Url("localhost", "?ssl-mode=VERIFY_CA")).find("TLS/SSL error"),
            std::string::npos);
  // With it, the certificate for "localhost" is good for localhost.
  const std::string verified = Cipher(Url("localhost", "?ssl-mode=VERIFY_IDENTITY&ssl-ca=" + Ca()));
  EXPECT_FALSE(verified.empty());
  EXPECT_EQ(verified.find("error"), std::string::npos) << verified;
  // ssl-ca alone asks for VERIFY_CA.
  EXPECT_EQ(Cipher(Url("localhost", "?ssl-ca=" + Ca())).find("error"), std::string::npos);
  // ...and not for 127.0.0.1, a name the certificate does not hold.
  EXPECT_NE(Cipher(Url("127.0.0.1", "?ssl-mode=VERIFY_IDENTITY&ssl-ca=" + Ca()))
                .find("Validation of SSL server certificate failed"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice
