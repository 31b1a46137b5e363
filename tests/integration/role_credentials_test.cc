// End to end: with no AWS keys in the environment, `sluice` signs with credentials it fetches
// from a container credentials endpoint. No ECS agent runs here, so a small HTTP server stands
// in for it (it checks the authorization token); SQS is the real local server.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "support/test_env.h"

namespace sluice {
namespace {

// Serves one credentials document at /creds to requests bearing the token, 403 otherwise;
// prints its port, then serves until killed.
constexpr const char* kEndpoint = R"PY(
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.path == "/creds" and self.headers.get("Authorization") == "test-token"
        body = json.dumps({"AccessKeyId": "AKIAROLE", "SecretAccessKey": "role-secret-value",
                           "Token": "role-session-token",
                           "Expiration": "2099-01-01T00:00:00Z"}).encode()
        self.send_response(200 if ok else 403)
        self.end_headers()
        if ok: self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_port, flush=True)
s.serve_forever()
)PY";

class RoleCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SLUICE_REQUIRE_AWS();
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    server_ = fork();
    ASSERT_GE(server_, 0);
    if (server_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      execlp("python3", "python3", "-c", kEndpoint, static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    char line[32] = {};
    const ssize_t n = read(out[0], line, sizeof line - 1);
    close(out[0]);
    ASSERT_GT(n, 0) << "the stand-in endpoint did not start";
    port_ = std::atoi(line);
    ASSERT_GT(port_, 0);
    // The keys the rest of the suite uses are set aside for this test.
    for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}) {
      const char* v = std::getenv(name);
      saved_.emplace_back(name, v ? std::optional<std::string>(v) : std::nullopt);
      unsetenv(name);
    }
  }

  void TearDown() override {
    for (const auto& [name, value] : saved_) {
      if (value) setenv(name.c_str(), value->c_str(), 1);
    }
    unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    if (server_ > 0) {
      kill(server_, SIGTERM);
      waitpid(server_, nullptr, 0);
    }
  }

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/creds"; }

  pid_t server_ = -1;
  int port_ = 0;
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
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

}  // namespace
}  // namespace sluice
