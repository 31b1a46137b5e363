// What a handler sees of a request and gives back as its answer, independent of Beast, so that
// routes and their tests need no sockets. The server (http_server.h) turns these into HTTP/1.1.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace sluice::http {

struct HttpRequest {
  std::string method;  // "GET", as sent (methods are case-sensitive, RFC 9110 section 9.1)
  std::string path;    // the target before '?', still percent-encoded
  std::string query;   // the target after '?', without it; "" when there is none
  std::string body;    // at most the server's body limit
};

// Fills `chunk` with the next piece of a streamed body and returns true, or returns false when
// the body is complete (then `chunk` is ignored). Called on a server thread, one call at a time.
using BodyStream = std::function<bool(std::string* chunk)>;

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;  // used when `stream` is empty
  // When set, the body is sent chunked (RFC 9112 section 7.1) as the stream produces it, so a
  // large answer is never held whole in memory.
  BodyStream stream = {};
  std::vector<std::pair<std::string, std::string>> headers = {};  // extra fields
};

// Hands a handler's answer back to the connection; callable once, from any thread, so a handler
// may answer later (after a rebuild) without holding a server thread.
using Reply = std::function<void(HttpResponse response)>;

// The canonical reason phrase of a status ("Not Found"), or "" for one Sluice never sends.
const char* ReasonPhrase(int status);

}  // namespace sluice::http
