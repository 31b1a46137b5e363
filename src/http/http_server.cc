#include "http/http_server.h"

#include <fmt/format.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <future>

#include "core/log.h"
#include "core/thread_name.h"
#include "http/http_session.h"

namespace sluice::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpServer::State {
  net::io_context io;
  // Keeps the threads running while no operation is pending (the acceptor closed at Stop, and
  // a handler about to reply from another thread).
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(io);
  // The listener's strand: the acceptor and its back-off timer are bound to it, so their
  // handlers (which re-arm async_accept) and Stop's close never run at once on the two
  // threads; an Asio acceptor is not safe to use from two threads at a time.
  net::strand<net::io_context::executor_type> listener = net::make_strand(io);
  tcp::acceptor acceptor{listener};
  net::steady_timer pause{listener};  // the listener's back-off
  std::shared_ptr<SessionContext> context = std::make_shared<SessionContext>();
  bool logged_pause = false;

  void Accept();
  void Paused(std::chrono::milliseconds wait);
};

namespace {

// How long the listener waits before looking again when it may not accept: at the connection
// cap, or when the process is out of descriptors (EMFILE), where accepting again at once would
// spin.
constexpr std::chrono::milliseconds kBackOff{20};

bool OutOfDescriptors(const boost::system::error_code& ec) {
  return ec == net::error::no_descriptors ||
         ec == boost::system::errc::too_many_files_open_in_system ||
         ec == net::error::no_buffer_space || ec == net::error::no_memory;
}

}  // namespace

void HttpServer::State::Accept() {
  if (context->stopping.load() || !acceptor.is_open()) return;
  if (context->open.load() >= context->limits.max_connections) {
    if (!logged_pause) {
      LogWarn(
          "http: {} connections open, the cap (--http-max-connections): not accepting until one "
          "closes",
          context->open.load());
      logged_pause = true;
    }
    return Paused(kBackOff);
  }
  logged_pause = false;
  // Each connection gets a strand of its own: its handlers never run at once, on any thread.
  acceptor.async_accept(
      net::make_strand(io), [this](boost::system::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
        if (ec) {
          if (OutOfDescriptors(ec)) {
            LogWarn("http: cannot accept ({}); trying again shortly", ec.message());
            return Paused(kBackOff * 5);
          }
          LogDebug("http: accept failed: {}", ec.message());
          return Accept();
        }
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        StartSession(std::move(socket), context);
        Accept();
      });
}

void HttpServer::State::Paused(std::chrono::milliseconds wait) {
  pause.expires_after(wait);
  pause.async_wait([this](boost::system::error_code ec) {
    if (!ec) Accept();
  });
}

HttpServer::HttpServer(ServerOptions options, const Router* router, HttpMetrics* metrics)
    : options_(std::move(options)), state_(std::make_shared<State>()) {
  state_->context->router = router;
  state_->context->metrics = metrics;
  state_->context->limits = options_.limits;
}

HttpServer::~HttpServer() {
  Stop(std::chrono::milliseconds(0));
}

Status HttpServer::Start() {
  auto where = fmt::format("{}:{}", options_.host, options_.port);
  boost::system::error_code ec;
  tcp::resolver resolver(state_->io);
  auto endpoints = resolver.resolve(options_.host, options_.port,
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return UsageError(
        fmt::format("{} {}: cannot resolve the host: {}", options_.flag, where, ec.message()));
  }
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  tcp::acceptor& acceptor = state_->acceptor;
  if (acceptor.open(endpoint.protocol(), ec) ||
      acceptor.set_option(net::socket_base::reuse_address(true), ec) ||
      acceptor.bind(endpoint, ec) ||
      acceptor.listen(net::socket_base::max_listen_connections, ec)) {
    return IoError(fmt::format("cannot listen on {}: {}", where, ec.message()));
  }
  port_ = acceptor.local_endpoint().port();
  state_->Accept();
  for (int i = 0; i < options_.limits.threads; ++i) {
    threads_.emplace_back([state = state_, i] {
      NameThisThread(fmt::format("http-{}", i));
      state->io.run();
    });
  }
  started_ = true;
  return Status::Ok();
}

std::string HttpServer::Url() const {
  bool v6 = options_.host.find(':') != std::string::npos;
  return fmt::format("http://{}{}{}:{}", v6 ? "[" : "", options_.host, v6 ? "]" : "", port_);
}

size_t HttpServer::open_connections() const {
  return state_->context->open.load();
}
size_t HttpServer::requests_in_progress() const {
  return state_->context->busy.load();
}

void HttpServer::Stop(std::chrono::milliseconds grace) {
  if (!started_) return;
  started_ = false;
  state_->context->stopping = true;
  std::promise<void> closed;
  // On the listener's strand, after (never beside) an accept handler that is running.
  net::post(state_->listener, [this, &closed] {
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
    state_->pause.cancel();
    closed.set_value();
  });
  closed.get_future().wait();
  // Answers being written finish; idle connections do not hold the stop up.
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (state_->context->busy.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  state_->work.reset();
  state_->io.stop();
  for (auto& t : threads_)
    t.join();
  threads_.clear();
}

}  // namespace sluice::http
