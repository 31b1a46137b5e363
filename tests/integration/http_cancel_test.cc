// A cancel ends a request only while the server has not begun its answer. An answer already
// begun may carry SQS messages the server has marked in flight; cutting it would leave them
// invisible to every consumer until their visibility timeout. A real server cannot be made to
// pause mid-answer on demand, so the server here is a loopback socket of the test's own.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "aws/http_client.h"
#include "support/test_env.h"

namespace sluice {
namespace {

using namespace std::chrono_literals;

// A receive-like POST to the test's server on `port`, cancelled through `cancel`, with room
// (minutes) for the server's pauses before any stall or request timeout could end it.
HttpRequest HttpCancelRequest(int port, const std::atomic<bool>* cancel) {
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/queue";
  request.method = "POST";
  request.body = "Action=ReceiveMessage";
  request.timeout = 120s;
  request.stall_timeout = 60s;
  request.cancel = cancel;
  return request;
}

TEST(HttpCancel, AnAnswerAlreadyBegunIsReadToItsEnd) {
  int port = 0;
  const int listener = testing::ListenOnLoopback(&port);
  ASSERT_GE(listener, 0) << "cannot listen on loopback";
  std::atomic<bool> cancel{false};
  std::thread server([&] {
    int fd = accept(listener, nullptr, nullptr);
    if (fd < 0) return;
    (void)testing::ReadHttpHead(fd);
    testing::SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\nfirst");
    // The cancel comes while the answer is half sent, and stays set for longer than libcurl's
    // progress interval (a second), so the transport sees it.
    std::this_thread::sleep_for(200ms);
    cancel = true;
    std::this_thread::sleep_for(2500ms);
    testing::SendAll(fd, "-half");
    close(fd);
  });
  Result<HttpResponse> response = MakeCurlTransport()->Send(HttpCancelRequest(port, &cancel));
  server.join();
  close(listener);
  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "first-half");
}

TEST(HttpCancel, ACancelBeforeTheAnswerEndsTheRequest) {
  int port = 0;
  const int listener = testing::ListenOnLoopback(&port);
  ASSERT_GE(listener, 0) << "cannot listen on loopback";
  std::atomic<bool> cancel{false};
  std::atomic<bool> done{false};
  std::thread server([&] {
    int fd = accept(listener, nullptr, nullptr);
    if (fd < 0) return;
    (void)testing::ReadHttpHead(fd);
    cancel = true;
    // A long poll with nothing to give: the server stays silent until the client has gone.
    while (!done)
      std::this_thread::sleep_for(50ms);
    close(fd);
  });
  Result<HttpResponse> response = MakeCurlTransport()->Send(HttpCancelRequest(port, &cancel));
  done = true;
  server.join();
  close(listener);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kCancelled) << response.status().message();
}

}  // namespace
}  // namespace sluice
