// Fuzzes what the lake's HTTP service makes of a request, from its bytes on the wire to the
// query it answers. The request line and fields are read by Boost.Beast's parser inside the
// connection code (http_session.cc), reachable there only through a socket; this target feeds
// the same parser, with the server's default limits, the same way, then does what the session
// does with the head (a framing a proxy could read another way refused: request_framing.h; a
// missing, repeated or malformed Host refused: request_host.h; the target split at '?'), routes it,
// and parses the query as GET /data and GET /stats do (QueryParams, ParseLakeQuery). Whatever the
// bytes:
// - a refusal is a 4xx whose JSON body parses and names the parameter at fault when the query
//   is to blame, and never quotes a refused value;
// - a request past the Host check has one Host (HTTP/1.1) or at most one (HTTP/1.0), holding
//   none of the bytes that end a host in a URI (space, '/', '?', '#', '@') or control bytes;
// - parsed parameters written back as a query parse to the same parameters;
// - the next page's query (the Link of a /data answer) parses to the same filters and limit.
#include <simdjson.h>

#include <algorithm>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "aws/sigv4.h"
#include "http/http_error.h"
#include "http/query_params.h"
#include "http/request_framing.h"
#include "http/request_host.h"
#include "http/router.h"
#include "http/server_options.h"
#include "jobs/lake/lake_service_query.h"

namespace bhttp = boost::beast::http;

namespace {

// The lake's routes (LakeService::AddRoutes), answering with what they were given.
const sluice::http::Router& LakeRoutes() {
  static const sluice::http::Router router = [] {
    sluice::http::Router r;
    auto echo = [](const sluice::http::HttpRequest&) { return sluice::http::HttpResponse{}; };
    for (const char* path : {"/data", "/stats", "/health", "/", "/metrics"})
      r.Add("GET", path, echo);
    r.Add("POST", "/data", echo);
    return r;
  }();
  return router;
}

void CheckErrorBody(const sluice::http::HttpError& error) {
  if (error.status < 400 || error.status > 499 || error.message.empty()) std::abort();
  static simdjson::dom::parser parser;
  const std::string body = sluice::http::ErrorBody(error);
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc)) std::abort();
  std::string_view message;
  if (doc["error"].get_string().get(message)) std::abort();
}

// A query refusal names the parameter to blame ("parameter 3" when its name is unreadable).
void CheckQueryError(const sluice::http::HttpError& error) {
  CheckErrorBody(error);
  if (error.parameter.empty()) std::abort();
}

// Writes `params` back as a query string, every byte but unreserved ones escaped.
std::string Encode(const sluice::http::QueryParams& params) {
  std::string out;
  for (const auto& [name, value] : params.values()) {
    if (!out.empty()) out += '&';
    out += sluice::UriEncode(name, false) + "=" + sluice::UriEncode(value, false);
  }
  return out;
}

void CheckQuery(std::string_view query) {
  sluice::http::QueryParams params;
  if (auto error = sluice::http::QueryParams::Parse(query, &params)) {
    CheckQueryError(*error);
  } else {
    sluice::http::QueryParams again;
    if (sluice::http::QueryParams::Parse(Encode(params), &again) ||
        again.values() != params.values()) {
      std::abort();
    }
  }
  for (auto kind : {sluice::lake::QueryKind::kData, sluice::lake::QueryKind::kStats}) {
    sluice::lake::LakeQuery parsed;
    if (auto error = sluice::lake::ParseLakeQuery(query, kind, &parsed)) {
      CheckQueryError(*error);
      // A refused value is never quoted back (names are, cut to 64 bytes): checked for values
      // with bytes no fixed wording has.
      auto value = params.Get(error->parameter);
      if (value && value->size() >= 8 && value->find_first_of("#$@!\"") != std::string::npos &&
          error->parameter.find(*value) == std::string::npos &&
          error->message.find(*value) != std::string::npos) {
        std::abort();
      }
      continue;
    }
    if (kind != sluice::lake::QueryKind::kData) continue;
    const int64_t cursor = std::min<int64_t>(parsed.after.value_or(0), INT64_MAX - 1000) + 1000;
    sluice::lake::LakeQuery next;
    if (sluice::lake::ParseLakeQuery(sluice::lake::NextPageQuery(parsed, cursor), kind, &next))
      std::abort();
    if (next.filter.has_image != parsed.filter.has_image ||
        next.filter.min_age != parsed.filter.min_age ||
        next.filter.max_age != parsed.filter.max_age || next.limit != parsed.limit ||
        next.after != cursor) {
      std::abort();
    }
  }
}

// The Host check's promise, tested apart from its grammar: one Host in HTTP/1.1, at most one in
// HTTP/1.0, and no byte in it that a URI's authority cannot hold.
void CheckAcceptedHost(const bhttp::request_header<bhttp::fields>& head) {
  const size_t hosts = head.count(bhttp::field::host);
  if (hosts > 1 || (hosts == 0 && head.version() >= 11)) std::abort();
  if (hosts == 0) return;
  for (char c : head[bhttp::field::host]) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f || c == '/' || c == '?' || c == '#' || c == '@' || c == '"' ||
        c == '\\' || c == '<' || c == '>') {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The query alone, as a client could put anything after '?' (Beast keeps the target's bytes).
  CheckQuery(bytes.substr(0, 2048));

  const sluice::http::ServerLimits limits;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.eager(true);
  parser.header_limit(static_cast<uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
  boost::beast::error_code ec;
  size_t used = 0;
  // The bytes arrive in two reads, as they may from a socket.
  const size_t first = bytes.empty() ? 0 : static_cast<unsigned char>(bytes[0]) % (size + 1);
  used = parser.put(boost::asio::buffer(bytes.data(), first), ec);
  if (ec == bhttp::error::need_more) ec = {};
  // A request complete after the first read takes no more: put() after is_done() breaks Beast's
  // precondition (an assertion in a debug build); the session reads the rest as the next one.
  if (!ec && !parser.is_done())
    used += parser.put(boost::asio::buffer(bytes.data() + used, size - used), ec);
  if (ec && ec != bhttp::error::need_more) {
    // The session answers a malformed request 400 with the parser's words, or 413/414/431.
    CheckErrorBody({400, "malformed HTTP/1.1 request: " + ec.message()});
    return 0;
  }
  if (!parser.is_header_done()) return 0;
  const auto& head = parser.get();
  if (auto error = sluice::http::FramingError(head)) {
    CheckErrorBody(*error);  // refused by the session before any routing
    return 0;
  }
  if (auto error = sluice::http::HostError(head)) {
    CheckErrorBody(*error);  // refused by the session before any routing
    // The client's value quoted back, checked for values with a byte no fixed wording has: a
    // value of letters and spaces may be part of the wording itself ("ld is not a host n").
    const auto host = head.find(bhttp::field::host);
    if (host != head.end() && host->value().size() >= 8 &&
        host->value().find_first_of("#$@!\"") != std::string_view::npos &&
        error->message.find(host->value()) != std::string::npos) {
      std::abort();
    }
    return 0;
  }
  CheckAcceptedHost(head);
  if (!parser.is_done()) return 0;

  sluice::http::HttpRequest request;
  request.method = std::string(head.method_string());
  const std::string_view target = head.target();
  const size_t question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
  if (request.method.empty()) std::abort();

  bool replied = false;
  LakeRoutes().Dispatch(request, [&](sluice::http::HttpResponse response) {
    replied = true;
    if (response.status >= 400) {
      static simdjson::dom::parser json;
      simdjson::dom::element doc;
      if (json.parse(response.body).get(doc)) std::abort();
    }
  });
  if (!replied) std::abort();
  if (LakeRoutes().RouteLabel(request.path) != "other" &&
      LakeRoutes().RouteLabel(request.path) != request.path) {
    std::abort();
  }
  if (question != std::string_view::npos) CheckQuery(request.query);
  return 0;
}
