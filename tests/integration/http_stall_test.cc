// A server that accepts a connection and then never answers: the libcurl transport gives the
// request up once nothing has moved for the request's stall_timeout, instead of holding it for
// the whole (minutes-long) request timeout. A real server cannot be made to stall on demand, so
// the silent server is a loopback socket of the test's own.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

#include "aws/http_client.h"
#include "support/test_env.h"

namespace sluice {
namespace {

TEST(HttpStall, ASilentServerIsGivenUpAfterTheStallTimeoutNotTheRequestTimeout) {
  int port = 0;
  const int silent = testing::ListenOnLoopback(&port);
  ASSERT_GE(silent, 0) << "cannot listen on loopback";
  std::unique_ptr<HttpTransport> transport = MakeCurlTransport();
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/bucket?list-type=2";
  request.timeout = std::chrono::milliseconds(120'000);
  request.stall_timeout = std::chrono::seconds(1);
  const auto start = std::chrono::steady_clock::now();
  Result<HttpResponse> response = transport->Send(request);
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);  // so it is retried
  EXPECT_NE(response.status().message().find("nothing moved for 1 s"), std::string::npos)
      << response.status().message();
  // Not a timing threshold on speed: only that the 120-second request timeout did not apply.
  EXPECT_LT(waited, std::chrono::seconds(60));
  close(silent);
}

}  // namespace
}  // namespace sluice
