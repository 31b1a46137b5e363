// The fault proxy does what its header says: bytes pass unchanged, a cut comes after exactly the
// bytes asked for, a restart refuses and then listens again, and in HTTP mode the scheduled
// requests get AWS's error answers (read by Sluice's own clients as the errors they are) while
// a lost answer's request still reaches the real server.
#include "faults/fault_proxy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <thread>

#include "connectors/sqs/sqs_client.h"
#include "faults/scenario.h"
#include "support/test_env.h"

extern char** environ;

namespace sluice::faults {
namespace {

using namespace std::chrono_literals;

// A server for the proxy to reach in the TCP tests: it accepts connections one after another
// and keeps every byte each one sent until it ended.
class ByteSink {
 public:
  ByteSink() {
    listener_ = sluice::testing::ListenOnLoopback(&port_);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{listener_, POLLIN, 0};
        if (poll(&p, 1, 20) <= 0) continue;
        const int fd = accept(listener_, nullptr, nullptr);
        if (fd < 0) continue;
        std::string got;
        char buffer[4096];
        ssize_t n;
        while ((n = read(fd, buffer, sizeof buffer)) > 0)
          got.append(buffer, static_cast<size_t>(n));
        close(fd);
        std::lock_guard lock(mu_);
        received_.push_back(got);
      }
    });
  }
  ~ByteSink() {
    stop_ = true;
    thread_.join();
    close(listener_);
  }
  int port() const { return port_; }
  // What each ended connection sent, waiting up to 10 s for the `count`th to end.
  std::vector<std::string> Received(size_t count) {
    for (auto deadline = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < deadline;) {
      {
        std::lock_guard lock(mu_);
        if (received_.size() >= count) return received_;
      }
      std::this_thread::sleep_for(5ms);
    }
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> received_;
};

int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Reads until the connection ends; true when it did (within 10 s).
bool EndsSoon(int fd) {
  char buffer[4096];
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < deadline;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    if (read(fd, buffer, sizeof buffer) <= 0) return true;
  }
  return false;
}

TEST(FaultProxy, PassesBytesUnchangedAndCutsAfterExactlyTheBytesAskedFor) {
  ByteSink sink;
  FaultProxy proxy("127.0.0.1", sink.port());
  std::string data(50000, '\0');
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<char>(i * 7 % 251);

  const int whole = Connect(proxy.port());
  ASSERT_GE(whole, 0);
  ASSERT_EQ(send(whole, data.data(), data.size(), MSG_NOSIGNAL), static_cast<ssize_t>(data.size()));
  close(whole);
  ASSERT_EQ(sink.Received(1).size(), 1u);
  EXPECT_EQ(sink.Received(1)[0], data);

  proxy.CutAfter(Direction::kToServer, 12345);
  const int cut = Connect(proxy.port());
  ASSERT_GE(cut, 0);
  (void)send(cut, data.data(), data.size(), MSG_NOSIGNAL);
  EXPECT_TRUE(EndsSoon(cut)) << "the client did not see the cut";
  close(cut);
  ASSERT_EQ(sink.Received(2).size(), 2u);
  EXPECT_EQ(sink.Received(2)[1], data.substr(0, 12345));
  EXPECT_EQ(proxy.counts().cut, 1u);
  EXPECT_EQ(proxy.counts().bytes_to_server, data.size() + 12345);
}

TEST(FaultProxy, ARestartCutsOpenConnectionsRefusesNewOnesThenListensAgain) {
  ByteSink sink;
  FaultProxy proxy("127.0.0.1", sink.port());
  const int open = Connect(proxy.port());
  ASSERT_GE(open, 0);
  // Joined to the server, not only in the kernel's backlog (which closing the port resets).
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       proxy.counts().connections == 0 && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(5ms);
  }
  // A process started meanwhile (as the tests start Sluice) must not keep the port: the
  // proxy's sockets are not inherited.
  char sleep_path[] = "/bin/sleep";
  char seconds[] = "60";
  char* sleep_argv[] = {sleep_path, seconds, nullptr};
  pid_t child = -1;
  ASSERT_EQ(posix_spawn(&child, sleep_path, nullptr, nullptr, sleep_argv, environ), 0);
  proxy.Restart(2s);
  EXPECT_TRUE(EndsSoon(open));
  close(open);
  const int refused = Connect(proxy.port());
  EXPECT_LT(refused, 0) << "a connection was accepted while the proxy was down";
  if (refused >= 0) close(refused);
  int again = -1;
  for (auto deadline = std::chrono::steady_clock::now() + 20s;
       again < 0 && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(50ms);
    again = Connect(proxy.port());
  }
  EXPECT_GE(again, 0) << "the proxy never listened again";
  if (again >= 0) close(again);
  kill(child, SIGKILL);
  sluice::testing::WaitProcess(child);
  EXPECT_EQ(proxy.counts().restarts, 1u);
  EXPECT_EQ(proxy.counts().cut, 1u);
}

TEST(FaultProxy, DroppedConnectionsNeverReachTheServer) {
  ByteSink sink;
  FaultProxy proxy("127.0.0.1", sink.port());
  proxy.SetDropNew(true);
  const int dropped = Connect(proxy.port());
  ASSERT_GE(dropped, 0);
  EXPECT_TRUE(EndsSoon(dropped));
  close(dropped);
  proxy.SetDropNew(false);
  const int kept = Connect(proxy.port());
  ASSERT_GE(kept, 0);
  ASSERT_EQ(send(kept, "x", 1, MSG_NOSIGNAL), 1);
  close(kept);
  EXPECT_EQ(sink.Received(1), std::vector<std::string>{"x"});
  EXPECT_EQ(proxy.counts().dropped, 1u);
  EXPECT_EQ(proxy.counts().connections, 1u);
}

TEST(FaultProxy, AStallHoldsBytesUntilItEnds) {
  ByteSink sink;
  FaultProxy proxy("127.0.0.1", sink.port());
  proxy.SetStalled(true);
  const int fd = Connect(proxy.port());
  ASSERT_GE(fd, 0);
  ASSERT_EQ(send(fd, "held", 4, MSG_NOSIGNAL), 4);
  shutdown(fd, SHUT_WR);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(proxy.counts().bytes_to_server, 0u) << "bytes passed a stalled proxy";
  proxy.SetStalled(false);
  EXPECT_EQ(sink.Received(1), std::vector<std::string>{"held"});
  close(fd);
}

class FaultProxyHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    SLUICE_REQUIRE_AWS();
    ASSERT_TRUE(PgHostPort(std::getenv("AWS_ENDPOINT_URL"), &host_, &port_));
  }
  // An SQS client through `proxy` that tries each call once, so each injected fault shows.
  SqsClient Client(const FaultProxy& proxy) {
    auto config = ResolveAwsConfig("http://" + proxy.address(), "sqs");
    EXPECT_TRUE(config.ok());
    RetryPolicy once;
    once.attempts = 1;
    return SqsClient(*config, MakeCurlTransport(), once);
  }
  std::string host_;
  int port_ = 0;
};

TEST_F(FaultProxyHttp, ScheduledRequestsGetSqsErrorAnswersTheOthersReachTheServer) {
  FaultProxy proxy(host_, port_, ProxyMode::kHttp);
  const std::string queue = sluice::testing::UniqueName("proxy-errors");
  ASSERT_EQ(sluice::testing::RunSluice({"queue", "create", queue}, "").exit_code, 0);
  HttpSchedule schedule;
  schedule.service = AwsService::kSqs;
  schedule.every_nth = 2;
  schedule.faults = {HttpFault::kUnavailable, HttpFault::kThrottled, HttpFault::kInternalError,
                     HttpFault::kCut};
  proxy.SetHttpSchedule(schedule);
  SqsClient sqs = Client(proxy);
  const std::vector<std::string> codes = {"", "ServiceUnavailable", "", "RequestThrottled",
                                          "", "InternalFailure",    "", ""};
  for (size_t i = 0; i < codes.size(); ++i) {
    auto url = sqs.GetQueueUrl(queue);
    if (codes[i].empty() && i != 7) {
      EXPECT_TRUE(url.ok()) << "request " << i + 1 << ": " << url.status().message();
    } else {
      ASSERT_FALSE(url.ok()) << "request " << i + 1 << " was not failed";
      EXPECT_EQ(url.status().code(), StatusCode::kUnavailable) << url.status().message();
      EXPECT_NE(url.status().message().find(codes[i]), std::string::npos) << url.status().message();
    }
  }
  const FaultCounts c = proxy.counts();
  EXPECT_EQ(c.http_requests, 8u);
  EXPECT_EQ(c.http_503, 1u);
  EXPECT_EQ(c.http_throttled, 1u);
  EXPECT_EQ(c.http_500, 1u);
  EXPECT_EQ(c.http_cut, 1u);
  EXPECT_EQ(c.injected(), 4u);
}

TEST_F(FaultProxyHttp, ALostAnswersRequestStillReachesTheServer) {
  FaultProxy proxy(host_, port_, ProxyMode::kHttp);
  const std::string queue = sluice::testing::UniqueName("proxy-lost");
  ASSERT_EQ(sluice::testing::RunSluice({"queue", "create", queue}, "").exit_code, 0);
  auto direct_config = ResolveAwsConfig("", "sqs");
  ASSERT_TRUE(direct_config.ok());
  SqsClient direct(*direct_config, MakeCurlTransport());
  const std::string queue_url = *direct.GetQueueUrl(queue);
  HttpSchedule schedule;
  schedule.faults = {HttpFault::kLostAnswer};
  schedule.burst_first = 1;
  schedule.burst_length = 1;
  schedule.only_if_contains = "AmazonSQS.SendMessageBatch";
  proxy.SetHttpSchedule(schedule);
  SqsClient sqs = Client(proxy);
  auto sent = sqs.SendMessageBatch(queue_url, {"a message whose answer is lost"});
  EXPECT_FALSE(sent.ok()) << "the client saw an answer that was dropped";
  EXPECT_EQ(*direct.ApproximateNumberOfMessages(queue_url, false), 1)
      << "the request did not reach the server";
  EXPECT_TRUE(sqs.SendMessageBatch(queue_url, {"the next one"}).ok());
  EXPECT_EQ(proxy.counts().http_lost_answers, 1u);
}

TEST_F(FaultProxyHttp, S3ErrorsAreXmlAsS3SendsThem) {
  FaultProxy proxy(host_, port_, ProxyMode::kHttp);
  HttpSchedule schedule;
  schedule.service = AwsService::kS3;
  schedule.every_nth = 1;
  schedule.faults = {HttpFault::kThrottled, HttpFault::kInternalError};
  proxy.SetHttpSchedule(schedule);
  auto transport = MakeCurlTransport();
  HttpRequest request;
  request.url = "http://" + proxy.address() + "/some-bucket";
  auto slow_down = transport->Send(request);
  ASSERT_TRUE(slow_down.ok()) << slow_down.status().message();
  EXPECT_EQ(slow_down->status, 503);
  EXPECT_NE(slow_down->body.find("<Code>SlowDown</Code>"), std::string::npos) << slow_down->body;
  auto internal = transport->Send(request);
  ASSERT_TRUE(internal.ok()) << internal.status().message();
  EXPECT_EQ(internal->status, 500);
  EXPECT_NE(internal->body.find("<Code>InternalError</Code>"), std::string::npos);
  EXPECT_TRUE(IsRetryableResponse(*slow_down));
}

}  // namespace
}  // namespace sluice::faults
