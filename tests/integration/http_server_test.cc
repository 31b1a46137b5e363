// The HTTP server through real sockets: routes, keep-alive, streaming, and each limit that keeps
// a hostile or broken client from hurting it (issue #10: head deadline, idle timeout, connection
// cap, header and body limits, TE+CL; issue #12: Transfer-Encoding, Host). Timeouts here only
// guard against hangs; nothing asserts how fast anything is.
#include "http/http_server.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "http/http_metrics.h"
#include "http/router.h"
#include "integration/http_test_client.h"

namespace sluice::http {
namespace {

using sluice::testing::GetRequest;
using sluice::testing::kHangGuard;
using sluice::testing::TestConnection;
using namespace std::chrono_literals;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/hello", [](const HttpRequest&) {
      HttpResponse r;
      r.content_type = "text/plain";
      r.body = "hello";
      return r;
    });
    router_.Add("GET", "/echo", [](const HttpRequest& request) {
      HttpResponse r;
      r.content_type = "text/plain";
      r.body = std::to_string(request.query.size());
      return r;
    });
    router_.Add("POST", "/echo", [](const HttpRequest& request) {
      HttpResponse r;
      r.content_type = "text/plain";
      r.body = request.body;
      return r;
    });
    router_.Add("GET", "/stream", [](const HttpRequest&) {
      HttpResponse r;
      r.content_type = "text/plain";
      auto n = std::make_shared<int>(0);
      // 200 parts of 1 KB: above the size sent whole.
      r.stream = [n](std::string* chunk) {
        if (*n == 200) return false;
        *chunk = std::string(1023, static_cast<char>('a' + (*n)++ % 26)) + ";";
        return true;
      };
      return r;
    });
    // Answers later, from another thread, as a rebuild does. The thread is joined before the
    // server goes, as the lake joins its build thread: a reply still being posted into a
    // destroyed event loop is a use after free (ThreadSanitizer saw it when it was detached).
    router_.Add("GET", "/later", Handler([this](const HttpRequest&, Reply reply) {
                  std::lock_guard lock(late_mutex_);
                  late_replies_.emplace_back([reply] {
                    std::this_thread::sleep_for(300ms);
                    HttpResponse r;
                    r.content_type = "text/plain";
                    r.body = "late";
                    reply(std::move(r));
                  });
                }));
  }

  void StartServer(ServerLimits limits = {}) {
    ServerOptions options;
    options.port = "0";
    options.limits = limits;
    server_ = std::make_unique<HttpServer>(options, &router_, &metrics_);
    ASSERT_TRUE(server_->Start().ok());
  }

  void TearDown() override {
    {
      std::lock_guard lock(late_mutex_);
      for (std::thread& t : late_replies_)
        t.join();
    }
    if (server_) server_->Stop();
  }

  uint16_t port() const { return server_->port(); }

  // Waits (bounded) until the server counts `n` open connections.
  bool WaitForOpen(size_t n) {
    auto end = std::chrono::steady_clock::now() + kHangGuard;
    while (server_->open_connections() < n) {
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  Router router_;
  HttpMetrics metrics_;
  std::unique_ptr<HttpServer> server_;
  std::mutex late_mutex_;
  std::vector<std::thread> late_replies_;  // the /later handler's threads
};

TEST_F(HttpServerTest, AnswersRoutesAndRefusesUnknownPathsAndMethods) {
  StartServer();
  TestConnection c(port());
  auto ok = c.Request(GetRequest("/hello"));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "hello");
  // Same connection: keep-alive.
  auto missing = c.Request(GetRequest("/nope"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.headers["content-type"], "application/json");
  EXPECT_NE(missing.body.find("\"error\":"), std::string::npos);
  auto wrong = c.Request("DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers["allow"], "GET, HEAD");
  auto two = c.Request("PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(two.status, 405);
  EXPECT_EQ(two.headers["allow"], "GET, HEAD, POST");
}

// HEAD gets GET's status and fields and no body: the request after it on the same connection
// is answered right after the head, with no byte between. A refused request after a HEAD gets
// its body.
TEST_F(HttpServerTest, AnswersHeadAsGetWithoutTheBody) {
  StartServer();
  for (const char* target : {"/hello", "/stream", "/nope"}) {
    TestConnection c(port());
    ASSERT_TRUE(
        c.Send(fmt::format("HEAD {} HTTP/1.1\r\nHost: x\r\n\r\n", target) + GetRequest("/hello")));
    std::string bytes;
    char buffer[65536];
    const auto end = std::chrono::steady_clock::now() + kHangGuard;
    while (bytes.find("\r\n\r\nhello") == std::string::npos &&
           std::chrono::steady_clock::now() < end) {
      pollfd p{c.fd(), POLLIN, 0};
      if (poll(&p, 1, 1000) <= 0) continue;
      const ssize_t n = recv(c.fd(), buffer, sizeof buffer, 0);
      if (n <= 0) break;
      bytes.append(buffer, static_cast<size_t>(n));
    }
    const size_t second = bytes.find("HTTP/1.1 200", 1);
    ASSERT_NE(second, std::string::npos) << target << ": " << bytes;
    const std::string head = bytes.substr(0, second);
    EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n") << target << ": a body after the head";
    EXPECT_EQ(head.find("\r\n\r\n"), head.size() - 4) << target << ": " << head;
    EXPECT_EQ(head.substr(0, 12), std::string(target) == "/nope" ? "HTTP/1.1 404" : "HTTP/1.1 200");
    if (std::string(target) == "/hello") {
      EXPECT_NE(head.find("Content-Length: 5\r\n"), std::string::npos) << head;
    }
  }
  // The bytes up to the server's close: the head, then the refusal with its body.
  TestConnection c(port());
  ASSERT_TRUE(c.Send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/9.9\r\n\r\n"));
  std::string bytes;
  char buffer[65536];
  for (;;) {
    pollfd p{c.fd(), POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(kHangGuard.count() * 1000)) <= 0) break;
    const ssize_t n = recv(c.fd(), buffer, sizeof buffer, 0);
    if (n <= 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  const size_t refused = bytes.find("HTTP/1.1 400");
  ASSERT_NE(refused, std::string::npos) << bytes;
  EXPECT_NE(bytes.find("\"error\":", refused), std::string::npos) << bytes;
}

TEST_F(HttpServerTest, StreamsChunkedAnswers) {
  StartServer();
  TestConnection c(port());
  auto r = c.Request(GetRequest("/stream"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["transfer-encoding"], "chunked");
  ASSERT_EQ(r.body.size(), 200u * 1024);
  EXPECT_EQ(r.body.substr(0, 3), "aaa");
  EXPECT_EQ(r.body.substr(199 * 1024, 3), "rrr");  // part 199: 'a' + 199 % 26
  // And the connection is still good for another request.
  EXPECT_EQ(c.Request(GetRequest("/hello")).body, "hello");
}

TEST_F(HttpServerTest, SendsASmallStreamedBodyWhole) {
  router_.Add("GET", "/small", [](const HttpRequest&) {
    HttpResponse r;
    auto n = std::make_shared<int>(0);
    r.stream = [n](std::string* chunk) {
      if (*n == 3) return false;
      *chunk = "part" + std::to_string((*n)++) + ";";
      return true;
    };
    return r;
  });
  StartServer();
  TestConnection c(port());
  auto r = c.Request(GetRequest("/small"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.count("transfer-encoding"), 0u);
  EXPECT_EQ(r.headers["content-length"], "18");
  EXPECT_EQ(r.body, "part0;part1;part2;");
}

TEST_F(HttpServerTest, HandlersMayAnswerFromAnotherThread) {
  StartServer();
  TestConnection c(port());
  auto r = c.Request(GetRequest("/later"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "late");
}

TEST_F(HttpServerTest, AdmitsAHundredKilobyteQueryAndRefusesLargerOnes) {
  StartServer();
  std::string query(100 * 1024, 'a');
  TestConnection c(port());
  auto admitted = c.Request(GetRequest("/echo?" + query));
  EXPECT_EQ(admitted.status, 200);
  EXPECT_EQ(admitted.body, std::to_string(query.size()));

  TestConnection too_long(port());
  auto r414 = too_long.Request(GetRequest("/echo?" + std::string(200 * 1024, 'a')));
  EXPECT_EQ(r414.status, 414);
  EXPECT_EQ(r414.headers["connection"], "close");

  TestConnection big_fields(port());
  auto r431 = big_fields.Request(
      GetRequest("/hello", "X-Filler: " + std::string(200 * 1024, 'b') + "\r\n"));
  EXPECT_EQ(r431.status, 431);
}

TEST_F(HttpServerTest, RefusesBothTransferEncodingAndContentLength) {
  StartServer();
  for (const char* fields : {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
                             "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"}) {
    TestConnection c(port());
    auto r =
        c.Request(std::string("POST /echo HTTP/1.1\r\nHost: x\r\n") + fields + "\r\n0\r\n\r\n");
    EXPECT_EQ(r.status, 400) << fields;
    EXPECT_TRUE(c.ClosedWithin(kHangGuard)) << fields;
  }
}

// A Transfer-Encoding a proxy in front could read another way: the bytes after the head would be
// a body to one and a second request to the other. Each is refused and the connection closed,
// so the request behind it is never answered; chunked alone, in any case and with spaces, is
// still taken.
TEST_F(HttpServerTest, RefusesATransferEncodingOtherThanChunkedOnce) {
  StartServer();
  const std::string behind = GetRequest("/hello");
  for (const char* head :
       {"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
        "POST /echo HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
        "0\r\n\r\n"}) {
    TestConnection c(port());
    auto r = c.Request(std::string(head) + behind);
    EXPECT_EQ(r.status, 400) << head;
    EXPECT_NE(r.body.find("\"error\":"), std::string::npos) << head;
    EXPECT_TRUE(c.ClosedWithin(kHangGuard)) << head;
    EXPECT_FALSE(c.ReadResponse(0ms).complete) << "answered the request behind: " << head;
  }
  for (const char* coding : {"chunked", "Chunked", "  chunked\t", "chunked,"}) {
    TestConnection c(port());
    auto r = c.Request(fmt::format(
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: {}\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        coding));
    EXPECT_EQ(r.status, 200) << coding;
    EXPECT_EQ(r.body, "abc") << coding;
  }
}

// RFC 9112 section 3.2: an HTTP/1.1 request without Host, any request with two Host lines or a
// Host that is no host is refused 400 and the connection closed, so a proxy routing on Host and
// Sluice never take one request for different sites; the request behind it is never answered.
// HTTP/1.0 without Host, an empty Host, ports and bracketed addresses are still taken.
TEST_F(HttpServerTest, RefusesAMissingRepeatedOrMalformedHost) {
  StartServer();
  const std::string behind = GetRequest("/hello");
  for (const char* head :
       {"GET /hello HTTP/1.1\r\n\r\n", "POST /echo HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
        "GET /hello HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n",
        "GET /hello HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n",
        "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\nHost: a\r\n"
        "Host: b\r\n\r\n",
        "GET /hello HTTP/1.1\r\nHost: a b\r\n\r\n", "GET /hello HTTP/1.1\r\nHost: x/y\r\n\r\n",
        "GET /hello HTTP/1.1\r\nHost: user@x\r\n\r\n", "GET /hello HTTP/1.1\r\nHost: x:80a\r\n\r\n",
        "GET /hello HTTP/1.1\r\nHost: x:1:2\r\n\r\n", "GET /hello HTTP/1.1\r\nHost: [::1\r\n\r\n",
        "GET /hello HTTP/1.1\r\nHost: x%zz\r\n\r\n"}) {
    TestConnection c(port());
    auto r = c.Request(std::string(head) + behind);
    EXPECT_EQ(r.status, 400) << head;
    EXPECT_NE(r.body.find("Host"), std::string::npos) << head << ": " << r.body;
    EXPECT_EQ(r.headers["connection"], "close") << head;
    EXPECT_TRUE(c.ClosedWithin(kHangGuard)) << head;
    EXPECT_FALSE(c.ReadResponse(0ms).complete) << "answered the request behind: " << head;
  }
  for (const char* host :
       {"Host: localhost\r\n", "Host: 127.0.0.1:8080\r\n", "Host: [::1]:8080\r\n", "Host: \r\n",
        "HOST:   lake.example.  \r\n", "Host: xn--bcher-kva.example\r\n", "Host: my%20host:\r\n"}) {
    TestConnection c(port());
    auto r = c.Request(fmt::format("GET /hello HTTP/1.1\r\n{}\r\n", host));
    EXPECT_EQ(r.status, 200) << host;
    EXPECT_EQ(r.body, "hello") << host;
  }
  TestConnection old(port());
  auto r = old.Request("GET /hello HTTP/1.0\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello");
}

TEST_F(HttpServerTest, BoundsRequestBodies) {
  ServerLimits limits;
  limits.max_body_bytes = 1024;
  StartServer(limits);
  TestConnection small(port());
  auto ok = small.Request("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "abc");

  TestConnection declared(port());
  auto r = declared.Request("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n");
  EXPECT_EQ(r.status, 413);

  // Chunked, so the size shows only while reading.
  TestConnection chunked(port());
  std::string chunk(2000, 'z');
  auto r2 = chunked.Request("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                            fmt::format("{:x}\r\n", chunk.size()) + chunk + "\r\n0\r\n\r\n");
  EXPECT_EQ(r2.status, 413);
}

TEST_F(HttpServerTest, AnswersGarbageWith400AndStaysUp) {
  StartServer();
  for (std::string garbage :
       {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n", 32),
        std::string("GET /hello HTTP/9.9\r\n\r\n"), std::string("GET\r\n\r\n"),
        std::string("GET /hello HTTP/1.1\r\nHost: x\r\nBad Field\r\n\r\n"),
        std::string("GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: -4\r\n\r\n")}) {
    TestConnection c(port());
    auto r = c.Request(garbage);
    EXPECT_EQ(r.status, 400) << garbage;
    EXPECT_NE(r.body.find("\"error\":"), std::string::npos);
  }
  TestConnection after(port());
  EXPECT_EQ(after.Request(GetRequest("/hello")).status, 200);
}

TEST_F(HttpServerTest, CutsAClientSendingOneByteASecond) {
  ServerLimits limits;
  limits.head_timeout = 2s;
  StartServer(limits);
  TestConnection c(port());
  std::string request = GetRequest("/hello", "X-Slow: " + std::string(100, 's') + "\r\n");
  size_t sent = 0;
  bool cut = false;
  for (; sent < request.size(); ++sent) {
    if (!c.Send(request.substr(sent, 1)) || c.ClosedWithin(1s)) {
      cut = true;
      break;
    }
  }
  EXPECT_TRUE(cut) << "the whole head was sent byte by byte and the server never cut it";
  EXPECT_LT(sent, request.size());
  // The server is still there for others.
  TestConnection other(port());
  EXPECT_EQ(other.Request(GetRequest("/hello")).status, 200);
}

TEST_F(HttpServerTest, ClosesIdleKeepAliveConnections) {
  ServerLimits limits;
  limits.idle_timeout = 1s;
  StartServer(limits);
  TestConnection c(port());
  EXPECT_EQ(c.Request(GetRequest("/hello")).status, 200);
  EXPECT_TRUE(c.ClosedWithin(kHangGuard));
  TestConnection silent(port());
  EXPECT_TRUE(silent.ClosedWithin(kHangGuard));
}

TEST_F(HttpServerTest, StopsAcceptingAtTheCapAndResumesWhenAConnectionCloses) {
  ServerLimits limits;
  limits.max_connections = 3;
  StartServer(limits);
  std::vector<std::unique_ptr<TestConnection>> idle;
  for (int i = 0; i < 3; ++i)
    idle.push_back(std::make_unique<TestConnection>(port()));
  ASSERT_TRUE(WaitForOpen(3));
  // The kernel completes the handshake (backlog); the server does not take it yet.
  TestConnection waiting(port());
  ASSERT_TRUE(waiting.connected());
  ASSERT_TRUE(waiting.Send(GetRequest("/hello")));
  EXPECT_FALSE(waiting.ReadSome(300ms)) << "answered above the connection cap";
  EXPECT_EQ(server_->open_connections(), 3u);
  idle.pop_back();
  auto r = waiting.ReadResponse();
  EXPECT_EQ(r.status, 200);
}

TEST_F(HttpServerTest, AThousandIdleConnectionsDoNotKeepANewClientWaiting) {
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_cur < 2200) {
    files.rlim_cur = std::min<rlim_t>(files.rlim_max, 4096);
    setrlimit(RLIMIT_NOFILE, &files);
  }
  if (files.rlim_cur < 2200) GTEST_SKIP() << "needs 2,200 open files (ulimit -n)";
  StartServer();
  std::vector<std::unique_ptr<TestConnection>> idle;
  for (int i = 0; i < 1000; ++i) {
    idle.push_back(std::make_unique<TestConnection>(port()));
    ASSERT_TRUE(idle.back()->connected()) << i;
  }
  ASSERT_TRUE(WaitForOpen(1000));
  TestConnection fresh(port());
  auto r = fresh.Request(GetRequest("/hello"));
  EXPECT_EQ(r.status, 200);
  // The idle ones are still open and still served.
  EXPECT_GE(server_->open_connections(), 1000u);
  EXPECT_EQ(idle[500]->Request(GetRequest("/hello")).status, 200);
}

TEST_F(HttpServerTest, StopLetsAnAnswerInProgressFinish) {
  StartServer();
  TestConnection c(port());
  ASSERT_TRUE(c.Send(GetRequest("/later")));
  // Stop while /later is still being prepared.
  auto end = std::chrono::steady_clock::now() + kHangGuard;
  while (server_->requests_in_progress() == 0 && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(server_->requests_in_progress(), 1u);
  server_->Stop();
  auto r = c.ReadResponse();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "late");
  TestConnection refused(port());
  EXPECT_FALSE(refused.connected());
}

TEST_F(HttpServerTest, CountsRequestsByRouteAndStatus) {
  StartServer();
  TestConnection c(port());
  c.Request(GetRequest("/hello"));
  c.Request(GetRequest("/hello"));
  c.Request(GetRequest("/random/path"));
  // A request is counted once its answer is written, which the client may see first.
  auto end = std::chrono::steady_clock::now() + kHangGuard;
  while (server_->requests_in_progress() > 0 && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(1ms);
  }
  std::string text = metrics_.Text();
  EXPECT_NE(
      text.find("sluice_http_requests_total{method=\"GET\",route=\"/hello\",status=\"200\"} 2"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("route=\"other\",status=\"404\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("sluice_http_request_duration_seconds_count{route=\"/hello\"} 2"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace sluice::http
