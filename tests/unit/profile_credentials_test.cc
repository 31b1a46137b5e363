// credential_process (a small script the test writes plays the command) and AssumeRole (a
// scripted transport plays STS, to see what is signed with which key; the local STS is used
// end to end in integration/aws_profile_test.cc).
#include "aws/profile_credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <deque>
#include <fstream>

namespace sluice {
namespace {

using namespace std::chrono_literals;
using ProcessTimePoint = std::chrono::system_clock::time_point;

class ProcessCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sluice-credential-process-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { (void)!std::system(("rm -rf '" + dir_ + "'").c_str()); }

  std::string Script(const std::string& body) {
    const std::string path = dir_ + "/creds.sh";
    std::ofstream(path) << "#!/bin/sh\n" << body;
    chmod(path.c_str(), 0700);
    return path;
  }

  std::string dir_;
};

TEST(CredentialProcessCommand, SplitsOnSpacesAndKeepsQuotedOnesTogether) {
  auto argv = SplitCredentialProcessCommand("  \"/opt/my tools/creds\" --user helen \"a b\"\t$X");
  ASSERT_TRUE(argv.ok()) << argv.status().message();
  EXPECT_EQ(*argv,
            (std::vector<std::string>{"/opt/my tools/creds", "--user", "helen", "a b", "$X"}));
  EXPECT_FALSE(SplitCredentialProcessCommand("\"unclosed").ok());
  EXPECT_FALSE(SplitCredentialProcessCommand("   ").ok());
}

TEST_F(ProcessCredentialsTest, RunsAgainShortlyBeforeTheyExpire) {
  // Each run counts itself in a file and answers with a new key.
  const std::string script = Script(
      "n=$(cat \"$0.count\" 2>/dev/null || echo 0); n=$((n+1)); echo $n > \"$0.count\"\n"
      "printf '{\"Version\": 1, \"AccessKeyId\": \"AKID%s\", \"SecretAccessKey\": \"ps-%s\", "
      "\"SessionToken\": \"pt-%s\", \"Expiration\": \"2026-11-22T12:00:00Z\"}' $n $n $n\n");
  ProcessTimePoint now = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 11h;
  auto provider = MakeProcessCredentials("p", script, [&] { return now; });
  auto first = provider->Get();
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->access_key_id, "AKID1");
  EXPECT_EQ(first->secret_access_key, "ps-1");
  EXPECT_EQ(first->session_token, "pt-1");
  now += 50min;  // ten minutes before the expiration: the cached ones serve
  EXPECT_EQ(provider->Get()->access_key_id, "AKID1");
  now += 6min;  // within five minutes of it: the command runs again
  EXPECT_EQ(provider->Get()->access_key_id, "AKID2");
}

TEST_F(ProcessCredentialsTest, ANonZeroExitIsAnErrorThatQuotesNothingItWrote) {
  const std::string script = Script(
      "echo '{\"SecretAccessKey\": \"leaked-secret-123\"}'\necho 'its own message' >&2\n"
      "exit 3\n");
  auto credentials = MakeProcessCredentials("p", script + " --password hunter2-arg")->Get();
  ASSERT_FALSE(credentials.ok());
  const std::string& m = credentials.status().message();
  EXPECT_NE(m.find("credential_process of AWS profile 'p'"), std::string::npos) << m;
  EXPECT_NE(m.find("exited with status 3"), std::string::npos) << m;
  EXPECT_EQ(m.find("leaked-secret-123"), std::string::npos) << m;
  EXPECT_EQ(m.find("hunter2-arg"), std::string::npos) << m;  // the arguments are not shown
}

TEST_F(ProcessCredentialsTest, OutputThatIsNotTheDocumentIsAnErrorThatQuotesNothing) {
  struct Case {
    std::string output;
    std::string why;
  };
  const Case cases[] = {
      {"AccessKeyId=AKID SecretAccessKey=leaked-secret-456", "something other than a JSON object"},
      {R"({"AccessKeyId": "AKID", "SecretAccessKey": "leaked-secret-456"})", "\"Version\": 1"},
      {R"({"Version": 2, "AccessKeyId": "AKID", "SecretAccessKey": "leaked-secret-456"})",
       "\"Version\": 1"},
      {R"({"Version": 1, "SecretAccessKey": "leaked-secret-456"})", "without AccessKeyId"},
  };
  for (const Case& c : cases) {
    const std::string script = Script("cat <<'EOF'\n" + c.output + "\nEOF\n");
    auto credentials = MakeProcessCredentials("p", script)->Get();
    ASSERT_FALSE(credentials.ok()) << c.output;
    const std::string& m = credentials.status().message();
    EXPECT_NE(m.find(c.why), std::string::npos) << m;
    EXPECT_EQ(m.find("leaked-secret-456"), std::string::npos) << m;
  }
}

// An Expiration the AWS tools would refuse is refused: one that is not an RFC 3339 time with a
// zone (named, never quoted: the output is the command's), and one already past.
TEST_F(ProcessCredentialsTest, AnExpirationThatIsUnreadableOrPastIsRefused) {
  const ProcessTimePoint now = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 11h;
  auto fetch = [&](const std::string& expiration) {
    const std::string script = Script(
        "cat <<'EOF'\n{\"Version\": 1, \"AccessKeyId\": \"AKID\", \"SecretAccessKey\": "
        "\"leaked-secret-789\", \"Expiration\": " +
        expiration + "}\nEOF\n");
    return MakeProcessCredentials("p", script, [&] { return now; })->Get();
  };
  for (const std::string bad : {"\"tomorrow-at-noon\"", "\"2026-11-22T12:00:00\"",
                                "\"2026-13-40T12:00:00Z\"", "17", "\"\""}) {
    auto credentials = fetch(bad);
    ASSERT_FALSE(credentials.ok()) << bad;
    const std::string& m = credentials.status().message();
    EXPECT_NE(m.find("credential_process of AWS profile 'p'"), std::string::npos) << m;
    EXPECT_NE(m.find(dir_ + "/creds.sh answered an \"Expiration\" that is not an ISO 8601"),
              std::string::npos)
        << m;
    EXPECT_EQ(m.find("tomorrow-at-noon"), std::string::npos) << m;
    EXPECT_EQ(m.find("leaked-secret-789"), std::string::npos) << m;
  }
  auto expired = fetch("\"2026-11-22T10:30:00Z\"");
  ASSERT_FALSE(expired.ok());
  EXPECT_NE(expired.status().message().find(
                "credential_process returned credentials that expired at 2026-11-22T10:30:00Z"),
            std::string::npos)
      << expired.status().message();
  EXPECT_NE(expired.status().message().find("it is now 2026-11-22T11:00:00Z"), std::string::npos)
      << expired.status().message();
  EXPECT_EQ(expired.status().message().find("leaked-secret-789"), std::string::npos);
  // Offsets other than Z, RFC 3339's lowercase t and z (section 5.6, NOTE), and no Expiration
  // at all (or null), are fine.
  for (const std::string good :
       {"\"2026-11-22T13:00:00+01:00\"", "\"2026-11-22t13:00:00z\"", "null"}) {
    auto credentials = fetch(good);
    EXPECT_TRUE(credentials.ok()) << good << ": " << credentials.status().message();
  }
}

TEST_F(ProcessCredentialsTest, AProgramThatCannotRunIsNamed) {
  auto credentials = MakeProcessCredentials("p", dir_ + "/no-such-program")->Get();
  ASSERT_FALSE(credentials.ok());
  EXPECT_NE(credentials.status().message().find("cannot run " + dir_ + "/no-such-program"),
            std::string::npos)
      << credentials.status().message();
}

// A command that never answers, or answers and never exits, is stopped after the timeout and
// named; the fetch fails instead of holding every request.
TEST_F(ProcessCredentialsTest, ACommandThatHangsIsStoppedAfterTheTimeout) {
  const std::string silent = "exec sleep 1000\n";
  const std::string lingering =
      "echo '{\"Version\": 1, \"AccessKeyId\": \"AKID\", \"SecretAccessKey\": \"s3cr3t-x\"}'\n"
      "exec sleep 1000 >&-\n";
  for (const std::string& body : {silent, lingering}) {
    const std::string script = Script(body);
    auto credentials =
        MakeProcessCredentials("p", script, {}, std::chrono::milliseconds(300))->Get();
    ASSERT_FALSE(credentials.ok()) << body;
    EXPECT_NE(credentials.status().message().find(script + " gave no answer within 0.3 s"),
              std::string::npos)
        << credentials.status().message();
  }
}

// Plays STS: records each request, answers from a queue.
class StsScript : public HttpTransport {
 public:
  std::deque<HttpResponse> answers;
  std::vector<HttpHeaders> headers;
  std::vector<std::string> bodies;
  std::vector<std::string> urls;

  Result<HttpResponse> Send(const HttpRequest& request) override {
    headers.push_back(request.headers);
    bodies.emplace_back(request.body);
    urls.push_back(request.url);
    if (answers.empty()) return Unavailable("connection refused");
    HttpResponse next = std::move(answers.front());
    answers.pop_front();
    return next;
  }
};

HttpResponse StsAnswer(long status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string AssumeRoleXml(const std::string& key, const std::string& expiration) {
  return "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>" + key +
         "</AccessKeyId><SecretAccessKey>role-secret-" + key +
         "</SecretAccessKey><SessionToken>role-token-" + key + "</SessionToken><Expiration>" +
         expiration + "</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>";
}

std::string StsHeaderValue(const HttpHeaders& headers, const std::string& name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "";
}

TEST(AssumeRoleCredentials, SignsWithTheSourceAndRenewsBeforeExpiry) {
  auto script = std::make_unique<StsScript>();
  StsScript& sts = *script;
  sts.answers.push_back(StsAnswer(200, AssumeRoleXml("ASIA1", "2026-11-22T12:00:00Z")));
  sts.answers.push_back(StsAnswer(200, AssumeRoleXml("ASIA2", "2026-11-22T13:00:00Z")));
  ProcessTimePoint now = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 11h;
  int source_calls = 0;
  AssumeRoleRequest request;
  request.role_arn = "arn:aws:iam::123456789012:role/reader";
  request.session_name = "sluice-test";
  request.external_id = "ext-1";
  request.duration_seconds = 3600;
  auto provider = MakeAssumeRoleCredentials(
      Endpoint{"http", "127.0.0.1:4566", ""}, "eu-west-1", request,
      [&] {
        ++source_calls;
        return Result<AwsCredentials>(AwsCredentials{"AKIDSOURCE", "source-secret", ""});
      },
      std::move(script), [&] { return now; });
  auto first = provider->Get();
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->access_key_id, "ASIA1");
  EXPECT_EQ(first->secret_access_key, "role-secret-ASIA1");
  EXPECT_EQ(first->session_token, "role-token-ASIA1");
  ASSERT_EQ(sts.bodies.size(), 1u);
  EXPECT_EQ(sts.urls[0], "http://127.0.0.1:4566/");
  EXPECT_EQ(sts.bodies[0],
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole"
            "%2Freader&RoleSessionName=sluice-test&ExternalId=ext-1&DurationSeconds=3600");
  const std::string authorization = StsHeaderValue(sts.headers[0], "Authorization");
  EXPECT_NE(authorization.find("Credential=AKIDSOURCE/"), std::string::npos) << authorization;
  EXPECT_NE(authorization.find("/eu-west-1/sts/aws4_request"), std::string::npos) << authorization;
  now += 50min;
  EXPECT_EQ(provider->Get()->access_key_id, "ASIA1");
  EXPECT_EQ(source_calls, 1);
  now += 6min;
  EXPECT_EQ(provider->Get()->access_key_id, "ASIA2");
  EXPECT_EQ(source_calls, 2);  // the source is asked again: its own keys may have been renewed
}

TEST(AssumeRoleCredentials, AnStsRefusalIsNamedAndASourceFailurePassesThrough) {
  auto script = std::make_unique<StsScript>();
  script->answers.push_back(StsAnswer(
      403,
      "<ErrorResponse><Error><Code>AccessDenied</Code><Message>not allowed</Message></Error>"
      "</ErrorResponse>"));
  AssumeRoleRequest request;
  request.role_arn = "arn:aws:iam::1:role/r";
  request.session_name = "s";
  auto provider = MakeAssumeRoleCredentials(
      Endpoint{"http", "127.0.0.1:4566", ""}, "us-east-1", request,
      [] {
        return Result<AwsCredentials>(AwsCredentials{"AKIDSOURCE", "source-secret", ""});
      },
      std::move(script));
  auto refused = provider->Get();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find(
                "STS AssumeRole for arn:aws:iam::1:role/r: AccessDenied not allowed"),
            std::string::npos)
      << refused.status().message();

  auto failing = MakeAssumeRoleCredentials(
      Endpoint{"http", "127.0.0.1:4566", ""}, "us-east-1", request,
      [] { return Result<AwsCredentials>(Unavailable("the source's own trouble")); },
      std::make_unique<StsScript>());
  auto failed = failing->Get();
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("the source's own trouble"), std::string::npos)
      << failed.status().message();
}

}  // namespace
}  // namespace sluice
