// Certificates are verified when asked: a PostgreSQL of the test's own with ssl=on and an S3/SQS
// endpoint behind a TLS proxy (socat in front of the local moto), both with a certificate from
// a CA the test makes for the name "localhost" only. Through the sluice command line, each is
// refused without that CA, or with another CA, or under another host name, and works with it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/report_fixture.h"
#include "support/test_env.h"

namespace sluice {
namespace {

using testing::RunResult;
using testing::RunSluice;

bool OnPath(const std::string& program) {
  return std::system(("command -v " + program + " > /dev/null 2>&1").c_str()) == 0;
}

bool WaitForPort(int port) {
  for (int i = 0; i < 200; ++i) {
    if (std::system(
            ("bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(port) + "' 2>/dev/null")
                .c_str()) == 0)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

class TlsVerify : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (const char* program : {"openssl", "initdb"}) {
      if (!OnPath(program) &&
          !(std::string(program) == "initdb" && std::filesystem::exists("/usr/lib/postgresql"))) {
        skip_ = std::string(program) + " is not installed (scripts/deps)";
        return;
      }
    }
    dir_ = std::filesystem::temp_directory_path() / ("sluice-pg-tls-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    pg_port_ = testing::FreeLoopbackPort();
    const std::string command = std::string(SLUICE_TESTS_DIR) + "/security/tls_postgres.sh " +
                                dir_.string() + " " + std::to_string(pg_port_) + " DNS:localhost";
    FILE* out = popen(command.c_str(), "r");
    char line[64] = {0};
    if (out && fgets(line, sizeof line, out)) pg_pid_ = std::atoi(line);
    if (out) pclose(out);
    if (pg_pid_ <= 0) {
      skip_ = "the TLS PostgreSQL did not start; see " + dir_.string();
      return;
    }
    // The TLS proxy in front of the local S3/SQS, with the same certificate.
    const char* endpoint = std::getenv("AWS_ENDPOINT_URL");
    if (!endpoint || !*endpoint || !OnPath("socat")) return;
    const std::string target = std::string(endpoint);
    const std::string host_port = target.substr(target.find("://") + 3);
    https_port_ = testing::FreeLoopbackPort();
    const std::string listen =
        "OPENSSL-LISTEN:" + std::to_string(https_port_) +
        ",bind=127.0.0.1,reuseaddr,fork,verify=0,cert=" + File("server.pem") +
        ",key=" + File("server.key");
    const std::string connect = "TCP:" + host_port.substr(0, host_port.find('/'));
    socat_pid_ = fork();
    if (socat_pid_ == 0) {
      // Its refusals of the handshakes the test makes fail on purpose are not news.
      const int null = open("/dev/null", O_WRONLY);
      if (null >= 0) dup2(null, 2);
      execlp("socat", "socat", listen.c_str(), connect.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    if (!WaitForPort(https_port_)) https_port_ = 0;
  }
  static void TearDownTestSuite() {
    if (socat_pid_ > 0) {
      kill(socat_pid_, SIGTERM);
      waitpid(socat_pid_, nullptr, 0);
      socat_pid_ = 0;
    }
    if (pg_pid_ > 0) {
      kill(pg_pid_, SIGINT);  // fast shutdown
      for (int i = 0; i < 100 && kill(pg_pid_, 0) == 0; ++i)
        usleep(100000);
      pg_pid_ = 0;
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  void SetUp() override {
    if (!skip_.empty()) {
      if (testing::ServicesRequired()) FAIL() << skip_;
      GTEST_SKIP() << skip_;
    }
  }

  static std::string Pg(const std::string& host, const std::string& query) {
    return "postgresql://postgres@" + host + ":" + std::to_string(pg_port_) + "/postgres" + query;
  }
  static std::string File(const char* name) { return (dir_ / name).string(); }

  // Runs a query through sluice; its output, or the failure's message.
  static RunResult Query(const std::string& url) {
    return RunSluice({"warehouse", "query", "--format", "csv", "-e",
                      "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", "--pg", url},
                     "");
  }

  static inline std::filesystem::path dir_;
  static inline int pg_port_ = 0;
  static inline int pg_pid_ = 0;
  static inline int https_port_ = 0;
  static inline int socat_pid_ = 0;
  static inline std::string skip_;
};

TEST_F(TlsVerify, PostgresVerifiesTheServerCertificateWhenAsked) {
  // Without verification the session is still encrypted.
  RunResult require = Query(Pg("127.0.0.1", "?sslmode=require"));
  EXPECT_EQ(require.exit_code, 0) << require.err;
  EXPECT_NE(require.out.find("t"), std::string::npos) << require.out;

  // verify-full and verify-ca without the test's CA: libpq finds no root certificate.
  for (const char* mode : {"verify-full", "verify-ca"}) {
    RunResult refused = Query(Pg("localhost", std::string("?sslmode=") + mode));
    EXPECT_EQ(refused.exit_code, 1) << mode << "\n" << refused.out;
    EXPECT_NE(refused.err.find("root certificate"), std::string::npos) << refused.err;
  }
  // Another CA: the chain does not verify.
  RunResult other =
      Query(Pg("localhost", "?sslmode=verify-full&sslrootcert=" + File("other-ca.pem")));
  EXPECT_EQ(other.exit_code, 1) << other.out;
  EXPECT_NE(other.err.find("certificate verify failed"), std::string::npos) << other.err;
  // The right CA under a name the certificate does not hold: verify-full refuses, verify-ca
  // (which checks the chain only) accepts.
  RunResult wrong_name =
      Query(Pg("127.0.0.1", "?sslmode=verify-full&sslrootcert=" + File("ca.pem")));
  EXPECT_EQ(wrong_name.exit_code, 1) << wrong_name.out;
  EXPECT_NE(wrong_name.err.find("does not match host name"), std::string::npos) << wrong_name.err;
  RunResult chain_only = Query(Pg("127.0.0.1", "?sslmode=verify-ca&sslrootcert=" + File("ca.pem")));
  EXPECT_EQ(chain_only.exit_code, 0) << chain_only.err;
  // The right CA and name: verified, and the session is TLS.
  RunResult verified = Query(Pg("localhost", "?sslmode=verify-full&sslrootcert=" + File("ca.pem")));
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_NE(verified.out.find("t"), std::string::npos) << verified.out;
}

// SQS and S3 through an https endpoint: libcurl verifies against the system's CAs unless
// AWS_CA_BUNDLE names others; the host name is checked either way.
TEST_F(TlsVerify, HttpsEndpointsVerifyTheCertificate) {
  SLUICE_REQUIRE_AWS();
  if (!OnPath("socat")) GTEST_SKIP() << "socat is not installed (scripts/deps)";
  ASSERT_GT(https_port_, 0) << "the TLS proxy (socat) did not start";
  const std::string https = "https://localhost:" + std::to_string(https_port_);
  const std::string queue = testing::UniqueName("tls-q");
  const char* saved = std::getenv("AWS_CA_BUNDLE");
  const std::string saved_value = saved ? saved : "";
  auto create = [&](const std::string& endpoint, const std::string& bundle) {
    if (bundle.empty()) {
      unsetenv("AWS_CA_BUNDLE");
    } else {
      setenv("AWS_CA_BUNDLE", bundle.c_str(), 1);
    }
    // At debug level every retry is logged ("retrying after ... ms").
    return RunSluice({"queue", "create", queue, "--sqs-endpoint", endpoint, "--log-level", "debug"},
                     "");
  };
  auto lake = [&](const std::string& bundle) {
    setenv("AWS_CA_BUNDLE", bundle.c_str(), 1);
    if (bundle.empty()) unsetenv("AWS_CA_BUNDLE");
    return RunSluice({"lake", "build", "s3://" + testing::UniqueBucketName("tls-missing") + "/",
                      "--s3-endpoint", https},
                     "");
  };
  RunResult system_cas = create(https, "");
  EXPECT_EQ(system_cas.exit_code, 1) << system_cas.out;
  EXPECT_NE(system_cas.err.find("certificate"), std::string::npos) << system_cas.err;
  // A certificate that does not verify is not retried (it will not verify the next time), and
  // the message names the setting that fixes it.
  EXPECT_NE(system_cas.err.find("not signed by a trusted CA"), std::string::npos) << system_cas.err;
  EXPECT_NE(system_cas.err.find("AWS_CA_BUNDLE"), std::string::npos) << system_cas.err;
  EXPECT_EQ(system_cas.err.find("retrying"), std::string::npos) << system_cas.err;
  RunResult other = create(https, File("other-ca.pem"));
  EXPECT_EQ(other.exit_code, 1) << other.out;
  EXPECT_NE(other.err.find("certificate"), std::string::npos) << other.err;
  RunResult wrong_name = create("https://127.0.0.1:" + std::to_string(https_port_), File("ca.pem"));
  EXPECT_EQ(wrong_name.exit_code, 1) << wrong_name.out;
  // A certificate for another host name is the server's to fix: no advice about CAs.
  EXPECT_NE(wrong_name.err.find("does not name the endpoint's host"), std::string::npos)
      << wrong_name.err;
  EXPECT_EQ(wrong_name.err.find("AWS_CA_BUNDLE"), std::string::npos) << wrong_name.err;
  RunResult verified = create(https, File("ca.pem"));
  EXPECT_EQ(verified.exit_code, 0) << verified.err;

  RunResult s3_refused = lake("");
  EXPECT_EQ(s3_refused.exit_code, 1);
  EXPECT_NE(s3_refused.err.find("certificate"), std::string::npos) << s3_refused.err;
  // With the CA the request reaches S3, which answers that the bucket is missing.
  RunResult s3_reached = lake(File("ca.pem"));
  EXPECT_NE(s3_reached.exit_code, 0);
  EXPECT_EQ(s3_reached.err.find("certificate"), std::string::npos) << s3_reached.err;
  EXPECT_NE(s3_reached.err.find("bucket"), std::string::npos) << s3_reached.err;

  if (saved) {
    setenv("AWS_CA_BUNDLE", saved_value.c_str(), 1);
  } else {
    unsetenv("AWS_CA_BUNDLE");
  }
}

// The AWS profile's ca_bundle is trusted for SQS as AWS_CA_BUNDLE is; the variable wins when
// both are set (docs/aws.md).
TEST_F(TlsVerify, TheAwsProfilesCaBundleIsTrusted) {
  SLUICE_REQUIRE_AWS();
  if (!OnPath("socat")) GTEST_SKIP() << "socat is not installed (scripts/deps)";
  ASSERT_GT(https_port_, 0) << "the TLS proxy (socat) did not start";
  const std::string https = "https://localhost:" + std::to_string(https_port_);
  std::vector<std::pair<std::string, std::optional<std::string>>> saved;
  for (const char* name : {"AWS_CA_BUNDLE", "AWS_CONFIG_FILE", "AWS_PROFILE"}) {
    const char* v = std::getenv(name);
    saved.emplace_back(name, v ? std::optional<std::string>(v) : std::nullopt);
    unsetenv(name);
  }
  const std::string config = File("aws-config");
  setenv("AWS_CONFIG_FILE", config.c_str(), 1);
  setenv("AWS_PROFILE", "tls", 1);
  auto create = [&](const char* profile_ca) {
    std::ofstream(config) << "[profile tls]\nca_bundle = " << File(profile_ca) << "\n";
    return RunSluice(
        {"queue", "create", testing::UniqueName("tls-profile"), "--sqs-endpoint", https}, "");
  };
  RunResult trusted = create("ca.pem");
  EXPECT_EQ(trusted.exit_code, 0) << trusted.err;
  RunResult other = create("other-ca.pem");
  EXPECT_EQ(other.exit_code, 1) << other.out;
  EXPECT_NE(other.err.find("certificate"), std::string::npos) << other.err;
  setenv("AWS_CA_BUNDLE", File("ca.pem").c_str(), 1);
  RunResult environment_wins = create("other-ca.pem");
  EXPECT_EQ(environment_wins.exit_code, 0) << environment_wins.err;
  for (const auto& [name, value] : saved) {
    if (value) {
      setenv(name.c_str(), value->c_str(), 1);
    } else {
      unsetenv(name.c_str());
    }
  }
}

}  // namespace
}  // namespace sluice
