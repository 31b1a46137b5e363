#include "connectors/mysql/mysql_tls_probe.h"

#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <vector>

namespace sluice {
namespace {

constexpr uint16_t kClientSsl = 0x0800;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads exactly `size` bytes before `deadline`.
bool ReadFully(int fd, uint8_t* out, size_t size, std::chrono::steady_clock::time_point deadline) {
  size_t got = 0;
  while (got < size) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    const ssize_t n = ::recv(fd, out + got, size - got, 0);
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

Result<bool> MysqlServerOffersTls(const std::string& host, unsigned port,
                                  unsigned timeout_seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  const std::string where = fmt::format("MySQL at {}:{}", host, port);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
    return Unavailable(fmt::format("cannot resolve {}: {}", where, gai_strerror(rc)));
  }
  Fd sock;
  std::string last_error = "no address";
  for (addrinfo* a = found; a && sock.fd < 0; a = a->ai_next) {
    Fd attempt{::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK, a->ai_protocol)};
    if (attempt.fd < 0) continue;
    if (::connect(attempt.fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last_error = std::strerror(errno);
      continue;
    }
    pollfd p{attempt.fd, POLLOUT, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    int error = 0;
    socklen_t length = sizeof error;
    if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) <= 0 ||
        ::getsockopt(attempt.fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
      last_error = error ? std::strerror(error) : "timed out";
      continue;
    }
    std::swap(sock.fd, attempt.fd);
  }
  ::freeaddrinfo(found);
  if (sock.fd < 0) return Unavailable(fmt::format("cannot connect to {}: {}", where, last_error));

  uint8_t header[4];
  if (!ReadFully(sock.fd, header, sizeof header, deadline)) {
    return Unavailable(fmt::format("{} sent no greeting", where));
  }
  const size_t length = header[0] | (header[1] << 8) | (header[2] << 16);
  if (length == 0 || length > 64 * 1024) {
    return Unavailable(fmt::format("{} sent a greeting of {} bytes", where, length));
  }
  std::vector<uint8_t> payload(length);
  if (!ReadFully(sock.fd, payload.data(), length, deadline)) {
    return Unavailable(fmt::format("{} sent a cut-short greeting", where));
  }
  if (payload[0] != 10) return false;  // an error packet (0xff) or an ancient protocol
  // protocol version, server version (NUL-terminated), thread id (4), auth data (8), filler (1),
  // then the capability flags' lower 16 bits.
  const auto* nul = static_cast<const uint8_t*>(std::memchr(payload.data() + 1, 0, length - 1));
  if (!nul) return false;
  const size_t flags_at = static_cast<size_t>(nul - payload.data()) + 1 + 4 + 8 + 1;
  if (flags_at + 2 > length) return false;
  const uint16_t flags = static_cast<uint16_t>(payload[flags_at] | (payload[flags_at + 1] << 8));
  return (flags & kClientSsl) != 0;
}

}  // namespace sluice
