// Role credentials from the container endpoint and instance metadata. No such endpoint runs on
// a test machine, so a scripted transport plays it and records what was asked.
#include "aws/credentials_provider.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <fstream>

namespace sluice {
namespace {

using namespace std::chrono_literals;
using TimePoint = std::chrono::system_clock::time_point;

class EndpointScript : public HttpTransport {
 public:
  std::deque<HttpResponse> answers;
  std::vector<HttpRequest> asked;
  std::vector<std::string> asked_urls;  // HttpRequest's body is a view: keep what matters
  std::vector<std::string> asked_bodies;

  Result<HttpResponse> Send(const HttpRequest& request) override {
    asked.push_back(request);
    asked_urls.push_back(request.method + " " + request.url);
    asked_bodies.emplace_back(request.body);
    if (answers.empty()) return Unavailable("connection refused");
    HttpResponse next = std::move(answers.front());
    answers.pop_front();
    return next;
  }
};

HttpResponse Answered(std::string body, long status = 200) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string Document(const std::string& key, const std::string& expiration) {
  return R"({"AccessKeyId":")" + key + R"(","SecretAccessKey":"secret-)" + key +
         R"(","Token":"token-)" + key + R"(","Expiration":")" + expiration + R"("})";
}

std::string HeaderOf(const HttpRequest& request, const std::string& name) {
  for (const auto& [n, v] : request.headers) {
    if (n == name) return v;
  }
  return "";
}

TEST(ContainerCredentials, FetchesOnceAndRenewsBeforeExpiry) {
  auto script = std::make_unique<EndpointScript>();
  EndpointScript& endpoint = *script;
  endpoint.answers.push_back(Answered(Document("AKID1", "2026-11-22T12:00:00Z")));
  endpoint.answers.push_back(Answered(Document("AKID2", "2026-11-22T18:00:00Z")));
  TimePoint now = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 11h;
  auto provider = MakeContainerCredentials("http://169.254.170.2/v2/credentials/x", "Bearer t", "",
                                           std::move(script), [&] { return now; });
  auto first = provider->Get();
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->access_key_id, "AKID1");
  EXPECT_EQ(first->secret_access_key, "secret-AKID1");
  EXPECT_EQ(first->session_token, "token-AKID1");
  EXPECT_EQ(endpoint.asked_urls.at(0), "GET http://169.254.170.2/v2/credentials/x");
  EXPECT_EQ(HeaderOf(endpoint.asked.at(0), "Authorization"), "Bearer t");
  now += 50min;  // 10 minutes before expiry: the cached ones still serve
  EXPECT_EQ(provider->Get()->access_key_id, "AKID1");
  EXPECT_EQ(endpoint.asked.size(), 1u);
  now += 6min;  // within five minutes of expiry: renewed
  EXPECT_EQ(provider->Get()->access_key_id, "AKID2");
  EXPECT_EQ(endpoint.asked.size(), 2u);
}

TEST(ContainerCredentials, ReadsTheTokenFileAtEveryFetch) {
  const std::string path = ::testing::TempDir() + "sluice-container-token";
  std::ofstream(path) << "first-token\n";
  auto script = std::make_unique<EndpointScript>();
  EndpointScript& endpoint = *script;
  endpoint.answers.push_back(Answered(Document("A", "2026-11-22T12:00:00Z")));
  endpoint.answers.push_back(Answered(Document("B", "2026-11-22T13:00:00Z")));
  TimePoint now = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 11h;
  auto provider = MakeContainerCredentials("http://127.0.0.1:1/c", "", path, std::move(script),
                                           [&] { return now; });
  ASSERT_TRUE(provider->Get().ok());
  std::ofstream(path) << "second-token\n";
  now += 1h;
  ASSERT_TRUE(provider->Get().ok());
  EXPECT_EQ(HeaderOf(endpoint.asked.at(0), "Authorization"), "first-token");
  EXPECT_EQ(HeaderOf(endpoint.asked.at(1), "Authorization"), "second-token");
  std::remove(path.c_str());
}

TEST(ContainerCredentials, ABadAnswerIsAnErrorThatQuotesNothingOfIt) {
  auto script = std::make_unique<EndpointScript>();
  EndpointScript& endpoint = *script;
  endpoint.answers.push_back(Answered(R"({"AccessKeyId":"AKID","Token":"leaky-token"})"));
  endpoint.answers.push_back(Answered("Forbidden", 403));
  auto provider = MakeContainerCredentials("http://127.0.0.1:1/c", "", "", std::move(script));
  auto missing = provider->Get();
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("SecretAccessKey"), std::string::npos);
  EXPECT_EQ(missing.status().message().find("leaky-token"), std::string::npos);
  auto refused = provider->Get();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("HTTP 403"), std::string::npos);
  EXPECT_NE(refused.status().message().find("no AWS keys in the environment"), std::string::npos);
}

TEST(WebIdentityCredentials, AsksStsWithTheTokenFileAndReadsItsAnswer) {
  const std::string path = ::testing::TempDir() + "sluice-web-identity-token";
  std::ofstream(path) << "eyJ.web.token\n";
  auto script = std::make_unique<EndpointScript>();
  EndpointScript& sts = *script;
  sts.answers.push_back(Answered(
      "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
      "<AccessKeyId>ASIAWEB</AccessKeyId><SecretAccessKey>web-secret</SecretAccessKey>"
      "<SessionToken>web-session</SessionToken><Expiration>2026-11-22T12:00:00Z</Expiration>"
      "</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"));
  sts.answers.push_back(Answered(
      "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>Token expired</Message>"
      "</Error></ErrorResponse>",
      400));
  TimePoint now = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 11h;
  auto provider = MakeWebIdentityCredentials("https://sts.eu-west-1.amazonaws.com",
                                             "arn:aws:iam::1:role/sluice", "sluice-test", path,
                                             std::move(script), [&] { return now; });
  auto creds = provider->Get();
  ASSERT_TRUE(creds.ok()) << creds.status().message();
  EXPECT_EQ(creds->access_key_id, "ASIAWEB");
  EXPECT_EQ(creds->secret_access_key, "web-secret");
  EXPECT_EQ(creds->session_token, "web-session");
  ASSERT_EQ(sts.asked.size(), 1u);
  EXPECT_EQ(sts.asked_urls[0], "POST https://sts.eu-west-1.amazonaws.com/");
  EXPECT_EQ(sts.asked_bodies[0],
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1"
            "%3Arole%2Fsluice&RoleSessionName=sluice-test&WebIdentityToken=eyJ.web.token");
  now += 1h;  // expired: STS is asked again, and its refusal is named
  auto refused = provider->Get();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("InvalidIdentityToken"), std::string::npos)
      << refused.status().message();
  EXPECT_EQ(refused.status().message().find("eyJ.web.token"), std::string::npos);
  std::remove(path.c_str());
}

TEST(InstanceMetadataCredentials, AsksForASessionTokenThenTheRoleThenItsCredentials) {
  auto script = std::make_unique<EndpointScript>();
  EndpointScript& endpoint = *script;
  endpoint.answers.push_back(Answered("imds-session-token"));
  endpoint.answers.push_back(Answered("sluice-role\n"));
  endpoint.answers.push_back(Answered(Document("AKIMDS", "2026-11-22T12:00:00Z")));
  auto provider = MakeInstanceMetadataCredentials("http://169.254.169.254", std::move(script));
  auto creds = provider->Get();
  ASSERT_TRUE(creds.ok()) << creds.status().message();
  EXPECT_EQ(creds->access_key_id, "AKIMDS");
  ASSERT_EQ(endpoint.asked.size(), 3u);
  EXPECT_EQ(endpoint.asked_urls[0], "PUT http://169.254.169.254/latest/api/token");
  EXPECT_EQ(HeaderOf(endpoint.asked[0], "X-aws-ec2-metadata-token-ttl-seconds"), "21600");
  EXPECT_EQ(endpoint.asked_urls[1],
            "GET http://169.254.169.254/latest/meta-data/iam/security-credentials/");
  EXPECT_EQ(endpoint.asked_urls[2],
            "GET http://169.254.169.254/latest/meta-data/iam/security-credentials/sluice-role");
  EXPECT_EQ(HeaderOf(endpoint.asked[2], "X-aws-ec2-metadata-token"), "imds-session-token");
}

TEST(InstanceMetadataCredentials, AnInstanceWithoutARoleSaysSo) {
  auto script = std::make_unique<EndpointScript>();
  script->answers.push_back(Answered("t"));
  script->answers.push_back(Answered(""));
  auto provider = MakeInstanceMetadataCredentials("http://169.254.169.254", std::move(script));
  auto creds = provider->Get();
  ASSERT_FALSE(creds.ok());
  EXPECT_NE(creds.status().message().find("no IAM role"), std::string::npos)
      << creds.status().message();
}

}  // namespace
}  // namespace sluice
