#include "http/http_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>

#include "http/http_error.h"
#include "http/request_framing.h"
#include "http/request_host.h"

namespace sluice::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

constexpr size_t kFirstRead = 4096;
// How long a closing connection's remaining input is read and dropped, at most.
constexpr std::chrono::seconds kLinger{2};
// A streamed body up to this size is sent whole instead of chunked.
constexpr size_t kWholeBodyAtMost = 64 * 1024;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(net::ip::tcp::socket socket, std::shared_ptr<SessionContext> context)
      : stream_(std::move(socket)), context_(std::move(context)) {
    context_->open.fetch_add(1);
  }
  ~Session() { context_->open.fetch_sub(1); }

  void Start() {
    // Every handler of this connection runs on its strand: one at a time, on any thread.
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->AwaitRequest(); });
  }

 private:
  const ServerLimits& limits() const { return context_->limits; }

  // Between requests only the idle timeout runs; the head deadline starts with the first byte.
  void AwaitRequest() {
    if (context_->stopping.load()) return Close();
    if (buffer_.size() > 0) return ReadHead();  // a pipelined request is already here
    stream_.expires_after(limits().idle_timeout);
    stream_.async_read_some(buffer_.prepare(kFirstRead),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->Close();
                              self->buffer_.commit(n);
                              self->ReadHead();
                            });
  }

  void ReadHead() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(limits().max_header_bytes));
    parser_->body_limit(limits().max_body_bytes);
    stream_.expires_after(limits().head_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHead(ec); });
  }

  void OnHead(beast::error_code ec) {
    if (ec) return RefuseOrClose(ec);
    // A body a proxy in front could frame another way is how a second request is smuggled
    // past it: refused, and the connection closed (request_framing.h).
    if (auto error = FramingError(parser_->get())) return Refuse(*error);
    // No Host, two, or one that is no host: a proxy routing on Host and Sluice could take the
    // request for different sites (request_host.h).
    if (auto error = HostError(parser_->get())) return Refuse(*error);
    if (parser_->is_done()) return Dispatch();
    stream_.expires_after(limits().idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code read_ec, size_t) {
                        if (read_ec) return self->RefuseOrClose(read_ec);
                        self->Dispatch();
                      });
  }

  // A read that failed: a client that went away or ran out of time is closed without a word; a
  // request Sluice will not take is answered, then closed.
  void RefuseOrClose(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted ||
        ec == bhttp::error::partial_message) {
      return Close();
    }
    if (ec == bhttp::error::header_limit) {
      // The parser fills in the target once it has the whole request line: without one, the
      // limit was reached inside it, and it is the target that is too long (414); otherwise
      // the fields are (431).
      if (parser_->get().target().empty()) {
        return Refuse({414, "the request target is longer than the server takes"});
      }
      return Refuse({431, "the request's header fields are larger than the server takes"});
    }
    if (ec == bhttp::error::body_limit) {
      return Refuse({413, "the request body is larger than the server takes"});
    }
    return Refuse({400, "malformed HTTP/1.1 request: " + ec.message()});
  }

  void Refuse(const HttpError& error) {
    if (context_->metrics != nullptr) context_->metrics->ObserveRefused(error.status);
    keep_alive_ = false;
    head_only_ = false;
    route_.clear();
    Write(ErrorResponse(error), 11);
  }

  void Dispatch() {
    const auto& message = parser_->get();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    HttpRequest request;
    request.method = std::string(message.method_string());
    std::string_view target = message.target();
    size_t question = target.find('?');
    request.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos)
      request.query = std::string(target.substr(question + 1));
    request.body = std::move(parser_->get().body());
    route_ = std::string(context_->router->RouteLabel(request.path));
    method_ = request.method;
    head_only_ = request.method == "HEAD";
    started_ = Clock::now();
    context_->busy.fetch_add(1);
    counted_busy_ = true;
    Reply reply = [self = shared_from_this()](HttpResponse response) {
      net::dispatch(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->Write(std::move(response), self->version_);
      });
    };
    context_->router->Dispatch(request, reply);
  }

  void Write(HttpResponse response, unsigned version) {
    status_ = response.status;
    if (context_->stopping.load()) keep_alive_ = false;
    if (head_only_) return WriteHeadOnly(std::move(response), version);
    if (response.stream) {
      // A body that turns out small goes whole, with a Content-Length, in one write; only a
      // large one is sent in chunks.
      std::string start, piece;
      bool ended = false;
      while (start.size() < kWholeBodyAtMost) {
        piece.clear();
        if (!response.stream(&piece)) {
          ended = true;
          break;
        }
        start += piece;
      }
      if (!ended) {
        pending_ = std::move(start);
        return WriteStreamed(std::move(response), version);
      }
      response.body = std::move(start);
      response.stream = nullptr;
    }
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(response.status), version);
    SetFields(*message, response);
    message->body() = std::move(response.body);
    message->prepare_payload();
    stream_.expires_after(limits().idle_timeout);
    bhttp::async_write(
        stream_, *message,
        [self = shared_from_this(), message](beast::error_code ec, size_t) { self->Finished(ec); });
  }

  // The answer to HEAD: GET's status and fields without the body (RFC 9110 section 9.3.2). A
  // whole body's length is given; a streamed one is never rendered, so its length is left out,
  // which HEAD allows.
  void WriteHeadOnly(HttpResponse response, unsigned version) {
    auto message = std::make_shared<bhttp::response<bhttp::empty_body>>(
        static_cast<bhttp::status>(response.status), version);
    SetFields(*message, response);
    if (!response.stream) message->content_length(response.body.size());
    stream_.expires_after(limits().idle_timeout);
    bhttp::async_write(
        stream_, *message,
        [self = shared_from_this(), message](beast::error_code ec, size_t) { self->Finished(ec); });
  }

  template <typename Message>
  void SetFields(Message& message, const HttpResponse& response) {
    message.set(bhttp::field::server, "sluice");
    message.set(bhttp::field::content_type, response.content_type);
    message.set(bhttp::field::cache_control, "no-store");
    for (const auto& [name, value] : response.headers)
      message.set(name, value);
    message.keep_alive(keep_alive_);
  }

  // Chunked: the head first, then each piece the stream gives as one chunk, then the last
  // chunk. A client that stops reading is cut by the write deadline on each piece.
  void WriteStreamed(HttpResponse response, unsigned version) {
    body_ = std::move(response.stream);
    head_.emplace(static_cast<bhttp::status>(response.status), version);
    SetFields(*head_, response);
    if (version < 11) keep_alive_ = false;  // HTTP/1.0 has no chunks: the body ends at close
    head_->keep_alive(keep_alive_);
    head_->chunked(version >= 11);
    serializer_.emplace(*head_);
    stream_.expires_after(limits().idle_timeout);
    bhttp::async_write_header(stream_, *serializer_,
                              [self = shared_from_this()](beast::error_code ec, size_t) {
                                if (ec) return self->Finished(ec);
                                self->WriteNextChunk();
                              });
  }

  void WriteNextChunk() {
    chunk_.clear();
    bool more = true;
    if (!pending_.empty()) {
      chunk_.swap(pending_);
    } else {
      more = body_(&chunk_);
    }
    bool chunked = head_->chunked();
    stream_.expires_after(limits().idle_timeout);
    auto then = [self = shared_from_this(), more](beast::error_code ec, size_t) {
      if (ec || !more) return self->Finished(ec);
      self->WriteNextChunk();
    };
    if (!more) {
      if (!chunked) return Finished({});
      net::async_write(stream_, bhttp::make_chunk_last(), then);
    } else if (chunk_.empty()) {
      // An empty chunk would end the body: skip it.
      net::post(stream_.get_executor(), [self = shared_from_this()] { self->WriteNextChunk(); });
    } else if (chunked) {
      net::async_write(stream_, bhttp::make_chunk(net::buffer(chunk_)), then);
    } else {
      net::async_write(stream_, net::buffer(chunk_), then);
    }
  }

  void Finished(beast::error_code ec) {
    if (counted_busy_) {
      counted_busy_ = false;
      if (context_->metrics != nullptr) {
        double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
        context_->metrics->Observe(route_, method_, status_, seconds);
      }
      // Counted before it stops being in progress: no request in progress then means every
      // answered one is in the metrics (a stop, or a reader of requests_in_progress, relies
      // on it).
      context_->busy.fetch_sub(1);
    }
    body_ = nullptr;
    serializer_.reset();
    head_.reset();
    if (ec || !keep_alive_) return Close();
    AwaitRequest();
  }

  // Closes after the client has seen our last answer: our side is shut first and what the
  // client still sends is read and dropped for a moment, since closing with unread bytes makes
  // the kernel reset the connection, which can destroy the answer before the client reads it.
  void Close() {
    if (closing_) return;
    closing_ = true;
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLinger);
    Drain();
  }

  void Drain() {
    buffer_.consume(buffer_.size());
    stream_.async_read_some(buffer_.prepare(kFirstRead),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->stream_.close();
                              self->Drain();
                            });
  }

  beast::tcp_stream stream_;
  std::shared_ptr<SessionContext> context_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool keep_alive_ = true;
  bool head_only_ = false;  // answering HEAD: no body
  bool closing_ = false;
  unsigned version_ = 11;
  // The request being answered, for the metrics.
  std::string route_, method_;
  int status_ = 0;
  Clock::time_point started_;
  bool counted_busy_ = false;
  // A streamed answer in progress.
  BodyStream body_;
  std::optional<bhttp::response<bhttp::empty_body>> head_;
  std::optional<bhttp::response_serializer<bhttp::empty_body>> serializer_;
  std::string chunk_;
  std::string pending_;  // what was read of the body before it was found large
};

}  // namespace

void StartSession(net::ip::tcp::socket socket, std::shared_ptr<SessionContext> context) {
  std::make_shared<Session>(std::move(socket), std::move(context))->Start();
}

}  // namespace sluice::http
