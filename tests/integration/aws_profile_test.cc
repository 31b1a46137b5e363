// End to end: `sluice` with nothing but AWS_PROFILE and the shared config files of a temporary
// HOME reaches the local SQS: static keys, a role assumed through the local STS, a
// credential_process. A secret from the files never reaches the output of a failing command.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "support/scoped_environment.h"
#include "support/test_env.h"

namespace sluice {
namespace {

constexpr const char* kProfileTestVariables[] = {
    "HOME",
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_STS",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
};

constexpr const char* kFileSecret = "file-secret-Zq81wXv";

// Moves the suite's AWS variables aside (keeping the local endpoint's URL for the files) and
// gives the test an empty HOME with a .aws folder; restores everything afterwards.
class AwsProfileCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SLUICE_REQUIRE_AWS();
    const char* endpoint = std::getenv("AWS_ENDPOINT_URL");
    endpoint_ = endpoint ? endpoint : "";
    env_.Clear(kProfileTestVariables);
    char pattern[] = "/tmp/sluice-aws-profile-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    home_ = pattern;
    ASSERT_EQ(mkdir((home_ + "/.aws").c_str(), 0700), 0);
    env_.Set("HOME", home_);
  }

  void TearDown() override {
    env_.Restore();
    std::error_code ignored;
    if (!home_.empty()) std::filesystem::remove_all(home_, ignored);
  }

  void Write(const std::string& relative, const std::string& text) {
    std::ofstream(home_ + "/" + relative) << text;
  }

  std::string endpoint_;
  std::string home_;
  testing::ScopedEnvironment env_;
};

TEST_F(AwsProfileCliTest, AProfileWithKeysAndAnEndpointCreatesAQueue) {
  Write(".aws/config", "[profile x]\nregion = us-east-1\nendpoint_url = " + endpoint_ + "\n");
  Write(".aws/credentials", "[x]\naws_access_key_id = testing\naws_secret_access_key = " +
                                std::string(kFileSecret) + "\n");
  setenv("AWS_PROFILE", "x", 1);
  const std::string queue = testing::UniqueName("profile-keys");
  auto run = testing::RunSluice({"queue", "create", queue}, "");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("/" + queue), std::string::npos) << run.out;
}

TEST_F(AwsProfileCliTest, WithoutTheFilesTheSameCommandHasNoCredentials) {
  // The case the issue opened with, turned round: no profile, no keys, no role.
  setenv("AWS_ENDPOINT_URL", endpoint_.c_str(), 1);
  auto run = testing::RunSluice({"queue", "create", testing::UniqueName("no-profile")}, "");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("no AWS credentials"), std::string::npos) << run.err;
  setenv("AWS_PROFILE", "x", 1);
  run = testing::RunSluice({"queue", "create", testing::UniqueName("no-profile")}, "");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("AWS profile 'x' (AWS_PROFILE) is in neither " + home_ +
                         "/.aws/config nor " + home_ + "/.aws/credentials"),
            std::string::npos)
      << run.err;
}

TEST_F(AwsProfileCliTest, ARoleAssumedThroughTheLocalStsCreatesAQueue) {
  // The local server answers STS too: the profile's endpoint_url serves both.
  Write(".aws/config", "[profile base]\naws_access_key_id = testing\naws_secret_access_key = " +
                           std::string(kFileSecret) +
                           "\n[profile reader]\nrole_arn = arn:aws:iam::123456789012:role/reader\n"
                           "source_profile = base\nrole_session_name = sluice-test\n"
                           "external_id = ext-42\nduration_seconds = 900\nendpoint_url = " +
                           endpoint_ + "\n");
  setenv("AWS_PROFILE", "reader", 1);
  const std::string queue = testing::UniqueName("profile-role");
  auto run = testing::RunSluice({"queue", "create", queue}, "");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("/" + queue), std::string::npos) << run.out;
  // With STS unreachable, the error says AssumeRole failed, and never shows the source's secret.
  setenv("AWS_ENDPOINT_URL_STS",
         ("http://127.0.0.1:" + std::to_string(testing::FreeLoopbackPort())).c_str(), 1);
  run = testing::RunSluice({"queue", "create", queue}, "");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("STS AssumeRole for arn:aws:iam::123456789012:role/reader"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(run.err.find(kFileSecret), std::string::npos) << run.err;
}

TEST_F(AwsProfileCliTest, AProfilesWebIdentityTokenFileCreatesAQueue) {
  Write("token", "eyJ.profile.token\n");
  Write(".aws/config",
        "[profile pod]\nrole_arn = arn:aws:iam::123456789012:role/pod\n"
        "web_identity_token_file = ~/token\nendpoint_url = " +
            endpoint_ + "\n");
  setenv("AWS_PROFILE", "pod", 1);
  const std::string queue = testing::UniqueName("profile-web");
  auto run = testing::RunSluice({"queue", "create", queue}, "");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("/" + queue), std::string::npos) << run.out;
  // Without its token file, the error names the token.
  std::remove((home_ + "/token").c_str());
  run = testing::RunSluice({"queue", "create", queue}, "");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("web identity token"), std::string::npos) << run.err;
}

TEST_F(AwsProfileCliTest, ACredentialProcessCreatesAQueue) {
  const std::string script = home_ + "/creds.sh";
  std::ofstream(script) << "#!/bin/sh\nprintf '{\"Version\": 1, \"AccessKeyId\": \"testing\", "
                           "\"SecretAccessKey\": \"process-secret-77\"}'\n";
  chmod(script.c_str(), 0700);
  Write(".aws/config",
        "[default]\ncredential_process = " + script + "\nendpoint_url = " + endpoint_ + "\n");
  const std::string queue = testing::UniqueName("profile-process");
  auto run = testing::RunSluice({"queue", "create", queue}, "");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("/" + queue), std::string::npos) << run.out;
}

TEST_F(AwsProfileCliTest, AFileSecretNeverAppearsInAFailingCommandsOutput) {
  // Unreachable SQS: the command fails after signing with the file's keys.
  Write(".aws/credentials", "[default]\naws_access_key_id = testing\naws_secret_access_key = " +
                                std::string(kFileSecret) +
                                "\naws_session_token = " + std::string(kFileSecret) + "-token\n");
  setenv("AWS_ENDPOINT_URL",
         ("http://127.0.0.1:" + std::to_string(testing::FreeLoopbackPort())).c_str(), 1);
  auto run = testing::RunSluice({"queue", "create", testing::UniqueName("profile-fail")}, "");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_EQ(run.out.find(kFileSecret), std::string::npos) << run.out;
  EXPECT_EQ(run.err.find(kFileSecret), std::string::npos) << run.err;
  // A malformed line holding the secret: the error names the line, not what is on it.
  Write(".aws/credentials", "[default]\naws_access_key_id = testing\naws_secret_access_key " +
                                std::string(kFileSecret) + "\n");
  run = testing::RunSluice({"queue", "create", testing::UniqueName("profile-fail")}, "");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("/.aws/credentials, line 3"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find(kFileSecret), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find(kFileSecret), std::string::npos) << run.out;
}

}  // namespace
}  // namespace sluice
