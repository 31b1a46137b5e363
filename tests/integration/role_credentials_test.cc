// End to end: with no AWS keys in the environment, `sluice` signs with credentials it fetches
// from STS for a web identity (the local server's STS), or from a container credentials
// endpoint: no ECS agent runs here, so a small HTTP server in the test stands in for it (it
// checks the authorization token). SQS is the real local server.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/scoped_environment.h"
#include "support/test_env.h"

namespace sluice {
namespace {

// A stand-in container credentials endpoint on loopback: GET /creds with the right
// Authorization header gets a credentials document, anything else 403. One request at a time.
class StandInEndpoint {
 public:
  StandInEndpoint() {
    listener_ = testing::ListenOnLoopback(&port_);
    if (listener_ >= 0) thread_ = std::thread([this] { Serve(); });
  }
  ~StandInEndpoint() {
    shutdown(listener_, SHUT_RDWR);  // wakes accept()
    if (thread_.joinable()) thread_.join();
    close(listener_);
  }
  int port() const { return port_; }

 private:
  void Serve() {
    for (;;) {
      const int client = accept(listener_, nullptr, nullptr);
      if (client < 0) return;
      const std::string request = testing::ReadHttpHead(client);
      const bool ok = request.starts_with("GET /creds ") &&
                      request.find("\r\nAuthorization: test-token\r\n") != std::string::npos;
      const std::string body =
          ok ? R"({"AccessKeyId":"AKIAROLE","SecretAccessKey":"role-secret-value",)"
               R"("Token":"role-session-token","Expiration":"2099-01-01T00:00:00Z"})"
             : "forbidden";
      const std::string response = std::string(ok ? "HTTP/1.1 200 OK" : "HTTP/1.1 403 Forbidden") +
                                   "\r\nContent-Length: " + std::to_string(body.size()) +
                                   "\r\nConnection: close\r\n\r\n" + body;
      (void)testing::SendAll(client, response);
      close(client);
    }
  }

  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
};

// The variables a NoKeysTest clears, and gets back as they were: the suite's keys, and the
// role variables the tests set.
constexpr const char* kNoKeysVariables[] = {"AWS_ACCESS_KEY_ID",
                                            "AWS_SECRET_ACCESS_KEY",
                                            "AWS_SESSION_TOKEN",
                                            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                            "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                                            "AWS_WEB_IDENTITY_TOKEN_FILE",
                                            "AWS_ROLE_ARN"};

// Sets the suite's AWS keys aside for the test, and restores them and clears what it set.
class NoKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SLUICE_REQUIRE_AWS();
    env_.Clear(kNoKeysVariables);
  }

  void TearDown() override { env_.Restore(); }

  testing::ScopedEnvironment env_;
};

class RoleCredentialsTest : public NoKeysTest {
 protected:
  std::string Url() const {
    return "http://127.0.0.1:" + std::to_string(endpoint_.port()) + "/creds";
  }

  StandInEndpoint endpoint_;
};

TEST_F(RoleCredentialsTest, AQueueIsCreatedWithFetchedCredentials) {
  setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", Url().c_str(), 1);
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "test-token", 1);
  auto run = testing::RunSluice({"queue", "create", testing::UniqueName("role-creds")}, "");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("/role-creds"), std::string::npos) << run.out;
  // The fetched secret never reaches the output.
  EXPECT_EQ(run.err.find("role-secret-value"), std::string::npos);
  EXPECT_EQ(run.out.find("role-secret-value"), std::string::npos);
}

TEST_F(RoleCredentialsTest, AWrongTokenIsAClearErrorWithoutTheToken) {
  setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", Url().c_str(), 1);
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "not-the-token", 1);
  auto run = testing::RunSluice({"queue", "create", testing::UniqueName("role-creds")}, "");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("container credentials endpoint"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("HTTP 403"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("not-the-token"), std::string::npos) << run.err;
}

class WebIdentityTest : public NoKeysTest {};

TEST_F(WebIdentityTest, AQueueIsCreatedWithCredentialsFromSts) {
  // AWS_ENDPOINT_URL points at the local server, which answers STS too.
  const std::string token = testing::WriteTempFile("web-identity-token", "eyJ.local.token\n");
  setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token.c_str(), 1);
  setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/sluice-consumer", 1);
  auto run = testing::RunSluice({"queue", "create", testing::UniqueName("web-identity")}, "");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("/web-identity"), std::string::npos) << run.out;
  std::remove(token.c_str());
  // Without its token file, the error names the file.
  auto missing = testing::RunSluice({"queue", "create", testing::UniqueName("web-identity")}, "");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("web identity token"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace sluice
