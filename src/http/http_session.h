// One client connection: reads requests (head, then body) under the server's limits, hands them
// to the router, and writes the answers, whole or chunked, keeping the connection open for the
// next request when both sides allow it. Used by http_server.cc.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <memory>

#include "http/http_metrics.h"
#include "http/router.h"
#include "http/server_options.h"

namespace sluice::http {

// What every session of one server shares.
struct SessionContext {
  const Router* router = nullptr;
  HttpMetrics* metrics = nullptr;  // may be null
  ServerLimits limits;
  std::atomic<size_t> open{0};  // connections
  std::atomic<size_t> busy{0};  // requests read and not yet fully answered
  std::atomic<bool> stopping{false};
};

// Starts serving `socket`; the session keeps itself alive until the connection ends, and counts
// itself in `context->open` meanwhile.
void StartSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<SessionContext> context);

}  // namespace sluice::http
