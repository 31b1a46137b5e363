// The lake's HTTP service under load and abuse (issue #12): a real `sluice lake serve` over a
// lake seeded into the local S3 (the reference users), with its default limits, while the test
// opens a thousand connections at once, trickles requests a byte at a time, sends oversized,
// malformed and smuggling requests, and pipelines answers it never reads. All along, a fresh
// client asks GET /data and GET /stats every 100 ms.
// Oracle:
// - every abusive request is answered 4xx, or its connection closed, and no request hidden
//   behind one (smuggled) is ever answered 2xx;
// - a trickled head that never ends is cut within the head timeout (10 s) and a little;
// - the fresh client's every answer is right (the 100 users, the same /stats) and within 2 s;
// - the server's peak resident memory (VmHWM) stays under a bound, and is recorded;
// - the server is still up at the end and exits 0 on SIGTERM with the abusers still connected.
// Short under ctest (1,000 connections once); SLUICE_FAULTS_LONG=1 runs 5,000 connections three
// times, ten times the abusive requests, and a body trickled until the idle timeout cuts it.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "faults/scenario.h"
#include "integration/http_test_client.h"
#include "support/shared_dir.h"
#include "support/test_env.h"

namespace sluice::faults::http_abuse {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using sluice::testing::GetRequest;
using sluice::testing::ParsedResponse;
using sluice::testing::TestConnection;

// The server's documented defaults (docs/lake.md, "The HTTP server"), which the test relies on.
constexpr auto kHeadTimeout = 10s;
constexpr auto kIdleTimeout = 60s;
constexpr size_t kMaxConnections = 10'000;
// How late a cut may come past its timeout on a shared, loaded 2-core machine.
constexpr auto kCutSlack = 5s;
// The fresh client's bound on each answer, connecting included.
constexpr auto kAnswerBound = 2s;
// Peak resident memory the server may reach (it idles near 20 MiB; a thousand connections
// cost a few KiB each and every request's head and body are capped).
constexpr long kRssBoundKib = 256 * 1024;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Raises this process's open-file limit to `wanted` (the server, started after, inherits it);
// false when the hard limit does not allow it.
bool RaiseOpenFiles(rlim_t wanted) {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0) return false;
  if (files.rlim_cur >= wanted) return true;
  if (files.rlim_max < wanted) return false;
  files.rlim_cur = wanted;
  return setrlimit(RLIMIT_NOFILE, &files) == 0;
}

// Waits up to `bound` for `pid` to end: its exit code, 128 + signal, or -1 if it did not end
// (it is then SIGKILLed, so the test never hangs).
int WaitAtMost(int pid, std::chrono::seconds bound) {
  const auto end = Clock::now() + bound;
  for (;;) {
    int status = 0;
    const pid_t got = waitpid(pid, &status, WNOHANG);
    if (got == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (Clock::now() > end) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(20ms);
  }
}

// The user ids of a GET /data answer, in order; empty when it is not a JSON array of users.
std::vector<int64_t> UserIds(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::array users;
  std::vector<int64_t> ids;
  if (parser.parse(body).get(users) != simdjson::SUCCESS) return ids;
  for (simdjson::dom::element user : users) {
    int64_t id = 0;
    if (user["user_id"].get_int64().get(id) != simdjson::SUCCESS) return {};
    ids.push_back(id);
  }
  return ids;
}

// The fresh client: every 100 ms, GET /data and GET /stats on new connections, each checked
// against the answers taken before the abuse and timed from connect to the end of the answer.
class Prober {
 public:
  Prober(uint16_t port, std::vector<int64_t> ids, std::string stats)
      : port_(port), ids_(std::move(ids)), stats_(std::move(stats)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Prober() { Finish(); }

  void Finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  int rounds() const { return rounds_; }
  int failures() const { return failures_; }
  double max_data_s() const { return max_data_s_; }
  double max_stats_s() const { return max_stats_s_; }
  std::string first_failure() {
    std::lock_guard lock(mutex_);
    return first_failure_;
  }

 private:
  void Run() {
    while (!stop_) {
      Check("/data", &max_data_s_);
      Check("/stats", &max_stats_s_);
      ++rounds_;
      std::this_thread::sleep_for(100ms);
    }
  }

  void Check(const std::string& target, std::atomic<double>* max_s) {
    const auto start = Clock::now();
    TestConnection c(port_);
    ParsedResponse r;
    if (c.connected() && c.Send(GetRequest(target))) r = c.ReadResponse(kAnswerBound + 3s);
    const double took = Seconds(Clock::now() - start);
    if (took > *max_s) *max_s = took;
    std::string wrong;
    if (!r.complete || r.status != 200) {
      wrong = fmt::format("{}: status {} (complete: {})", target, r.status, r.complete);
    } else if (target == "/data" && UserIds(r.body) != ids_) {
      wrong = "/data: not the 100 users: " + r.body.substr(0, 200);
    } else if (target == "/stats" && r.body != stats_) {
      wrong = "/stats: " + r.body + " instead of " + stats_;
    } else if (took > Seconds(kAnswerBound)) {
      wrong = fmt::format("{}: answered after {:.2f} s", target, took);
    }
    if (wrong.empty()) return;
    ++failures_;
    std::lock_guard lock(mutex_);
    if (first_failure_.empty()) first_failure_ = wrong;
  }

  const uint16_t port_;
  const std::vector<int64_t> ids_;
  const std::string stats_;
  std::atomic<bool> stop_{false};
  std::atomic<int> rounds_{0}, failures_{0};
  std::atomic<double> max_data_s_{0}, max_stats_s_{0};
  std::mutex mutex_;
  std::string first_failure_;
  std::thread thread_;
};

// What one abusive request got: an answer's status (0 for none) and whether the connection was
// closed after it.
struct Outcome {
  int status = 0;
  bool closed = false;
  int later_2xx = 0;  // answers after the first with a 2xx status: a smuggled request served
  int later = 0;      // answers after the first
};

// Sends `bytes` on a new connection (giving up on a send the server stopped reading), then reads
// every answer until the connection closes or `quiet` passes without one.
Outcome Send(uint16_t port, const std::string& bytes, std::chrono::milliseconds quiet = 2000ms) {
  Outcome out;
  TestConnection c(port);
  if (!c.connected()) return out;
  timeval send_timeout{10, 0};
  setsockopt(c.fd(), SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
  const bool sent = c.Send(bytes);
  ParsedResponse first = c.ReadResponse(sent ? kCutSlack + 10s : std::chrono::milliseconds(2s));
  if (first.complete) out.status = first.status;
  for (;;) {
    ParsedResponse next = c.ReadResponse(quiet);
    if (!next.complete) break;
    ++out.later;
    if (next.status >= 200 && next.status < 300) ++out.later_2xx;
  }
  out.closed = !sent || c.ClosedWithin(quiet);
  return out;
}

// Requests that have no business being answered 2xx: each is refused (4xx), or its connection
// is closed without an answer; `expect` is the status the server is documented to give.
struct Abusive {
  std::string name;
  std::string bytes;
  int expect;
};

std::vector<Abusive> OversizedRequests() {
  const std::string host = "Host: localhost\r\n";
  std::string fields;
  for (int i = 0; i < 20'000; ++i)
    fields += fmt::format("X-F{}: v\r\n", i);
  std::string chunked_body;
  const std::string chunk(64 * 1024, 'c');
  for (int i = 0; i < 64; ++i)
    chunked_body += fmt::format("{:x}\r\n{}\r\n", chunk.size(), chunk);
  chunked_body += "0\r\n\r\n";
  return {
      {"a 200 KiB target", GetRequest("/data?q=" + std::string(200 * 1024, 'q')), 414},
      {"a 4 MiB target", GetRequest("/data?q=" + std::string(4 << 20, 'q')), 414},
      {"a 200 KiB field", GetRequest("/stats", "X-Big: " + std::string(200 * 1024, 'b') + "\r\n"),
       431},
      {"20,000 fields", GetRequest("/stats", fields), 431},
      {"POST /data declaring a 1 GiB body",
       "POST /data HTTP/1.1\r\n" + host + "Content-Length: 1073741824\r\n\r\n", 413},
      {"POST /data sending an 8 MiB body",
       "POST /data HTTP/1.1\r\n" + host + "Content-Length: 8388608\r\n\r\n" +
           std::string(8 << 20, 'b'),
       413},
      {"POST /data sending a 4 MiB chunked body",
       "POST /data HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n" + chunked_body, 413},
  };
}

std::vector<Abusive> MalformedRequests() {
  const std::string rest = "Host: localhost\r\n\r\n";
  return {
      {"no target", "GET\r\n\r\n", 400},
      {"no version (HTTP/0.9)", "GET /stats\r\n\r\n", 400},
      {"two spaces in the request line", "GET  /stats HTTP/1.1\r\n" + rest, 400},
      {"a space in the target", "GET /st ats HTTP/1.1\r\n" + rest, 400},
      {"a bad method token", "G(T /stats HTTP/1.1\r\n" + rest, 400},
      {"a NUL in the target", std::string("GET /st\0ats HTTP/1.1\r\n", 22) + rest, 400},
      {"TLS bytes", std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15), 400},
      {"the HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400},
      {"version HTTP/9.9", "GET /stats HTTP/9.9\r\n" + rest, 400},
      {"version HTTP/1.10", "GET /stats HTTP/1.10\r\n" + rest, 400},
      {"version HTTP/2.0", "GET /stats HTTP/2.0\r\n" + rest, 400},
      {"version http/1.1", "GET /stats http/1.1\r\n" + rest, 400},
      {"version HTTP/1.1x", "GET /stats HTTP/1.1x\r\n" + rest, 400},
      {"bare LF line ends", "GET /stats HTTP/1.1\nHost: localhost\n\n", 400},
      {"a field without a colon", "GET /stats HTTP/1.1\r\nNoColon\r\n" + rest, 400},
      {"a NUL in a field", std::string("GET /stats HTTP/1.1\r\nX-A: a\0b\r\n", 31) + rest, 400},
      {"Content-Length -4", "POST /data HTTP/1.1\r\nContent-Length: -4\r\n" + rest, 400},
      {"Content-Length abc", "POST /data HTTP/1.1\r\nContent-Length: abc\r\n" + rest, 400},
      {"Content-Length +5", "POST /data HTTP/1.1\r\nContent-Length: +5\r\n" + rest, 400},
      {"Content-Length 0x10", "POST /data HTTP/1.1\r\nContent-Length: 0x10\r\n" + rest, 400},
      {"Content-Length 1 2", "POST /data HTTP/1.1\r\nContent-Length: 1 2\r\n" + rest, 400},
      {"Content-Length empty", "POST /data HTTP/1.1\r\nContent-Length: \r\n" + rest, 400},
      {"Content-Length 10^23",
       "POST /data HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n" + rest, 400},
      // RFC 9112 section 3.2; each carries a GET /stats behind it that must not be answered.
      {"no Host in HTTP/1.1", "GET /stats HTTP/1.1\r\n\r\n" + GetRequest("/stats"), 400},
      {"two Host fields",
       "GET /stats HTTP/1.1\r\nHost: localhost\r\nHost: elsewhere\r\n\r\n" + GetRequest("/stats"),
       400},
      {"a Host that is no host",
       "GET /stats HTTP/1.1\r\nHost: localhost/admin\r\n\r\n" + GetRequest("/stats"), 400},
      // The folded line joins Host's value, which a space makes no host.
      {"a line folded into Host",
       "GET /stats HTTP/1.1\r\nHost: localhost\r\n elsewhere\r\n\r\n" + GetRequest("/stats"), 400},
  };
}

// Each carries a second request, GET /stats, that a server reading the framing the lenient way
// would answer 200: it must never be answered. The first must be refused.
std::vector<Abusive> SmugglingRequests() {
  const std::string behind = "GET /stats HTTP/1.1\r\nHost: localhost\r\n\r\n";
  const std::string post = "POST /data HTTP/1.1\r\nHost: localhost\r\n";
  const std::string empty_chunked = "0\r\n\r\n";
  const std::string as_chunk =
      fmt::format("{:x}\r\n{}\r\n0\r\n\r\n", behind.size(), behind);  // behind, as a chunk
  return {
      {"Content-Length then Transfer-Encoding: chunked",
       post +
           fmt::format("Content-Length: {}\r\nTransfer-Encoding: chunked\r\n\r\n",
                       empty_chunked.size() + behind.size()) +
           empty_chunked + behind,
       400},
      {"Transfer-Encoding: chunked then Content-Length: 0",
       post + "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n" + as_chunk, 400},
      {"two Content-Lengths, 0 and the rest",
       post + fmt::format("Content-Length: 0\r\nContent-Length: {}\r\n\r\n", behind.size()) +
           behind,
       400},
      {"Content-Length: 0, N",
       post + fmt::format("Content-Length: 0, {}\r\n\r\n", behind.size()) + behind, 400},
      {"Transfer-Encoding: xchunked", post + "Transfer-Encoding: xchunked\r\n\r\n" + behind, 400},
      {"Transfer-Encoding: chunkedx", post + "Transfer-Encoding: chunkedx\r\n\r\n" + behind, 400},
      {"Transfer-Encoding: gzip", post + "Transfer-Encoding: gzip\r\n\r\n" + behind, 400},
      {"Transfer-Encoding: identity", post + "Transfer-Encoding: identity\r\n\r\n" + behind, 400},
      {"Transfer-Encoding empty", post + "Transfer-Encoding: \r\n\r\n" + behind, 400},
      {"Transfer-Encoding: chunked, gzip",
       post + "Transfer-Encoding: chunked, gzip\r\n\r\n" + empty_chunked + behind, 400},
      {"Transfer-Encoding: gzip, chunked",
       post + "Transfer-Encoding: gzip, chunked\r\n\r\n" + empty_chunked + behind, 400},
      {"Transfer-Encoding: chunked, chunked",
       post + "Transfer-Encoding: chunked, chunked\r\n\r\n" + as_chunk + behind, 400},
      {"two Transfer-Encoding fields, chunked and identity",
       post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n" + as_chunk +
           behind,
       400},
      {"a space before the colon",
       post + "Transfer-Encoding : chunked\r\n\r\n" + empty_chunked + behind, 400},
      {"a vertical tab before chunked",
       post + "Transfer-Encoding: \x0b" + "chunked\r\n\r\n" + empty_chunked + behind, 400},
      {"chunked in an HTTP/1.0 request",
       "POST /data HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n" +
           empty_chunked + behind,
       400},
      {"a chunk size 0x0", post + "Transfer-Encoding: chunked\r\n\r\n0x0\r\n\r\n" + behind, 400},
      {"a chunk size past 64 bits",
       post + "Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\n\r\n" + behind, 400},
      {"a chunk ending in bare LF", post + "Transfer-Encoding: chunked\r\n\r\n0\n\n" + behind, 400},
      {"chunk data longer than its size",
       post + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n" + behind, 400},
  };
}

// Framings both sides read alike: the first request may be answered, and nothing behind it is a
// second request Sluice may serve 2xx (a folded line is joined to the field above it, as RFC 9112
// section 5.2 allows, so " Transfer-Encoding" is no field; the bytes after are a bad request; the
// field above is not Host, which the fold would make no host: refused, see MalformedRequests).
std::vector<Abusive> AmbiguousLooking() {
  const std::string behind = "GET /stats HTTP/1.1\r\nHost: localhost\r\n\r\n";
  return {
      {"a folded Transfer-Encoding line",
       "GET /stats HTTP/1.1\r\nHost: localhost\r\nX-A: a\r\n Transfer-Encoding: chunked\r\n\r\n"
       "0\r\n\r\n" +
           behind,
       200},
      {"two equal Content-Lengths holding the second request as the body",
       fmt::format("GET /stats HTTP/1.1\r\nHost: localhost\r\nContent-Length: {0}\r\n"
                   "Content-Length: {0}\r\n\r\n",
                   behind.size()) +
           behind,
       200},
  };
}

// Connections trickling a head one byte per 100 ms: `endless` ones never end it (a field that
// grows) and must be cut near the head timeout; the others send a whole GET /stats (3.4 s), which
// is answered. Runs on its own thread.
struct TrickleResult {
  int endless = 0, endless_cut = 0, finite = 0, finite_answered = 0;
  double first_cut_s = 0, last_cut_s = 0;
};

TrickleResult Trickle(uint16_t port, int endless, int finite, std::chrono::seconds budget) {
  struct Slow {
    std::unique_ptr<TestConnection> c;
    std::string bytes;
    size_t sent = 0;
    bool endless = false, done = false;
    Clock::time_point started;
  };
  TrickleResult result;
  result.endless = endless;
  result.finite = finite;
  std::vector<Slow> slow;
  const std::string finite_request = GetRequest("/stats");
  for (int i = 0; i < endless + finite; ++i) {
    Slow s;
    s.c = std::make_unique<TestConnection>(port);
    s.endless = i < endless;
    s.bytes = s.endless ? "GET /stats HTTP/1.1\r\nHost: localhost\r\nX-Slow: " : finite_request;
    s.started = Clock::now();
    slow.push_back(std::move(s));
  }
  const auto end = Clock::now() + budget;
  result.first_cut_s = 1e9;
  std::vector<pollfd> fds(slow.size());
  while (Clock::now() < end) {
    // Which connections have something to read (an answer, or the server's close), all at once.
    for (size_t i = 0; i < slow.size(); ++i)
      fds[i] = {slow[i].done ? -1 : slow[i].c->fd(), POLLIN, 0};
    poll(fds.data(), fds.size(), 0);
    bool any = false;
    for (size_t i = 0; i < slow.size(); ++i) {
      Slow& s = slow[i];
      if (s.done) continue;
      any = true;
      if (!s.endless && s.sent == s.bytes.size()) {
        ParsedResponse r = s.c->ReadResponse(10ms);
        if (r.complete) {
          s.done = true;
          if (r.status == 200) ++result.finite_answered;
        }
        continue;
      }
      const char byte = s.sent < s.bytes.size() ? s.bytes[s.sent] : 's';
      const bool sent = s.c->Send(std::string_view(&byte, 1));
      ++s.sent;
      if (s.endless && (!sent || (fds[i].revents != 0 && s.c->ClosedWithin(1ms)))) {
        s.done = true;
        ++result.endless_cut;
        const double after = Seconds(Clock::now() - s.started);
        result.first_cut_s = std::min(result.first_cut_s, after);
        result.last_cut_s = std::max(result.last_cut_s, after);
      }
    }
    if (!any) break;
    std::this_thread::sleep_for(100ms);
  }
  if (result.endless_cut == 0) result.first_cut_s = 0;
  return result;
}

// Opens `n` connections, then sends GET /stats on every one and reads every answer: all `n` are
// open at once on the server. Returns how many were answered with `stats`; the connections stay
// open in `*held`.
int Flood(uint16_t port, int n, const std::string& stats,
          std::vector<std::unique_ptr<TestConnection>>* held) {
  held->clear();
  for (int i = 0; i < n; ++i) {
    held->push_back(std::make_unique<TestConnection>(port));
    if (!held->back()->connected()) return 0;
  }
  const std::string request = GetRequest("/stats");
  for (auto& c : *held) {
    if (!c->Send(request)) return 0;
  }
  std::vector<bool> answered(held->size(), false);
  int right = 0, pending = n;
  const auto end = Clock::now() + 60s;
  std::vector<pollfd> fds(held->size());
  while (pending > 0 && Clock::now() < end) {
    for (size_t i = 0; i < held->size(); ++i)
      fds[i] = {answered[i] ? -1 : (*held)[i]->fd(), POLLIN, 0};
    if (poll(fds.data(), fds.size(), 1000) <= 0) continue;
    for (size_t i = 0; i < held->size(); ++i) {
      if (answered[i] || fds[i].revents == 0) continue;
      // 10 ms, not 1: the client counts whole milliseconds left, and 1 ms may round to none.
      ParsedResponse r = (*held)[i]->ReadResponse(10ms);
      if (!r.complete && fds[i].revents == POLLIN) continue;
      answered[i] = true;
      --pending;
      if (r.complete && r.status == 200 && r.body == stats) ++right;
    }
  }
  return right;
}

// Connections that pipeline `requests` GET /data each and never read an answer: the server's
// writes stall once the socket buffers are full.
std::vector<std::unique_ptr<TestConnection>> SlowReaders(uint16_t port, int n, int requests) {
  std::vector<std::unique_ptr<TestConnection>> readers;
  std::string pipeline;
  for (int i = 0; i < requests; ++i)
    pipeline += GetRequest("/data");
  for (int i = 0; i < n; ++i) {
    readers.push_back(std::make_unique<TestConnection>(port));
    timeval send_timeout{2, 0};  // the server may stop reading; what was sent is enough
    setsockopt(readers.back()->fd(), SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
    readers.back()->Send(pipeline);
  }
  return readers;
}

class HttpAbuse : public ::testing::Test {
 protected:
  void SetUp() override {
    if (sluice::testing::SharedDir().empty()) GTEST_SKIP() << sluice::testing::kNoSharedDirMessage;
    SLUICE_REQUIRE_AWS();
    fixture_ = sluice::testing::SharedDir() + "/fixtures/provectus/data";
    connections_ = LongRun() ? 5000 : 1000;
    // The held connections, the abusers and the prober, for this process and for the server,
    // which inherits the limit (and raises its own towards the hard one, docs/lake.md).
    ASSERT_LE(static_cast<size_t>(connections_), kMaxConnections);
    if (!RaiseOpenFiles(static_cast<rlim_t>(connections_) + 1024)) {
      GTEST_SKIP() << "needs " << connections_ + 1024 << " open files (ulimit -Hn)";
    }
    std::string bucket = sluice::testing::UniqueName("http-abuse");
    std::replace(bucket.begin(), bucket.end(), '_', '-');
    lake_ = "s3://" + bucket + "/";
    auto seeded = sluice::testing::RunSluice(
        {"lake", "seed", fixture_, lake_ + "source_data/", "--create-bucket"}, "");
    ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
    int port = 0;
    // The kernel's pick, given back for sluice to bind; nothing else binds it meanwhile.
    const int probe = sluice::testing::ListenOnLoopback(&port);
    ASSERT_GE(probe, 0);
    close(probe);
    port_ = static_cast<uint16_t>(port);
    pid_ = sluice::testing::SpawnSluice({"lake", "serve", lake_, "--listen",
                                         fmt::format("127.0.0.1:{}", port_), "--refresh", "60m"},
                                        "", &output_);
    ASSERT_GT(pid_, 0);
    const auto end = Clock::now() + 60s;
    for (;;) {
      TestConnection c(port_);
      if (c.connected() && c.Request(GetRequest("/health")).status == 200) break;
      ASSERT_LT(Clock::now(), end) << "lake serve did not become healthy";
      std::this_thread::sleep_for(50ms);
    }
  }

  void TearDown() override {
    if (pid_ > 0) WaitAtMost(pid_, std::chrono::seconds(0));  // SIGKILLs one still running
  }

  std::string fixture_, lake_, output_;
  int connections_ = 0;
  uint16_t port_ = 0;
  int pid_ = -1;
};

TEST_F(HttpAbuse, StaysUpAnswersAFreshClientPromptlyAndBoundsItsMemory) {
  const auto start = Clock::now();
  const int rounds = LongRun() ? 3 : 1;
  const int repeats = LongRun() ? 10 : 1;  // of the oversized, malformed and smuggling lists

  // The answers a fresh client must keep getting.
  TestConnection first(port_);
  ParsedResponse data = first.Request(GetRequest("/data"));
  ASSERT_EQ(data.status, 200);
  const std::vector<int64_t> ids = UserIds(data.body);
  ASSERT_EQ(ids.size(), 100u) << data.body.substr(0, 300);
  ParsedResponse stats = first.Request(GetRequest("/stats"));
  ASSERT_EQ(stats.status, 200);
  ASSERT_NE(stats.body.find("\"count\":100"), std::string::npos) << stats.body;
  const long rss_idle_kib = ProcStatusKib(pid_, "VmRSS");

  Prober prober(port_, ids, stats.body);

  // 1. Connections by the thousand, all open at once, every one answered.
  std::vector<std::unique_ptr<TestConnection>> held;
  double flood_s = 0;
  for (int round = 0; round < rounds; ++round) {
    const auto flood_start = Clock::now();
    const int right = Flood(port_, connections_, stats.body, &held);
    flood_s = std::max(flood_s, Seconds(Clock::now() - flood_start));
    EXPECT_EQ(right, connections_)
        << "round " << round << ": of " << connections_ << " connections open at once, " << right
        << " got the right /stats";
    if (round + 1 < rounds) held.clear();
  }
  const long rss_flood_kib = ProcStatusKib(pid_, "VmRSS");

  // 2. Slow clients, on their own thread while the rest goes on.
  const int endless = LongRun() ? 200 : 20, finite = LongRun() ? 20 : 5;
  TrickleResult trickled;
  std::thread trickler(
      [&] { trickled = Trickle(port_, endless, finite, kHeadTimeout + kCutSlack + 5s); });
  // A body trickled one byte per 100 ms is bounded by the idle timeout (the long run only: it
  // takes a minute).
  int slow_bodies = 0, slow_bodies_cut = 0;
  double slow_body_cut_s = 0;
  std::thread body_trickler;
  if (LongRun()) {
    slow_bodies = 10;
    body_trickler = std::thread([&] {
      std::vector<std::unique_ptr<TestConnection>> bodies;
      for (int i = 0; i < slow_bodies; ++i) {
        bodies.push_back(std::make_unique<TestConnection>(port_));
        bodies.back()->Send(
            "POST /data HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n");
      }
      const auto body_start = Clock::now();
      std::vector<bool> cut(bodies.size(), false);
      while (Clock::now() < body_start + kIdleTimeout + kCutSlack + 5s) {
        for (size_t i = 0; i < bodies.size(); ++i) {
          if (cut[i]) continue;
          if (!bodies[i]->Send("b") || bodies[i]->ClosedWithin(1ms)) {
            cut[i] = true;
            ++slow_bodies_cut;
            slow_body_cut_s = std::max(slow_body_cut_s, Seconds(Clock::now() - body_start));
          }
        }
        if (slow_bodies_cut == slow_bodies) break;
        std::this_thread::sleep_for(100ms);
      }
    });
  }

  // 3. Answers never read, piling up behind full socket buffers.
  const int readers = LongRun() ? 100 : 20;
  auto slow_readers = SlowReaders(port_, readers, 2000);

  // 4. Oversized, malformed and smuggling requests, each on a connection of its own.
  int abusive = 0, refused_4xx = 0, closed_unanswered = 0, unexpected_status = 0, smuggled = 0;
  auto judge = [&](const Abusive& a, bool must_refuse) {
    const Outcome o = Send(port_, a.bytes);
    ++abusive;
    smuggled += o.later_2xx;
    EXPECT_EQ(o.later_2xx, 0) << a.name << ": a request behind it was answered 2xx";
    if (!must_refuse) {
      EXPECT_EQ(o.status, a.expect) << a.name;
      return;
    }
    EXPECT_EQ(o.later, 0) << a.name << ": answered a request behind a refused one";
    EXPECT_TRUE(o.closed) << a.name << ": the connection stayed open";
    if (o.status >= 400 && o.status < 500) {
      ++refused_4xx;
    } else if (o.status == 0 && o.closed) {
      ++closed_unanswered;
    } else {
      ADD_FAILURE() << a.name << ": answered " << o.status;
    }
    if (o.status != 0 && o.status != a.expect) ++unexpected_status;
    EXPECT_TRUE(o.status == a.expect || o.status == 0)
        << a.name << ": " << o.status << " instead of " << a.expect;
  };
  const auto oversized = OversizedRequests();
  const auto malformed = MalformedRequests();
  const auto smuggling = SmugglingRequests();
  const auto lookalikes = AmbiguousLooking();
  for (int r = 0; r < repeats; ++r) {
    for (const Abusive& a : oversized)
      judge(a, true);
    for (const Abusive& a : malformed)
      judge(a, true);
    for (const Abusive& a : smuggling)
      judge(a, true);
    for (const Abusive& a : lookalikes)
      judge(a, false);
  }
  // The oracle can see a second answer: a plain pipelined pair gets two.
  const Outcome pipelined = Send(port_, GetRequest("/stats") + GetRequest("/stats"), 500ms);
  EXPECT_EQ(pipelined.status, 200);
  EXPECT_EQ(pipelined.later_2xx, 1) << "the test cannot see an answer to a second request";

  trickler.join();
  if (body_trickler.joinable()) body_trickler.join();
  EXPECT_EQ(trickled.endless_cut, endless)
      << "heads that never end, cut within " << Seconds(kHeadTimeout + kCutSlack) << " s";
  EXPECT_LE(trickled.last_cut_s, Seconds(kHeadTimeout + kCutSlack));
  EXPECT_GE(trickled.first_cut_s, Seconds(kHeadTimeout) - 1) << "cut before the head timeout";
  EXPECT_EQ(trickled.finite_answered, finite) << "a slow but whole head within the timeout";
  EXPECT_EQ(slow_bodies_cut, slow_bodies);

  // Still up, with everything above still connected: the fresh client gets its answers.
  TestConnection after(port_);
  EXPECT_EQ(after.Request(GetRequest("/stats")).body, stats.body);
  prober.Finish();
  EXPECT_EQ(prober.failures(), 0) << prober.first_failure();
  EXPECT_GT(prober.rounds(), 10);

  const long hwm_kib = ProcStatusKib(pid_, "VmHWM");
  EXPECT_GT(hwm_kib, 0);
  EXPECT_LT(hwm_kib, kRssBoundKib) << "the server's peak resident memory";

  // SIGTERM with the thousand held connections and the stalled readers still there.
  const auto term = Clock::now();
  kill(pid_, SIGTERM);
  const int code = WaitAtMost(pid_, 30s);
  const double stop_s = Seconds(Clock::now() - term);
  pid_ = -1;
  EXPECT_EQ(code, 0) << "SIGTERM is a clean stop";

  Figures f;
  f.scenario = "http_abuse";
  f.in = static_cast<uint64_t>(connections_ * rounds + endless + finite + slow_bodies + readers +
                               abusive);
  f.faults = static_cast<uint64_t>(abusive + endless + slow_bodies + readers);
  f.lost = static_cast<uint64_t>(prober.failures());
  f.duplicated = static_cast<uint64_t>(smuggled);
  f.seconds = Seconds(Clock::now() - start);
  f.peak_rss_kib = hwm_kib;
  f.detail = fmt::format(
      "{} connections open at once x{} rounds, slowest flood {:.1f} s; {} endless trickled heads "
      "cut after {:.1f}-{:.1f} s, {}/{} slow whole heads answered; {} trickled bodies cut by "
      "{:.1f} "
      "s; {} readers never reading 2,000 pipelined GET /data; {} abusive requests ({} oversized, "
      "{} "
      "malformed, {} smuggling, {} look-alikes, x{}): {} refused 4xx, {} closed unanswered, {} "
      "other 4xx than documented, {} smuggled answered; fresh client {} rounds, slowest /data "
      "{:.3f} s, /stats {:.3f} s, {} wrong or late; RSS idle {} MiB, after the flood {} MiB, "
      "VmHWM {} MiB; SIGTERM exit {} in {:.1f} s",
      connections_, rounds, flood_s, endless, trickled.first_cut_s, trickled.last_cut_s,
      trickled.finite_answered, finite, slow_bodies_cut, slow_body_cut_s, readers, abusive,
      oversized.size(), malformed.size(), smuggling.size(), lookalikes.size(), repeats, refused_4xx,
      closed_unanswered, unexpected_status, smuggled, prober.rounds(), prober.max_data_s(),
      prober.max_stats_s(), prober.failures(), rss_idle_kib / 1024, rss_flood_kib / 1024,
      hwm_kib / 1024, code, stop_s);
  Report(f);
}

}  // namespace
}  // namespace sluice::faults::http_abuse
