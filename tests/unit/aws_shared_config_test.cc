// The AWS shared config and credentials files: how they are read (shared_config.h), and the
// order in which ResolveAwsConfig takes settings from flags, the environment and a profile.
// Each test writes its files in a temporary HOME and sets the variables it needs; the fixture
// clears every AWS variable first and restores them all afterwards.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "aws/aws_config.h"
#include "aws/shared_config.h"
#include "core/secrets.h"
#include "support/scoped_environment.h"

namespace sluice {
namespace {

constexpr const char* kAwsVariables[] = {
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
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_STS",
    "AWS_CA_BUNDLE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_EC2_METADATA_DISABLED",
};

class AwsProfileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.Clear(kAwsVariables);
    env_.Set("AWS_EC2_METADATA_DISABLED", "true");
    char pattern[] = "/tmp/sluice-aws-home-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    home_ = pattern;
    ASSERT_EQ(mkdir((home_ + "/.aws").c_str(), 0700), 0);
    env_.Set("HOME", home_);
  }

  void TearDown() override {
    env_.Restore();
    SetAwsCaBundle("");
    std::error_code ignored;
    std::filesystem::remove_all(home_, ignored);
  }

  void WriteFile(const std::string& relative, const std::string& text) {
    std::ofstream(home_ + "/" + relative) << text;
  }
  void WriteConfig(const std::string& text) { WriteFile(".aws/config", text); }
  void WriteCredentials(const std::string& text) { WriteFile(".aws/credentials", text); }

  // A shell script in HOME, executable, for credential_process.
  std::string WriteScript(const std::string& name, const std::string& body) {
    const std::string path = home_ + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    chmod(path.c_str(), 0700);
    return path;
  }

  std::string home_;
  testing::ScopedEnvironment env_;
};

AwsSharedConfig AwsParsed(const std::string& text,
                          AwsSharedFileKind kind = AwsSharedFileKind::kConfig) {
  AwsSharedConfig config;
  const Status status = ParseAwsSharedFile(text, kind, "/x/config", &config);
  EXPECT_TRUE(status.ok()) << status.message();
  return config;
}

TEST(AwsSharedFile, ReadsProfilesServicesAndSubSettings) {
  const AwsSharedConfig config = AwsParsed(
      "# a comment\n"
      "[default]\n"
      "region = eu-west-1 ; an inline comment\n"
      "[profile dev]\n"
      "Region=us-west-2\n"
      "services = local\n"
      "s3 =\n"
      "  addressing_style = path\n"
      "\n"
      "[services local]\n"
      "sqs =\n"
      "  endpoint_url = http://127.0.0.1:9324\n"
      "s3 =\n"
      "  endpoint_url = http://127.0.0.1:9000\n"
      "[sso-session corp]\n"
      "sso_region = us-east-1\n"
      "[not-a-profile]\n"
      "region = nowhere\n");
  ASSERT_EQ(config.profiles.size(), 2u);
  EXPECT_EQ(config.profiles.at("default").at("region"), "eu-west-1");
  const AwsSettings& dev = config.profiles.at("dev");
  EXPECT_EQ(dev.at("region"), "us-west-2");  // keys are case-insensitive
  EXPECT_EQ(dev.at("services"), "local");
  EXPECT_EQ(dev.at("s3.addressing_style"), "path");
  const AwsSettings& local = config.services.at("local");
  EXPECT_EQ(local.at("sqs.endpoint_url"), "http://127.0.0.1:9324");
  EXPECT_EQ(local.at("s3.endpoint_url"), "http://127.0.0.1:9000");
}

TEST(AwsSharedFile, CredentialsFileSectionsAreProfileNames) {
  const AwsSharedConfig config =
      AwsParsed("[default]\naws_access_key_id = AKIDDEFAULT\n[profile x]\naws_access_key_id = B\n",
                AwsSharedFileKind::kCredentials);
  EXPECT_EQ(config.profiles.at("default").at("aws_access_key_id"), "AKIDDEFAULT");
  // In the credentials file "[profile x]" is a profile named "profile x", as in the SDKs.
  EXPECT_EQ(config.profiles.at("profile x").at("aws_access_key_id"), "B");
}

TEST(AwsSharedFile, LinesLongerThanInihsBufferAreReadWhole) {
  // Session tokens run to a thousand characters; inih's line buffer holds 200.
  const std::string token(1200, 'T');
  const std::string command = "/usr/bin/get-credentials " + std::string(300, 'a') + " --x";
  const AwsSharedConfig config =
      AwsParsed("[default]\naws_session_token = " + token + "\ncredential_process = " + command +
                "  ; comment\n#" + std::string(500, 'c') + "\nregion = r\n");
  const AwsSettings& p = config.profiles.at("default");
  EXPECT_EQ(p.at("aws_session_token"), token);
  EXPECT_EQ(p.at("credential_process"), command);
  EXPECT_EQ(p.at("region"), "r");
}

TEST(AwsSharedFile, LinesAroundInihsBufferSizeAreReadWhole) {
  // inih's buffer holds 199 bytes and the NUL: lines of each length around it, with and
  // without '\r', plain and indented.
  for (size_t length = 190; length <= 210; ++length) {
    for (const std::string end : {"\n", "\r\n"}) {
      const std::string key = "credential_process = ";
      const std::string value(length - key.size(), 'v');
      const AwsSharedConfig config =
          AwsParsed("[default]" + end + key + value + end + "s3 =" + end +
                    "  endpoint_url = " + value + end + "region = r" + end);
      const AwsSettings& p = config.profiles.at("default");
      EXPECT_EQ(p.at("credential_process"), value) << length;
      EXPECT_EQ(p.at("s3.endpoint_url"), value) << length;
      EXPECT_EQ(p.at("region"), "r") << length;
    }
  }
}

TEST(AwsSharedFile, AContinuedValueKeepsItsLines) {
  const AwsSharedConfig config = AwsParsed("[default]\nnote = first\n  second\n");
  EXPECT_EQ(config.profiles.at("default").at("note"), "first\nsecond");
}

TEST(AwsSharedFile, MalformedLinesAreNamedWithoutTheirText) {
  struct Case {
    std::string text;
    int line;
    std::string why;
  };
  const Case cases[] = {
      {"[default]\nregion = a\naws_secret_access_key wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLE\n", 3,
       "expected a [section]"},
      {"region = a\n[default]\n", 1, "before any [section]"},
      {"[default]\n[profile unclosed\n", 2, "expected a [section]"},
      {"[default]\ns3 =\n  wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLE\n", 3, "under 's3 ='"},
      {std::string("[default]\nregion = a\0b\n", 23), 2, "NUL byte"},
      {"[default]\n" + std::string(300, 'k') + "\n", 2, "too long"},
  };
  for (const Case& c : cases) {
    AwsSharedConfig config;
    const Status status =
        ParseAwsSharedFile(c.text, AwsSharedFileKind::kConfig, "/home/u/.aws/config", &config);
    ASSERT_FALSE(status.ok()) << c.text;
    EXPECT_EQ(status.code(), StatusCode::kUsage);
    EXPECT_NE(status.message().find("AWS config file /home/u/.aws/config, line " +
                                    std::to_string(c.line) + ":"),
              std::string::npos)
        << status.message();
    EXPECT_NE(status.message().find(c.why), std::string::npos) << status.message();
    EXPECT_EQ(status.message().find("wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLE"), std::string::npos)
        << status.message();
  }
}

// The AWS CLI takes a services section's sub-setting only when it is indented under its
// service: one that is not is a setting of the section itself, which has none. It is named, not
// ignored (ignoring it left S3 on AWS's public endpoint without a word), and kept with its
// section: the file is read, and a profile that names the section is refused (below).
TEST(AwsSharedFile, AServicesSettingThatIsNotIndentedIsNamed) {
  struct Case {
    std::string text;
    int line;
    std::string why;
  };
  const Case cases[] = {
      {"[profile dev]\nservices = local\n[services local]\ns3 =\nendpoint_url = "
       "http://127.0.0.1:9000\n",
       5, "in [services local], 'endpoint_url' is not indented"},
      {"[services local]\nsqs =\n  endpoint_url = http://127.0.0.1:9324\ns3 =\n"
       "endpoint_url = http://127.0.0.1:9000\n",
       5, "indent it under 's3 ='"},
      {"[services local]\ns3 = http://127.0.0.1:9000\n", 2,
       "in [services local], 's3' has a value of its own"},
      {"[services local]\n  endpoint_url = http://127.0.0.1:9000\n", 2,
       "'endpoint_url' has a value of its own"},
  };
  for (const Case& c : cases) {
    AwsSharedConfig config;
    const Status status =
        ParseAwsSharedFile(c.text, AwsSharedFileKind::kConfig, "/home/u/.aws/config", &config);
    ASSERT_TRUE(status.ok()) << c.text << status.message();
    ASSERT_TRUE(config.services_faults.contains("local")) << c.text;
    const std::string& fault = config.services_faults.at("local");
    EXPECT_NE(
        fault.find("AWS config file /home/u/.aws/config, line " + std::to_string(c.line) + ":"),
        std::string::npos)
        << fault;
    EXPECT_NE(fault.find(c.why), std::string::npos) << fault;
    EXPECT_EQ(fault.find("http://"), std::string::npos) << fault;
  }
  // Indented, the same lines are s3's; a service with nothing under it is no error.
  const AwsSharedConfig config =
      AwsParsed("[services local]\nsqs =\ns3 =\n  endpoint_url = http://127.0.0.1:9000\n");
  EXPECT_EQ(config.services.at("local").at("s3.endpoint_url"), "http://127.0.0.1:9000");
  // A profile's own keys are as free as before, and the credentials file has no services.
  AwsParsed("[profile dev]\ns3 =\nendpoint_url = http://127.0.0.1:9000\n");
  AwsParsed("[services local]\nendpoint_url = x\n", AwsSharedFileKind::kCredentials);
}

TEST(AwsSharedFile, EachSettingKeepsTheFileAndLineItWasReadOn) {
  AwsSharedConfig config;
  ASSERT_TRUE(ParseAwsSharedFile("[profile dev]\nregion = eu-west-1\nnote = a\n  b\n"
                                 "[services local]\ns3 =\n  endpoint_url = http://h:1\n",
                                 AwsSharedFileKind::kConfig, "/c", &config)
                  .ok());
  ASSERT_TRUE(ParseAwsSharedFile("[dev]\n\nregion = us-west-2\n", AwsSharedFileKind::kCredentials,
                                 "/k", &config)
                  .ok());
  // The credentials file's value won, and so did its line.
  EXPECT_EQ(AwsSettingWhere(config.profile_origins, "dev", "region"), "/k:3");
  EXPECT_EQ(AwsSettingWhere(config.profile_origins, "dev", "note"), "/c:3");
  EXPECT_EQ(AwsSettingWhere(config.services_origins, "local", "s3.endpoint_url"), "/c:7");
  EXPECT_EQ(AwsSettingWhere(config.profile_origins, "dev", "missing"), "");
  EXPECT_EQ(AwsSettingWhere(config.profile_origins, "nobody", "region"), "");
}

TEST(AwsSharedFile, SecretsAreRegisteredAsTheyAreRead) {
  AwsParsed(
      "[default]\naws_secret_access_key = file-secret-0f3a9c\naws_session_token = "
      "tok-77b1e2-session-token\n",
      AwsSharedFileKind::kCredentials);
  EXPECT_EQ(Redact("a file-secret-0f3a9c b").find("file-secret-0f3a9c"), std::string::npos);
  EXPECT_EQ(Redact("a tok-77b1e2-session-token b").find("tok-77b1e2-session-token"),
            std::string::npos);
}

TEST_F(AwsProfileTest, TheDefaultProfileGivesKeysRegionAndEndpoint) {
  WriteConfig("[default]\nregion = eu-west-1\n");
  WriteCredentials(
      "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s3cr3t-file\n"
      "aws_session_token = file-token\n");
  auto config = ResolveAwsConfig("", "sqs");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->region, "eu-west-1");
  EXPECT_EQ(config->endpoint.host, "sqs.eu-west-1.amazonaws.com");
  EXPECT_EQ(config->provider, nullptr);
  EXPECT_EQ(config->credentials.access_key_id, "AKIDFILE");
  EXPECT_EQ(config->credentials.secret_access_key, "s3cr3t-file");
  EXPECT_EQ(config->credentials.session_token, "file-token");
}

TEST_F(AwsProfileTest, TheCredentialsFileWinsOverTheConfigFileForTheSameProfile) {
  WriteConfig(
      "[profile dev]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = from-config\n"
      "region = ap-south-1\n");
  WriteCredentials("[dev]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = from-creds\n");
  setenv("AWS_PROFILE", "dev", 1);
  auto config = ResolveAwsConfig("", "s3");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->credentials.access_key_id, "AKIDCREDS");
  EXPECT_EQ(config->credentials.secret_access_key, "from-creds");
  EXPECT_EQ(config->region, "ap-south-1");  // what only the config file has still counts
}

TEST_F(AwsProfileTest, FilesAreFoundThroughTheirVariables) {
  WriteFile("elsewhere-config", "[profile x]\nregion = ca-central-1\n");
  WriteFile("elsewhere-creds", "[x]\naws_access_key_id = AKIDX\naws_secret_access_key = sx\n");
  setenv("AWS_CONFIG_FILE", (home_ + "/elsewhere-config").c_str(), 1);
  setenv("AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere-creds", 1);  // "~/" is HOME
  setenv("AWS_PROFILE", "x", 1);
  auto config = ResolveAwsConfig("", "sqs");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->region, "ca-central-1");
  EXPECT_EQ(config->credentials.access_key_id, "AKIDX");
}

TEST_F(AwsProfileTest, EndpointsFollowTheSdkOrder) {
  WriteConfig(
      "[profile dev]\n"
      "endpoint_url = http://127.0.0.1:7000\n"
      "services = local\n"
      "aws_access_key_id = A\n"
      "aws_secret_access_key = secret-a\n"
      "[services local]\n"
      "sqs =\n"
      "  endpoint_url = http://127.0.0.1:9324/\n");
  setenv("AWS_PROFILE", "dev", 1);
  auto host = [](const std::string& flag, std::string_view service) {
    auto config = ResolveAwsConfig(flag, service);
    EXPECT_TRUE(config.ok()) << config.status().message();
    return config.ok() ? config->endpoint.host : "";
  };
  // The services section's entry for the service, else the profile's endpoint_url.
  EXPECT_EQ(host("", "sqs"), "127.0.0.1:9324");
  EXPECT_EQ(host("", "s3"), "127.0.0.1:7000");
  // AWS_ENDPOINT_URL wins over both; AWS_ENDPOINT_URL_<SERVICE> over it; the flag over all.
  setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1111", 1);
  EXPECT_EQ(host("", "sqs"), "127.0.0.1:1111");
  setenv("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:2222", 1);
  EXPECT_EQ(host("", "sqs"), "127.0.0.1:2222");
  EXPECT_EQ(host("", "s3"), "127.0.0.1:1111");
  EXPECT_EQ(host("http://127.0.0.1:3333", "sqs"), "127.0.0.1:3333");
}

TEST_F(AwsProfileTest, TheEnvironmentWinsOverTheProfile) {
  WriteConfig("[default]\nregion = eu-west-1\n");
  WriteCredentials("[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = file-s\n");
  setenv("AWS_DEFAULT_REGION", "eu-north-1", 1);
  auto config = ResolveAwsConfig("", "sqs");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->region, "eu-north-1");
  setenv("AWS_REGION", "eu-central-1", 1);
  setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
  setenv("AWS_PROFILE", "default", 1);  // even a profile named explicitly: the keys win
  config = ResolveAwsConfig("", "sqs");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->region, "eu-central-1");
  EXPECT_EQ(config->credentials.access_key_id, "AKIDENV");
}

// A region that is not one host-name label fails at once, naming where it came from, instead of
// failing at the service with an error that names neither.
TEST_F(AwsProfileTest, ARegionThatIsNoRegionNameIsRefusedNamingItsSource) {
  WriteConfig("[default]\nregion = us-east-1 # the comment is part of the value\n");
  auto config = ResolveAwsConfig("", "sqs");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kUsage);
  EXPECT_NE(config.status().message().find("'us-east-1 # the comment is part of the value'"),
            std::string::npos)
      << config.status().message();
  setenv("AWS_REGION", "us-east-1 x", 1);
  config = ResolveAwsConfig("", "sqs");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("(from AWS_REGION)"), std::string::npos)
      << config.status().message();
  setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
  for (const char* good : {"eu-central-1", "us-gov-west-1", "cn-north-1", "local"}) {
    setenv("AWS_REGION", good, 1);
    config = ResolveAwsConfig("", "sqs");
    EXPECT_TRUE(config.ok()) << good << ": " << config.status().message();
  }
}

TEST_F(AwsProfileTest, ANamedProfileWinsOverAWebIdentityAndTheDefaultProfileDoesNot) {
  WriteFile("token", "eyJ.token\n");
  setenv("AWS_WEB_IDENTITY_TOKEN_FILE", (home_ + "/token").c_str(), 1);
  setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/pod", 1);
  WriteCredentials(
      "[default]\naws_access_key_id = AKIDDEF\naws_secret_access_key = def-s\n"
      "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = dev-s\n");
  auto config = ResolveAwsConfig("", "sqs");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_NE(config->provider, nullptr);  // the web identity
  EXPECT_TRUE(config->credentials.access_key_id.empty());
  setenv("AWS_PROFILE", "dev", 1);
  config = ResolveAwsConfig("", "sqs");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->provider, nullptr);
  EXPECT_EQ(config->credentials.access_key_id, "AKIDDEV");
}

TEST_F(AwsProfileTest, ANamedProfileInNeitherFileIsAnErrorNamingBoth) {
  WriteConfig("[profile other]\nregion = us-east-1\n");
  setenv("AWS_PROFILE", "missing", 1);
  setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
  auto config = ResolveAwsConfig("", "sqs");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kUsage);
  const std::string& m = config.status().message();
  EXPECT_NE(m.find("'missing'"), std::string::npos) << m;
  EXPECT_NE(m.find(home_ + "/.aws/config"), std::string::npos) << m;
  EXPECT_NE(m.find(home_ + "/.aws/credentials"), std::string::npos) << m;
}

TEST_F(AwsProfileTest, MissingFilesAreFineAndAMalformedOneIsNamed) {
  setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
  EXPECT_TRUE(ResolveAwsConfig("", "sqs").ok());
  WriteCredentials("[default]\naws_access_key_id = A\n\nthis line is wrong\n");
  auto config = ResolveAwsConfig("", "sqs");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(
      config.status().message().find("AWS credentials file " + home_ + "/.aws/credentials, line 4"),
      std::string::npos)
      << config.status().message();
}

TEST_F(AwsProfileTest, HalfAPairOfKeysIsAnError) {
  WriteCredentials("[default]\naws_access_key_id = AKIDONLY\n");
  auto config = ResolveAwsConfig("", "sqs");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("without aws_secret_access_key"), std::string::npos)
      << config.status().message();
}

TEST_F(AwsProfileTest, RolesNeedASourceAndServicesASection) {
  setenv("AWS_PROFILE", "r", 1);
  WriteConfig("[profile r]\nrole_arn = arn:aws:iam::1:role/x\n");
  auto config = ResolveAwsConfig("", "sqs");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("neither source_profile nor web_identity_token_file"),
            std::string::npos)
      << config.status().message();
  WriteConfig("[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = gone\n");
  config = ResolveAwsConfig("", "sqs");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("'gone' is in neither"), std::string::npos)
      << config.status().message();
  WriteConfig(
      "[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = r\n"
      "aws_access_key_id = A\naws_secret_access_key = secret-r\nduration_seconds = 60\n");
  config = ResolveAwsConfig("", "sqs");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("duration_seconds"), std::string::npos)
      << config.status().message();
  WriteConfig(
      "[profile r]\nservices = nowhere\naws_access_key_id = A\n"
      "aws_secret_access_key = secret-r\n");
  config = ResolveAwsConfig("", "sqs");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("no [services nowhere] section"), std::string::npos)
      << config.status().message();
}

// A fault in a services section stops only a profile that names that section: another
// profile, or the default, is read as if the section were not there.
TEST_F(AwsProfileTest, AFaultInAServicesSectionStopsOnlyTheProfilesThatNameIt) {
  WriteConfig(
      "[default]\naws_access_key_id = AKIDDEF\naws_secret_access_key = def-s\n"
      "[profile uses]\nservices = other\naws_access_key_id = AKIDUSES\n"
      "aws_secret_access_key = uses-s\n"
      "[services other]\ns3 =\nendpoint_url = http://127.0.0.1:9000\n");
  auto config = ResolveAwsConfig("", "s3");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->credentials.access_key_id, "AKIDDEF");
  EXPECT_EQ(config->endpoint.host, "s3.us-east-1.amazonaws.com");
  env_.Set("AWS_PROFILE", "uses");
  config = ResolveAwsConfig("", "s3");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kUsage);
  EXPECT_NE(config.status().message().find("/.aws/config, line 10: in [services other], "
                                           "'endpoint_url' is not indented"),
            std::string::npos)
      << config.status().message();
  EXPECT_NE(config.status().message().find("AWS profile 'uses' names"), std::string::npos)
      << config.status().message();
}

TEST_F(AwsProfileTest, ARoleWithASourceProfileGetsAProvider) {
  WriteConfig(
      "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-s\n"
      "[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = base\n");
  setenv("AWS_PROFILE", "r", 1);
  auto config = ResolveAwsConfig("", "sqs");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_NE(config->provider, nullptr);
  // A loop of sources is refused, not followed for ever.
  WriteConfig(
      "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
      "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n");
  setenv("AWS_PROFILE", "a", 1);
  config = ResolveAwsConfig("", "sqs");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("loop"), std::string::npos) << config.status().message();
}

// Enough of a PEM file for the check made when the settings are resolved (curl reads it).
constexpr const char* kPemText = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

TEST_F(AwsProfileTest, TheCaBundleComesFromTheEnvironmentElseTheProfile) {
  WriteFile("corp-ca.pem", kPemText);
  WriteFile("other-ca.pem", kPemText);
  WriteConfig(
      "[default]\nca_bundle = ~/corp-ca.pem\naws_access_key_id = A\n"
      "aws_secret_access_key = secret-a\n");
  auto config = ResolveAwsConfig("", "s3");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(AwsCaBundle(), home_ + "/corp-ca.pem");
  EXPECT_EQ(config->sources.ca_bundle_source,
            "ca_bundle of profile 'default' (" + home_ + "/.aws/config:2)");
  setenv("AWS_CA_BUNDLE", (home_ + "/other-ca.pem").c_str(), 1);
  config = ResolveAwsConfig("", "s3");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(AwsCaBundle(), home_ + "/other-ca.pem");
  EXPECT_EQ(config->sources.ca_bundle_source, "AWS_CA_BUNDLE");
}

// A CA bundle that is missing or not PEM is named with the setting that gave it, when the
// settings are resolved: not found later as a TLS failure that names neither.
TEST_F(AwsProfileTest, ABadCaBundleIsNamedWithItsSettingAndPath) {
  setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
  WriteFile("not-pem.txt", "just some text\n");
  const std::string missing = home_ + "/no-such-ca.pem";
  struct Case {
    std::string variable;  // AWS_CA_BUNDLE's value, or "" to use the profile's
    std::string profile_value;
    std::vector<std::string> said;
  };
  const Case cases[] = {
      {missing, "", {"AWS_CA_BUNDLE names the CA bundle " + missing, "does not exist"}},
      {home_ + "/not-pem.txt",
       "",
       {"AWS_CA_BUNDLE names the CA bundle " + home_ + "/not-pem.txt", "not a PEM file"}},
      {home_, "", {"AWS_CA_BUNDLE names the CA bundle " + home_, "is not a file"}},
      {"",
       "~/no-such-ca.pem",
       {"ca_bundle of profile 'default' (" + home_ + "/.aws/config:2) names the CA bundle " +
            missing,
        "does not exist"}},
  };
  for (const Case& c : cases) {
    if (c.variable.empty()) {
      unsetenv("AWS_CA_BUNDLE");
    } else {
      setenv("AWS_CA_BUNDLE", c.variable.c_str(), 1);
    }
    WriteConfig(c.profile_value.empty() ? "[default]\n"
                                        : "[default]\nca_bundle = " + c.profile_value + "\n");
    auto config = ResolveAwsConfig("", "s3");
    ASSERT_FALSE(config.ok()) << c.variable << c.profile_value;
    EXPECT_EQ(config.status().code(), StatusCode::kUsage);
    for (const std::string& part : c.said) {
      EXPECT_NE(config.status().message().find(part), std::string::npos)
          << config.status().message();
    }
  }
}

// Where each setting came from, as `sluice check` shows it.
TEST_F(AwsProfileTest, TheSourceOfEachSettingIsKept) {
  WriteConfig(
      "[profile dev]\n"
      "region = eu-west-1\n"
      "services = local\n"
      "endpoint_url = http://127.0.0.1:7000\n"
      "[services local]\n"
      "sqs =\n"
      "  endpoint_url = http://127.0.0.1:9324\n");
  WriteCredentials("[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = dev-secret-4\n");
  setenv("AWS_PROFILE", "dev", 1);
  const std::string config_file = home_ + "/.aws/config";
  auto sqs = ResolveAwsConfig("", "sqs");
  ASSERT_TRUE(sqs.ok()) << sqs.status().message();
  EXPECT_EQ(sqs->sources.profile, "dev");
  EXPECT_EQ(sqs->sources.profile_source, "AWS_PROFILE");
  EXPECT_EQ(sqs->sources.region_source, "region of profile 'dev' (" + config_file + ":2)");
  EXPECT_EQ(sqs->sources.endpoint_source,
            "[services local] of profile 'dev' (" + config_file + ":7)");
  EXPECT_EQ(sqs->sources.credentials_kind, "profile");
  EXPECT_EQ(sqs->sources.credentials_source,
            "aws_access_key_id of profile 'dev' (" + home_ + "/.aws/credentials:2)");
  EXPECT_EQ(sqs->sources.ca_bundle_source, "");
  auto s3 = ResolveAwsConfig("", "s3");
  ASSERT_TRUE(s3.ok()) << s3.status().message();
  EXPECT_EQ(s3->sources.endpoint_source, "endpoint_url of profile 'dev' (" + config_file + ":4)");
  EXPECT_EQ(ResolveAwsConfig("http://127.0.0.1:1", "s3")->sources.endpoint_source, "flag");

  setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:2", 1);
  setenv("AWS_DEFAULT_REGION", "eu-north-1", 1);
  setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "env-secret-5", 1);
  s3 = ResolveAwsConfig("", "s3");
  ASSERT_TRUE(s3.ok()) << s3.status().message();
  EXPECT_EQ(s3->sources.endpoint_source, "AWS_ENDPOINT_URL_S3");
  EXPECT_EQ(s3->sources.region_source, "AWS_DEFAULT_REGION");
  EXPECT_EQ(s3->sources.credentials_kind, "environment");
  EXPECT_EQ(s3->sources.credentials_source, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");

  // Nothing set but the keys: the defaults.
  for (const char* name : {"AWS_PROFILE", "AWS_ENDPOINT_URL_S3", "AWS_DEFAULT_REGION"}) {
    unsetenv(name);
  }
  WriteConfig("");
  WriteCredentials("");
  auto bare = ResolveAwsConfig("", "s3");
  ASSERT_TRUE(bare.ok()) << bare.status().message();
  EXPECT_EQ(bare->sources.profile, "default");
  EXPECT_EQ(bare->sources.profile_source, "default");
  EXPECT_EQ(bare->sources.region_source, "default");
  EXPECT_EQ(bare->sources.endpoint_source, "default");
  for (const std::string& text :
       {sqs->sources.credentials_source, s3->sources.credentials_source}) {
    EXPECT_EQ(text.find("secret"), std::string::npos) << text;
  }
}

TEST_F(AwsProfileTest, AnEmptyCredentialProcessIsNamedWithItsFileAndLine) {
  setenv("AWS_PROFILE", "p", 1);
  for (const std::string value : {"", "  \"\"  "}) {
    WriteConfig("[profile p]\nregion = eu-west-1\ncredential_process =" + value + "\n");
    auto config = ResolveAwsConfig("", "sqs");
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.status().code(), StatusCode::kUsage);
    EXPECT_EQ(config.status().message(),
              "credential_process in profile 'p' (" + home_ + "/.aws/config:3) is empty");
  }
  // As the source of a role's profile too.
  WriteConfig(
      "[profile p]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = base\n"
      "[profile base]\ncredential_process =\n");
  auto config = ResolveAwsConfig("", "sqs");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("credential_process in profile 'base' (" + home_ +
                                           "/.aws/config:5) is empty"),
            std::string::npos)
      << config.status().message();
}

TEST_F(AwsProfileTest, CredentialProcessIsRunWithoutAShell) {
  // The arguments arrive as written, quotes removed and nothing expanded.
  const std::string script = WriteScript("creds with space.sh",
                                         "printf '{\"Version\": 1, \"AccessKeyId\": \"%s\", "
                                         "\"SecretAccessKey\": \"proc-secret-9-long-enough\", "
                                         "\"SessionToken\": \"%s\"}' \"$1\" \"$2\"\n");
  WriteConfig("[profile p]\ncredential_process = \"" + script + "\" \"AKID ONE\" $HOME\n");
  setenv("AWS_PROFILE", "p", 1);
  auto config = ResolveAwsConfig("", "sqs");
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_NE(config->provider, nullptr);
  auto credentials = config->CurrentCredentials();
  ASSERT_TRUE(credentials.ok()) << credentials.status().message();
  EXPECT_EQ(credentials->access_key_id, "AKID ONE");
  EXPECT_EQ(credentials->secret_access_key, "proc-secret-9-long-enough");
  EXPECT_EQ(credentials->session_token, "$HOME");
  EXPECT_EQ(Redact("x proc-secret-9-long-enough y").find("proc-secret-9-long-enough"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice
