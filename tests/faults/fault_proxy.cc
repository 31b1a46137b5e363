#include "faults/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "support/test_env.h"

namespace sluice::faults {
namespace {

using sluice::testing::SendAll;

using namespace std::chrono_literals;

constexpr size_t kChunk = 16384;
constexpr size_t kMostHeadBytes = 1 << 20;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return text;
}

// The value of header `name` (lower case) in an HTTP head, or "" when it has none.
std::string HeaderValue(const std::string& head, const std::string& name) {
  const std::string lower = Lower(head);
  const size_t at = lower.find("\r\n" + name + ":");
  if (at == std::string::npos) return "";
  size_t begin = at + 3 + name.size();
  const size_t end = head.find("\r\n", begin);
  while (begin < end && (head[begin] == ' ' || head[begin] == '\t'))
    ++begin;
  return Lower(head.substr(begin, end - begin));
}

// Bytes read from one socket, kept until a whole head or body has arrived. Reading gives up when
// the connection ends, is cut, or the proxy stops.
class Reader {
 public:
  Reader(int fd, const std::atomic<bool>* stop, const std::atomic<bool>* cut)
      : fd_(fd), stop_(stop), cut_(cut) {}

  void Reset(int fd) {
    fd_ = fd;
    buffer_.clear();
  }

  // Appends what the socket has to the buffer; false at its end.
  bool Fill() {
    char chunk[kChunk];
    for (;;) {
      if (*stop_ || *cut_) return false;
      pollfd p{fd_, POLLIN, 0};
      const int ready = poll(&p, 1, 50);
      if (ready < 0) return false;
      if (ready == 0) continue;
      const ssize_t n = read(fd_, chunk, sizeof chunk);
      if (n <= 0) return false;
      buffer_.append(chunk, static_cast<size_t>(n));
      return true;
    }
  }

  // The head of a request or answer, through its blank line.
  bool Head(std::string* head) {
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (buffer_.size() > kMostHeadBytes || !Fill()) return false;
    }
    *head = buffer_.substr(0, end + 4);
    buffer_.erase(0, end + 4);
    return true;
  }

  bool Bytes(size_t count, std::string* out) {
    while (buffer_.size() < count) {
      if (!Fill()) return false;
    }
    out->append(buffer_, 0, count);
    buffer_.erase(0, count);
    return true;
  }

  bool Line(std::string* out, std::string* line) {
    size_t end;
    while ((end = buffer_.find("\r\n")) == std::string::npos) {
      if (buffer_.size() > kMostHeadBytes || !Fill()) return false;
    }
    *line = buffer_.substr(0, end);
    return Bytes(end + 2, out);
  }

  // The body after `head`, as sent (chunked framing kept). `no_body` for answers to HEAD and
  // 204/304; an answer with neither length nor chunks runs to the end of the connection, and
  // `*to_close` says so.
  bool Body(const std::string& head, bool is_answer, bool no_body, std::string* body,
            bool* to_close) {
    *to_close = false;
    if (no_body) return true;
    if (HeaderValue(head, "transfer-encoding").find("chunked") != std::string::npos) {
      for (;;) {
        std::string line;
        if (!Line(body, &line)) return false;
        const size_t size = std::strtoull(line.c_str(), nullptr, 16);
        if (size == 0) {
          do {
            if (!Line(body, &line)) return false;
          } while (!line.empty());
          return true;
        }
        if (!Bytes(size + 2, body)) return false;
      }
    }
    const std::string length = HeaderValue(head, "content-length");
    if (!length.empty()) return Bytes(std::strtoull(length.c_str(), nullptr, 10), body);
    if (!is_answer) return true;
    *to_close = true;
    while (Fill()) {
    }
    body->append(buffer_);
    buffer_.clear();
    return true;
  }

 private:
  int fd_;
  const std::atomic<bool>* stop_;
  const std::atomic<bool>* cut_;
  std::string buffer_;
};

}  // namespace

FaultProxy::FaultProxy(std::string upstream_host, int upstream_port, ProxyMode mode)
    : host_(std::move(upstream_host)), upstream_port_(upstream_port), mode_(mode) {
  listener_ = Listen(0);
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (listener_ >= 0) getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  accepter_ = std::thread([this] { AcceptLoop(); });
}

FaultProxy::~FaultProxy() {
  stop_ = true;
  accepter_.join();
  CutAll();
  for (auto& c : connections_)
    c.thread.join();
}

std::string FaultProxy::address() const {
  return "127.0.0.1:" + std::to_string(port_);
}

void FaultProxy::SetDelay(std::chrono::milliseconds delay) {
  delay_ms_ = delay.count();
}

void FaultProxy::SetStalled(bool stalled) {
  stalled_ = stalled;
}

void FaultProxy::SetDropNew(bool drop) {
  drop_new_ = drop;
}

void FaultProxy::CutAfter(Direction direction, uint64_t bytes) {
  std::lock_guard lock(mu_);
  cut_armed_ = true;
  cut_direction_ = direction;
  cut_remaining_ = bytes;
}

void FaultProxy::CutAll() {
  std::lock_guard lock(mu_);
  for (auto& c : connections_) {
    if (c.done || c.cut) continue;
    c.cut = true;
    if (c.client >= 0) shutdown(c.client, SHUT_RDWR);
    if (c.server >= 0) shutdown(c.server, SHUT_RDWR);
    ++counts_.cut;
  }
}

void FaultProxy::Restart(std::chrono::milliseconds down) {
  {
    std::lock_guard lock(mu_);
    down_until_ = std::chrono::steady_clock::now() + down;
    ++counts_.restarts;
  }
  // The port is closed before the cut, so no reconnect slips in between.
  while (!port_closed_ && !stop_)
    std::this_thread::sleep_for(1ms);
  CutAll();
}

void FaultProxy::SetHttpSchedule(const HttpSchedule& schedule) {
  std::lock_guard lock(mu_);
  have_schedule_ = true;
  schedule_ = schedule;
  scheduled_seen_ = 0;
  scheduled_picked_ = 0;
  rng_.seed(schedule.seed);
}

void FaultProxy::ClearHttpSchedule() {
  std::lock_guard lock(mu_);
  have_schedule_ = false;
}

FaultCounts FaultProxy::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

// Every socket of the proxy is close-on-exec: a Sluice process the test spawns must not inherit
// the listening socket, or the port would keep listening (unanswered) in that process after a
// Restart closed it here, and could not be bound again.
int FaultProxy::Listen(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 128) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int FaultProxy::ConnectUpstream(const Connection* c) const {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(upstream_port_));
  inet_pton(AF_INET, host_.c_str(), &addr.sin_addr);
  // Without blocking, so that a server slow to accept holds only this connection (until a cut
  // or the proxy's end), never the accept thread or the proxy's destructor.
  int error = 0;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    error = errno;
    while (error == EINPROGRESS) {
      if (stop_ || c->cut) break;
      pollfd p{fd, POLLOUT, 0};
      if (poll(&p, 1, 50) == 0) continue;
      socklen_t size = sizeof error;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
    }
  }
  if (error != 0) {
    close(fd);
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

void FaultProxy::ReapFinished() {
  std::list<Connection> finished;
  {
    std::lock_guard lock(mu_);
    for (auto it = connections_.begin(); it != connections_.end();) {
      auto next = std::next(it);
      if (it->done) finished.splice(finished.end(), connections_, it);
      it = next;
    }
  }
  for (auto& c : finished)
    c.thread.join();
}

void FaultProxy::AcceptLoop() {
  while (!stop_) {
    ReapFinished();
    bool down;
    {
      std::lock_guard lock(mu_);
      down = std::chrono::steady_clock::now() < down_until_;
    }
    if (down != (listener_ < 0)) {
      // Going down closes the port (connecting is refused); coming back reopens it.
      if (down) {
        close(listener_);
        listener_ = -1;
      } else {
        listener_ = Listen(port_);
      }
      port_closed_ = listener_ < 0;
    }
    if (listener_ < 0) {
      std::this_thread::sleep_for(10ms);
      continue;
    }
    pollfd p{listener_, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    const int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    if (drop_new_) {
      close(client);
      std::lock_guard lock(mu_);
      ++counts_.dropped;
      continue;
    }
    std::lock_guard lock(mu_);
    ++counts_.connections;
    Connection& c = connections_.emplace_back();
    c.client = client;
    c.thread = std::thread([this, &c] { Serve(&c); });
  }
  if (listener_ >= 0) close(listener_);
  listener_ = -1;
}

void FaultProxy::Serve(Connection* c) {
  if (mode_ == ProxyMode::kTcp) {
    // HTTP mode joins the server at the first request it forwards, and again after a cut.
    const int server = ConnectUpstream(c);
    {
      std::lock_guard lock(mu_);
      c->server = server;
      if (server < 0) ++counts_.upstream_failures;  // the client sees its connection end
    }
    if (server >= 0) PumpTcp(c);
  } else {
    ServeHttp(c);
  }
  Forget(c);
}

void FaultProxy::Forget(Connection* c) {
  int client, server;
  {
    std::lock_guard lock(mu_);
    client = c->client;
    server = c->server;
    c->client = -1;
    c->server = -1;
  }
  if (client >= 0) close(client);
  if (server >= 0) close(server);
  c->done = true;
}

bool FaultProxy::WaitWhileStalled(const Connection* c) {
  while (stalled_) {
    if (stop_ || c->cut) return false;
    std::this_thread::sleep_for(10ms);
  }
  for (auto left = std::chrono::milliseconds(delay_ms_.load()); left > 0ms; left -= 10ms) {
    if (stop_ || c->cut) return false;
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(left, 10ms));
  }
  return !stop_ && !c->cut;
}

void FaultProxy::PumpTcp(Connection* c) {
  char buffer[kChunk];
  const int fds[2] = {c->client, c->server};
  while (!stop_ && !c->cut) {
    if (stalled_) {
      if (!WaitWhileStalled(c)) return;
      continue;
    }
    pollfd p[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
    const int ready = poll(p, 2, 50);
    if (ready < 0) return;
    for (int i = 0; i < 2; ++i) {
      if (!p[i].revents) continue;
      const ssize_t n = read(fds[i], buffer, sizeof buffer);
      if (n <= 0) return;
      if (delay_ms_ > 0) {
        {
          std::lock_guard lock(mu_);
          ++counts_.delayed;
        }
        if (!WaitWhileStalled(c)) return;
      }
      const Direction direction = i == 0 ? Direction::kToServer : Direction::kToClient;
      size_t pass = static_cast<size_t>(n);
      bool cut_here = false;
      {
        std::lock_guard lock(mu_);
        if (cut_armed_ && cut_direction_ == direction) {
          if (cut_remaining_ <= pass) {
            pass = static_cast<size_t>(cut_remaining_);
            cut_armed_ = false;
            cut_here = true;
          } else {
            cut_remaining_ -= pass;
          }
        }
        (direction == Direction::kToServer ? counts_.bytes_to_server : counts_.bytes_to_client) +=
            pass;
      }
      if (!SendAll(fds[1 - i], std::string_view(buffer, pass))) return;
      if (cut_here) {
        std::lock_guard lock(mu_);
        if (!c->cut) ++counts_.cut;
        c->cut = true;
        shutdown(fds[0], SHUT_RDWR);
        shutdown(fds[1], SHUT_RDWR);
        return;
      }
    }
  }
}

bool FaultProxy::PickFault(const std::string& head, HttpFault* fault) {
  std::lock_guard lock(mu_);
  if (!have_schedule_ || schedule_.faults.empty()) return false;
  if (!schedule_.only_if_contains.empty() &&
      head.find(schedule_.only_if_contains) == std::string::npos) {
    return false;
  }
  const uint64_t n = ++scheduled_seen_;
  // Drawn for every request, picked or not, so one seed gives one sequence.
  const bool by_chance = std::uniform_real_distribution<double>(0, 1)(rng_) < schedule_.fraction;
  const bool picked =
      by_chance ||
      (schedule_.every_nth > 0 && n % static_cast<uint64_t>(schedule_.every_nth) == 0) ||
      (schedule_.burst_length > 0 && n >= static_cast<uint64_t>(schedule_.burst_first) &&
       n < static_cast<uint64_t>(schedule_.burst_first + schedule_.burst_length));
  if (!picked) return false;
  *fault = schedule_.faults[scheduled_picked_++ % schedule_.faults.size()];
  switch (*fault) {
    case HttpFault::kInternalError:
      ++counts_.http_500;
      break;
    case HttpFault::kUnavailable:
      ++counts_.http_503;
      break;
    case HttpFault::kThrottled:
      ++counts_.http_throttled;
      break;
    case HttpFault::kCut:
      ++counts_.http_cut;
      break;
    case HttpFault::kLostAnswer:
      ++counts_.http_lost_answers;
      break;
  }
  return true;
}

std::string FaultProxy::ErrorAnswer(HttpFault fault, AwsService service) {
  int status = 500;
  std::string code, message;
  switch (fault) {
    case HttpFault::kInternalError:
      code = service == AwsService::kS3 ? "InternalError" : "InternalFailure";
      message = "We encountered an internal error. Please try again.";
      break;
    case HttpFault::kUnavailable:
      status = 503;
      code = "ServiceUnavailable";
      message = "Service is unable to handle request.";
      break;
    default:  // kThrottled
      status = service == AwsService::kS3 ? 503 : 400;
      code = service == AwsService::kS3 ? "SlowDown" : "RequestThrottled";
      message = service == AwsService::kS3 ? "Please reduce your request rate."
                                           : "The request was denied due to request throttling.";
      break;
  }
  std::string body, type;
  if (service == AwsService::kS3) {
    type = "application/xml";
    body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" +
           message + "</Message><RequestId>fault-proxy</RequestId></Error>";
  } else {
    type = "application/x-amz-json-1.0";
    body = "{\"__type\":\"com.amazonaws.sqs#" + code + "\",\"message\":\"" + message + "\"}";
  }
  const char* reason = status == 503   ? "Service Unavailable"
                       : status == 400 ? "Bad Request"
                                       : "Internal Server Error";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nx-amzn-RequestId: fault-proxy\r\n\r\n" + body;
}

void FaultProxy::ServeHttp(Connection* c) {
  Reader client(c->client, &stop_, &c->cut);
  Reader server(-1, &stop_, &c->cut);
  auto drop_server = [&] {
    int fd;
    {
      std::lock_guard lock(mu_);
      fd = c->server;
      c->server = -1;
    }
    if (fd >= 0) close(fd);
    server.Reset(-1);
  };
  for (;;) {
    std::string head, body;
    bool ignored;
    if (!client.Head(&head)) return;
    if (HeaderValue(head, "expect").find("100-continue") != std::string::npos &&
        !SendAll(c->client, "HTTP/1.1 100 Continue\r\n\r\n")) {
      return;
    }
    if (!client.Body(head, false, false, &body, &ignored)) return;
    {
      std::lock_guard lock(mu_);
      ++counts_.http_requests;
    }
    HttpFault fault;
    const bool faulty = PickFault(head, &fault);
    if (faulty && fault == HttpFault::kCut) return;
    if (faulty && fault != HttpFault::kLostAnswer) {
      HttpSchedule schedule;
      {
        std::lock_guard lock(mu_);
        schedule = schedule_;
      }
      if (!SendAll(c->client, ErrorAnswer(fault, schedule.service))) return;
      continue;
    }
    if (delay_ms_ > 0) {
      std::lock_guard lock(mu_);
      ++counts_.delayed;
    }
    if (!WaitWhileStalled(c)) return;
    if (c->server >= 0) {
      // A server that ended a kept-alive connection between requests is joined again rather
      // than sent a request it would never answer.
      pollfd p{c->server, POLLIN, 0};
      if (poll(&p, 1, 0) != 0) drop_server();
    }
    if (c->server < 0) {
      const int fd = ConnectUpstream(c);
      if (fd < 0) {
        std::lock_guard lock(mu_);
        ++counts_.upstream_failures;
        return;
      }
      std::lock_guard lock(mu_);
      c->server = fd;
      server.Reset(fd);
    }
    if (!SendAll(c->server, head) || !SendAll(c->server, body)) return;
    {
      std::lock_guard lock(mu_);
      counts_.bytes_to_server += head.size() + body.size();
    }
    // The answer, after any interim 1xx answers (passed on as they come).
    std::string answer_head, answer_body;
    int status = 0;
    for (;;) {
      answer_head.clear();
      if (!server.Head(&answer_head)) return;
      status = std::atoi(answer_head.c_str() + std::min<size_t>(9, answer_head.size()));
      if (status >= 200) break;
      if (!(faulty && fault == HttpFault::kLostAnswer) && !SendAll(c->client, answer_head)) return;
    }
    const bool no_body = head.rfind("HEAD ", 0) == 0 || status == 204 || status == 304;
    bool to_close = false;
    if (!server.Body(answer_head, true, no_body, &answer_body, &to_close)) return;
    if (faulty && fault == HttpFault::kLostAnswer) return;
    if (!SendAll(c->client, answer_head) || !SendAll(c->client, answer_body)) return;
    {
      std::lock_guard lock(mu_);
      counts_.bytes_to_client += answer_head.size() + answer_body.size();
    }
    if (to_close || HeaderValue(answer_head, "connection") == "close") return;
    if (HeaderValue(head, "connection") == "close") return;
  }
}

}  // namespace sluice::faults
