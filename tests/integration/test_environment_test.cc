// The test environment keeps to the machine: no credential lookup falls through to a cloud
// metadata address. (Every integration test also runs through support/loopback_guard.sh, which
// fails a test that connects outside loopback.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>

#include "support/test_env.h"

namespace sluice {
namespace {

TEST(TestEnvironment, InstanceMetadataIsDisabled) {
  // Set by ctest (tests/CMakeLists.txt), `make test` and `scripts/services env`.
  const char* disabled = std::getenv("AWS_EC2_METADATA_DISABLED");
  ASSERT_NE(disabled, nullptr);
  EXPECT_STREQ(disabled, "true");
}

// Without keys, a command fails at once with a clear error instead of asking 169.254.169.254.
TEST(TestEnvironment, WithoutKeysACommandFailsOnTheMachine) {
  std::vector<std::pair<std::string, std::optional<std::string>>> saved;
  for (const char* name :
       {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_EC2_METADATA_DISABLED"}) {
    const char* v = std::getenv(name);
    saved.emplace_back(name, v ? std::optional<std::string>(v) : std::nullopt);
    unsetenv(name);
  }
  // The spawned sluice gets AWS_EC2_METADATA_DISABLED=true from the test support alone.
  auto run = testing::RunSluice(
      {"queue", "create", "no-keys", "--sqs-endpoint", "http://127.0.0.1:1"}, "");
  for (const auto& [name, value] : saved) {
    if (value) setenv(name.c_str(), value->c_str(), 1);
  }
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("no AWS credentials"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace sluice
