// A deliberately plain HTTP/1.1 client over POSIX sockets for the server's tests: it sends
// exactly the bytes a test gives (malformed, trickled, oversized) and reads answers with a
// generous timeout that only guards against hangs.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace sluice::testing {

inline constexpr std::chrono::seconds kHangGuard{30};

struct ParsedResponse {
  bool complete = false;  // a whole answer was read
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;                            // de-chunked
};

class TestConnection {
 public:
  explicit TestConnection(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~TestConnection() {
    if (fd_ >= 0) close(fd_);
  }
  TestConnection(const TestConnection&) = delete;
  TestConnection& operator=(const TestConnection&) = delete;
  TestConnection(TestConnection&& other) noexcept
      : fd_(other.fd_), pending_(std::move(other.pending_)), closed_(other.closed_) {
    other.fd_ = -1;
  }

  bool connected() const { return fd_ >= 0; }

  // False when the peer has closed or reset the connection.
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Waits up to `timeout` for bytes; false when none came or the connection ended.
  bool ReadSome(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buf[65536];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    pending_.append(buf, static_cast<size_t>(n));
    return true;
  }

  // Whether the server closed the connection within `timeout` (bytes that come first are kept).
  bool ClosedWithin(std::chrono::milliseconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (!closed_ && std::chrono::steady_clock::now() < end) {
      ReadSome(std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now()));
    }
    return closed_;
  }

  // Reads one answer (Content-Length, chunked, or until close).
  ParsedResponse ReadResponse(std::chrono::milliseconds timeout = kHangGuard) {
    auto end = std::chrono::steady_clock::now() + timeout;
    ParsedResponse response;
    for (;;) {
      if (TryParse(&response)) return response;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0 || closed_) return response;
      ReadSome(left);
    }
  }

  ParsedResponse Request(std::string_view bytes) {
    if (!Send(bytes)) return {};
    return ReadResponse();
  }

  int fd() const { return fd_; }

 private:
  bool TryParse(ParsedResponse* out) {
    size_t head_end = pending_.find("\r\n\r\n");
    if (head_end == std::string::npos) return false;
    ParsedResponse r;
    std::string_view head(pending_.data(), head_end);
    size_t line_end = head.find("\r\n");
    std::string_view status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return false;
    r.status = std::stoi(std::string(status_line.substr(9, 3)));
    size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string_view::npos) e = head.size();
      std::string_view line = head.substr(pos, e - pos);
      size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string name(line.substr(0, colon));
        for (char& c : name)
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ')
          value.remove_prefix(1);
        r.headers[name] = std::string(value);
      }
      pos = e + 2;
    }
    size_t body_start = head_end + 4;
    size_t consumed = 0;
    if (r.headers.count("content-length")) {
      size_t length = std::stoul(r.headers["content-length"]);
      if (pending_.size() < body_start + length) return false;
      r.body = pending_.substr(body_start, length);
      consumed = body_start + length;
    } else if (r.headers["transfer-encoding"] == "chunked") {
      size_t p = body_start;
      for (;;) {
        size_t e = pending_.find("\r\n", p);
        if (e == std::string::npos) return false;
        size_t size = std::stoul(pending_.substr(p, e - p), nullptr, 16);
        if (size == 0) {
          if (pending_.size() < e + 4) return false;
          consumed = e + 4;
          break;
        }
        if (pending_.size() < e + 2 + size + 2) return false;
        r.body += pending_.substr(e + 2, size);
        p = e + 2 + size + 2;
      }
    } else {
      if (!closed_) return false;
      r.body = pending_.substr(body_start);
      consumed = pending_.size();
    }
    r.complete = true;
    pending_.erase(0, consumed);
    *out = std::move(r);
    return true;
  }

  int fd_ = -1;
  std::string pending_;
  bool closed_ = false;
};

// "GET target HTTP/1.1" with a Host field, and `extra` fields (each ending in \r\n).
inline std::string GetRequest(std::string_view target, std::string_view extra = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: localhost\r\n" + std::string(extra) +
         "\r\n";
}

}  // namespace sluice::testing
