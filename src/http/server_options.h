// The HTTP server's options, declared once (pipeline/option_spec.h) as the `http-server`
// component, and the limits they set. Defaults suit a service on a laptop or behind a load
// balancer: 127.0.0.1:8080, a 100 KB query string admitted, slow or idle clients cut.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "core/status.h"
#include "pipeline/component_registry.h"
#include "pipeline/option_spec.h"

namespace sluice::http {

struct ServerLimits {
  // From the first byte of a request to the end of its head (request line and fields): a client
  // trickling bytes (slowloris) is cut when it runs out, however steadily it sends.
  std::chrono::milliseconds head_timeout{10'000};
  // How long a keep-alive connection may wait for its next request; also the bound on reading a
  // body and on writing each piece of an answer.
  std::chrono::milliseconds idle_timeout{60'000};
  // Open connections at most; beyond it the server stops accepting (new clients wait in the
  // kernel's backlog) until one closes.
  size_t max_connections = 10'000;
  // Request line and fields together; above it 414 (the request line alone) or 431.
  size_t max_header_bytes = 128 * 1024;
  size_t max_body_bytes = 1024 * 1024;  // above it 413
  int threads = 2;                      // threads running the event loop
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::string port = "8080";      // "0" picks a free port (tests)
  std::string flag = "--listen";  // the option that gave the address, for errors
  ServerLimits limits;
};

// The `http-server` component: --listen, --http-threads and the limits.
ComponentSpec HttpServerComponent();

// Splits "host:port", "[v6]:port" or ":port" (all interfaces) into `out` (may be null: only
// checked); a usage error naming `flag` ("" leaves it out). A URL ("http://host:port") is
// refused as one, not as a malformed IPv6 address.
Status ParseListenAddress(std::string_view text, ServerOptions* out,
                          std::string_view flag = "--listen");

// ParseListenAddress's verdict alone, without a flag: the OptionSpec::check of --listen and
// --metrics-listen.
Status CheckListenAddress(std::string_view text);

// The options of an HttpServerComponent() as bound by a command.
Result<ServerOptions> ServerOptionsFrom(const OptionValues& values);

}  // namespace sluice::http
