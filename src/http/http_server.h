// An HTTP/1.1 server on Boost.Beast and Asio: one io_context run by a few threads, every
// connection a non-blocking session (http_session.h), so a thousand idle keep-alive clients
// cost a few kilobytes each and no thread. The listener stops accepting at the connection cap
// and when the process runs out of descriptors, and resumes once connections close; it never
// ends the process over it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "http/http_metrics.h"
#include "http/router.h"
#include "http/server_options.h"

namespace sluice::http {

class HttpServer {
 public:
  // `router` and `metrics` (may be null) must outlive the server.
  HttpServer(ServerOptions options, const Router* router, HttpMetrics* metrics);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens (an address in use or not ours is kIo naming it), then runs the event
  // loop on the configured threads. Returns once the server accepts connections.
  Status Start();
  // The port bound (useful with port "0"); 0 before Start.
  uint16_t port() const { return port_; }
  // "http://127.0.0.1:8080".
  std::string Url() const;

  // Graceful: stops accepting, lets the answers being written finish (up to `grace`), then
  // closes every connection and joins the threads. Safe to call more than once, from any
  // thread but the server's own.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

  size_t open_connections() const;
  // Requests read whose answers are not yet fully written.
  size_t requests_in_progress() const;

  struct State;  // shared with the sessions (http_server.cc)

 private:
  ServerOptions options_;
  std::shared_ptr<State> state_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  bool started_ = false;
};

}  // namespace sluice::http
