#include "http/request_host.h"

#include <fmt/format.h>

#include <string_view>

namespace sluice::http {
namespace {

namespace bhttp = boost::beast::http;

bool RequestHostIsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool RequestHostIsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// unreserved / sub-delims (RFC 3986 section 2): the bytes a registered name may hold as they are.
bool RequestHostIsNameByte(char c) {
  return RequestHostIsAlnum(c) ||
         std::string_view("-._~!$&'()*+,;=").find(c) != std::string_view::npos;
}

// reg-name: name bytes and %XX escapes, possibly none.
bool RequestHostIsRegName(std::string_view name) {
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '%') {
      if (i + 2 >= name.size() || !RequestHostIsHex(name[i + 1]) ||
          !RequestHostIsHex(name[i + 2])) {
        return false;
      }
      i += 2;
    } else if (!RequestHostIsNameByte(name[i])) {
      return false;
    }
  }
  return true;
}

// What is inside the brackets of an IP-literal. An IPv6 address is hex digits, colons and, for
// an embedded IPv4 address, dots; IPvFuture is "v" hex "." then name bytes or colons. Checked
// for its bytes, not parsed: what matters here is that nothing outside a host's syntax (a space,
// '/', '@', '[') gets through, not that the address exists.
bool RequestHostIsIpLiteral(std::string_view inside) {
  if (inside.empty()) return false;
  if (inside[0] == 'v' || inside[0] == 'V') {
    const size_t dot = inside.find('.');
    if (dot == std::string_view::npos || dot == 1 || dot + 1 == inside.size()) return false;
    for (char c : inside.substr(1, dot - 1))
      if (!RequestHostIsHex(c)) return false;
    for (char c : inside.substr(dot + 1))
      if (!RequestHostIsNameByte(c) && c != ':') return false;
    return true;
  }
  if (inside.find(':') == std::string_view::npos) return false;
  for (char c : inside)
    if (!RequestHostIsHex(c) && c != ':' && c != '.') return false;
  return true;
}

bool RequestHostIsPort(std::string_view port) {
  for (char c : port)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

bool IsHostValue(std::string_view value) {
  std::string_view host = value;
  std::string_view port;
  if (!value.empty() && value.front() == '[') {
    const size_t close = value.find(']');
    if (close == std::string_view::npos) return false;
    if (!RequestHostIsIpLiteral(value.substr(1, close - 1))) return false;
    const std::string_view after = value.substr(close + 1);
    if (after.empty()) return true;
    if (after.front() != ':') return false;
    return RequestHostIsPort(after.substr(1));
  }
  // A registered name holds no colon: the first one starts the port.
  const size_t colon = value.find(':');
  if (colon != std::string_view::npos) {
    host = value.substr(0, colon);
    port = value.substr(colon + 1);
  }
  return RequestHostIsRegName(host) && RequestHostIsPort(port);
}

std::optional<HttpError> HostError(const bhttp::request_header<bhttp::fields>& head) {
  const size_t hosts = head.count(bhttp::field::host);
  if (hosts == 0) {
    if (head.version() < 11) return std::nullopt;
    return HttpError{400, "an HTTP/1.1 request must carry a Host field (RFC 9112 section 3.2)"};
  }
  if (hosts > 1) {
    return HttpError{400,
                     fmt::format("a request may carry one Host field; this one has {}", hosts)};
  }
  if (!IsHostValue(head[bhttp::field::host])) {
    return HttpError{400, "the Host field is not a host name or address with an optional port"};
  }
  return std::nullopt;
}

}  // namespace sluice::http
