// Retries against faults a real server will not produce on demand: a scripted transport.
#include <gtest/gtest.h>

#include <deque>

#include "aws/http_client.h"

namespace sluice {
namespace {

class ScriptedTransport : public HttpTransport {
 public:
  std::deque<Result<HttpResponse>> script;
  int sends = 0;

  Result<HttpResponse> Send(const HttpRequest&) override {
    ++sends;
    Result<HttpResponse> next = std::move(script.front());
    script.pop_front();
    return next;
  }
};

HttpResponse Response(long status, std::string body = "") {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

const RetryPolicy kFast{4, std::chrono::milliseconds(1), std::chrono::milliseconds(2)};

TEST(HttpRetry, RetriesThrottlingServerErrorsAndDroppedConnections) {
  ScriptedTransport t;
  t.script.push_back(Response(503));
  t.script.push_back(Unavailable("connection reset"));
  t.script.push_back(Response(400, R"({"__type":"com.amazonaws.sqs#ThrottlingException"})"));
  t.script.push_back(Response(200, "ok"));
  int signed_times = 0;
  auto r = SendWithRetries(t, kFast, [&] {
    ++signed_times;
    return HttpRequest{};
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(t.sends, 4);
  EXPECT_EQ(signed_times, 4);  // each attempt is signed afresh
}

TEST(HttpRetry, ClientErrorsAreNotRetried) {
  ScriptedTransport t;
  t.script.push_back(Response(400, R"({"__type":"QueueDoesNotExist"})"));
  auto r = SendWithRetries(t, kFast, [] { return HttpRequest{}; });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(t.sends, 1);
}

TEST(HttpRetry, GivesUpAfterTheLastAttempt) {
  ScriptedTransport t;
  for (int i = 0; i < 4; ++i)
    t.script.push_back(Response(500));
  auto r = SendWithRetries(t, kFast, [] { return HttpRequest{}; });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(t.sends, 4);
}

}  // namespace
}  // namespace sluice
