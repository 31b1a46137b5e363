#include "http/server_options.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>

namespace sluice::http {

ComponentSpec HttpServerComponent() {
  ComponentSpec spec;
  spec.name = "http-server";
  spec.kind = ComponentKind::kSink;
  spec.summary =
      "Serves a job's results over HTTP/1.1 (Boost.Beast), with limits for hostile clients";
  spec.description =
      "One event loop on a few threads: idle keep-alive connections cost memory, not threads. A "
      "request head must arrive whole within --http-head-timeout of its first byte, an idle "
      "connection is closed after --http-idle-timeout, a request whose body a proxy could "
      "frame another way (Transfer-Encoding with Content-Length, or any Transfer-Encoding but "
      "chunked alone) is refused (400, RFC 9112 sections 6.1 and 6.3), as is an HTTP/1.1 "
      "request without one Host field that names a host (section 3.2), and above "
      "--http-max-connections the server stops accepting until a connection closes. HEAD is "
      "answered as GET without the body. Errors are JSON: {\"error\": \"...\", "
      "\"parameter\": \"...\"}.";
  OptionSpec listen =
      TextOption("listen", "Address and port to serve on (host:port, [v6]:port)", "127.0.0.1:8080");
  listen.example = "127.0.0.1:8080";
  listen.check = CheckListenAddress;
  listen.check_rule = "host:port, [v6]:port or :port (all interfaces); port 0 to 65535";
  spec.options = {
      listen,
      IntOption("http-threads", "Threads running the server's event loop", 2, 1, 64),
      IntOption("http-max-connections", "Open connections at most; more wait to be accepted",
                10'000, 1, 1'000'000),
      IntOption("http-head-timeout", "Seconds from a request's first byte to the end of its head",
                10, 1, 3600),
      IntOption("http-idle-timeout", "Seconds an idle keep-alive connection is kept open", 60, 1,
                86400),
      IntOption("http-max-header-kb",
                "KiB for the request line and fields together (414/431 above)", 128, 1, 16384),
      IntOption("http-max-body-kb", "KiB a request body may have (413 above)", 1024, 0,
                1024 * 1024),
  };
  return spec;
}

Status ParseListenAddress(std::string_view text, ServerOptions* out, std::string_view flag) {
  auto bad = [&](std::string_view why) {
    return UsageError(fmt::format("{}{}{} (expected host:port, e.g. 127.0.0.1:8080)", flag,
                                  flag.empty() ? "" : ": ", why));
  };
  if (text.empty()) return bad("is empty");
  // "http://127.0.0.1:9000" would otherwise read as an IPv6 address without its brackets.
  if (const size_t scheme = text.find("://"); scheme != std::string_view::npos) {
    return bad(
        fmt::format("is a URL ({}://...): give the address alone, without a scheme or a path",
                    text.substr(0, std::min<size_t>(scheme, 16))));
  }
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("has no port");
  std::string host(text.substr(0, colon));
  const std::string_view port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(std::string(port)) > 65535) {
    return bad("the port is not a number from 0 to 65535");
  }
  if (!host.empty() && host.front() == '[') {
    if (host.back() != ']') return bad("an IPv6 address opened with '[' is not closed");
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return bad("an IPv6 address goes in brackets: [::1]:8080");
  }
  if (host.find_first_of("/ \t\r\n") != std::string::npos) {
    return bad("the host holds a '/' or a space, which no host name or address does");
  }
  // Digits and dots only is an IPv4 address or nothing (a host name has a letter in its last
  // label), so it is judged here; a name that is not local can only be told by binding to it.
  if (!host.empty() && host.find_first_not_of("0123456789.") == std::string::npos) {
    in_addr ignored{};
    if (inet_pton(AF_INET, host.c_str(), &ignored) != 1) {
      return bad("the host is not an IPv4 address: four numbers from 0 to 255, as 127.0.0.1");
    }
  }
  if (out) {
    out->host = host.empty() ? "0.0.0.0" : host;
    out->port = std::string(port);
  }
  return Status::Ok();
}

Status CheckListenAddress(std::string_view text) {
  return ParseListenAddress(text, nullptr, "");
}

Result<ServerOptions> ServerOptionsFrom(const OptionValues& values) {
  ServerOptions options;
  RETURN_IF_ERROR(ParseListenAddress(values.String("listen"), &options));
  ServerLimits& limits = options.limits;
  limits.threads = static_cast<int>(values.Int("http-threads"));
  limits.max_connections = static_cast<size_t>(values.Int("http-max-connections"));
  limits.head_timeout = std::chrono::seconds(values.Int("http-head-timeout"));
  limits.idle_timeout = std::chrono::seconds(values.Int("http-idle-timeout"));
  limits.max_header_bytes = static_cast<size_t>(values.Int("http-max-header-kb")) * 1024;
  limits.max_body_bytes = static_cast<size_t>(values.Int("http-max-body-kb")) * 1024;
  return options;
}

}  // namespace sluice::http
