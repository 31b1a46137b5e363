// A server that accepts a connection and then never answers: the libcurl transport gives the
// request up once nothing has moved for the request's stall_timeout, instead of holding it for
// the whole (minutes-long) request timeout. A real server cannot be made to stall on demand, so
// the silent server is a loopback socket of the test's own.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "aws/http_client.h"

namespace sluice {
namespace {

// A listening socket on 127.0.0.1 that the kernel accepts connections for (the backlog) but
// that nobody ever reads from or writes to.
class SilentServer {
 public:
  SilentServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), size) != 0 || listen(fd_, 8) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      ADD_FAILURE() << "cannot listen on loopback";
    }
    port_ = ntohs(address.sin_port);
  }
  ~SilentServer() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(HttpStall, ASilentServerIsGivenUpAfterTheStallTimeoutNotTheRequestTimeout) {
  SilentServer server;
  std::unique_ptr<HttpTransport> transport = MakeCurlTransport();
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/bucket?list-type=2";
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
}

}  // namespace
}  // namespace sluice
