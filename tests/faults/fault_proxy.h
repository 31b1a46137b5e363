// A loopback TCP proxy that the fault tests put between Sluice and a real local server
// (PostgreSQL, MariaDB, the local S3/SQS server) to inject the network faults a real server does
// not produce on demand: delays, stalls, refused or dropped connections, connections cut after a
// number of bytes, a "restart", and in HTTP mode, AWS error answers (500, 503, throttling), cut
// requests and lost answers on a schedule. It is the only fake part of the fault scenarios: the
// server behind it is real, and every byte it does not fault passes unchanged.
//
// Threads: one thread accepts; each connection has one thread of its own. Every public method
// may be called from any thread at any time; a fault set takes effect on the next chunk (TCP
// mode) or the next request (HTTP mode). The destructor cuts every connection and joins every
// thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace sluice::faults {

// kTcp copies bytes both ways as they come. kHttp reads whole HTTP/1.1 requests from the client
// (Content-Length or chunked bodies; no pipelining, which curl does not do) and either forwards
// each one and its whole answer, or answers it with a fault of the schedule.
enum class ProxyMode { kTcp, kHttp };

// Which way bytes flow: from the client (Sluice) to the server, or back.
enum class Direction { kToServer, kToClient };

// What an HTTP request picked by the schedule gets instead of the server's answer.
enum class HttpFault {
  kInternalError,  // 500 with the service's InternalError / InternalFailure body
  kUnavailable,    // 503 with the service's ServiceUnavailable body
  kThrottled,      // S3: 503 SlowDown; SQS: 400 RequestThrottled
  kCut,            // the connection is closed after the request is read, before any answer
  kLostAnswer,     // the request reaches the server, which acts on it; its answer is dropped and
                   // the connection closed (a write that happened although the client saw none)
};

// The error bodies of kInternalError, kUnavailable and kThrottled, as AWS documents them: S3's
// REST XML `<Error><Code>..</Code>` (S3 API Reference, "Error responses"), SQS's JSON protocol
// `{"__type": "com.amazonaws.sqs#Code", "message": ..}` (SQS API Reference, "Common Errors").
enum class AwsService { kS3, kSqs };

// Which requests fail. A request is picked when any rule picks it; the picked ones take the
// faults of `faults` in turn. Requests are numbered from 1 since the schedule was set, counting
// only those that contain `only_if_contains` (in the request line or headers) when it is set.
struct HttpSchedule {
  AwsService service = AwsService::kSqs;
  std::vector<HttpFault> faults = {HttpFault::kUnavailable};
  int every_nth = 0;    // picks requests N, 2N, 3N, ... (0: off)
  double fraction = 0;  // picks each request with this probability, drawn from `seed`
  uint64_t seed = 1;
  int burst_first = 0;           // picks requests burst_first .. burst_first + burst_length - 1
  int burst_length = 0;          // (0: no burst)
  std::string only_if_contains;  // e.g. "AmazonSQS.DeleteMessageBatch" (empty: every request)
};

// What the proxy did, counted since it started. Every field is a count of events, bytes where
// its name says so.
struct FaultCounts {
  uint64_t connections = 0;        // accepted (and then joined to the server)
  uint64_t upstream_failures = 0;  // the server could not be reached: the client was cut
  uint64_t dropped = 0;            // accepted and closed at once (SetDropNew)
  uint64_t restarts = 0;           // Restart calls
  uint64_t cut = 0;                // connections cut by CutAll, Restart or CutAfter
  uint64_t delayed = 0;            // chunks (TCP) or requests (HTTP) held back by SetDelay
  uint64_t bytes_to_server = 0;    // forwarded, TCP mode and HTTP mode alike
  uint64_t bytes_to_client = 0;
  uint64_t http_requests = 0;  // HTTP mode: requests read from clients
  uint64_t http_500 = 0;
  uint64_t http_503 = 0;
  uint64_t http_throttled = 0;
  uint64_t http_cut = 0;
  uint64_t http_lost_answers = 0;

  // Faults that reached a client: cuts, drops and every HTTP fault.
  uint64_t injected() const {
    return dropped + cut + http_500 + http_503 + http_throttled + http_cut + http_lost_answers;
  }
};

class FaultProxy {
 public:
  // Listens on 127.0.0.1 at a port the kernel picks; connects each client to
  // upstream_host:upstream_port (an IPv4 address, usually 127.0.0.1).
  FaultProxy(std::string upstream_host, int upstream_port, ProxyMode mode = ProxyMode::kTcp);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }
  // "127.0.0.1:PORT", to put into a URL in place of the server's host and port.
  std::string address() const;

  // Holds each chunk (TCP) or request (HTTP) back this long before forwarding it (0: none).
  void SetDelay(std::chrono::milliseconds delay);
  // While stalled, nothing is forwarded either way: connections stay open and silent, as a
  // server that hangs or a network that drops every packet.
  void SetStalled(bool stalled);
  // While set, new connections are accepted and closed at once, without reaching the server.
  void SetDropNew(bool drop);
  // One-shot: once `bytes` more bytes have passed in `direction` (over all connections,
  // counted from this call), the connection that carries the last of them is cut right after
  // them; the bytes past the mark are not forwarded. TCP mode only.
  void CutAfter(Direction direction, uint64_t bytes);
  // Cuts every open connection now (both sides see the connection end).
  void CutAll();
  // A restart or failover of the server: the listening port is closed (new connections are
  // refused), then every open connection is cut; after `down`, the port listens again.
  // Returns once the port is closed and the connections cut.
  void Restart(std::chrono::milliseconds down);
  // HTTP mode: the schedule of injected faults (replaces the previous one; numbering restarts).
  void SetHttpSchedule(const HttpSchedule& schedule);
  // HTTP mode: no more injected faults.
  void ClearHttpSchedule();

  FaultCounts counts() const;

 private:
  struct Connection {
    int client = -1;
    int server = -1;
    std::thread thread;
    std::atomic<bool> cut{false};   // cut by the proxy: its thread ends
    std::atomic<bool> done{false};  // its thread has ended; joined by the accept thread
  };

  static int Listen(int port);
  int ConnectUpstream(const Connection* c) const;
  void AcceptLoop();
  void Serve(Connection* c);
  void PumpTcp(Connection* c);
  void ServeHttp(Connection* c);
  bool WaitWhileStalled(const Connection* c);
  void Forget(Connection* c);
  void ReapFinished();
  // HTTP mode: the fault for the next request whose head is `head`, or false for none.
  bool PickFault(const std::string& head, HttpFault* fault);
  std::string ErrorAnswer(HttpFault fault, AwsService service);

  const std::string host_;
  const int upstream_port_;
  const ProxyMode mode_;
  int port_ = 0;
  int listener_ = -1;  // owned by the accept thread once it runs

  std::atomic<bool> stop_{false};
  std::atomic<bool> stalled_{false};
  std::atomic<bool> drop_new_{false};
  std::atomic<int64_t> delay_ms_{0};
  std::atomic<bool> port_closed_{false};

  mutable std::mutex mu_;  // guards everything below
  std::chrono::steady_clock::time_point down_until_{};
  std::set<int> open_fds_;
  std::list<Connection> connections_;
  bool cut_armed_ = false;
  Direction cut_direction_ = Direction::kToServer;
  uint64_t cut_remaining_ = 0;
  bool have_schedule_ = false;
  HttpSchedule schedule_;
  uint64_t scheduled_seen_ = 0;
  uint64_t scheduled_picked_ = 0;
  std::mt19937_64 rng_;
  FaultCounts counts_;

  std::thread accepter_;
};

}  // namespace sluice::faults
