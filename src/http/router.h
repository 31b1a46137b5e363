// Method and path to handler. A path served under other methods answers 405 with an Allow field
// listing them (RFC 9110 section 15.5.6); an unknown path answers 404. HEAD runs a path's GET
// handler, whose body the connection then leaves out (http_session.cc). Paths match exactly:
// the lake's routes are few and fixed, so there are no patterns to get wrong.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "http/http_message.h"

namespace sluice::http {

using Handler = std::function<void(const HttpRequest& request, Reply reply)>;

class Router {
 public:
  // Adds a route; a second handler for the same method and path replaces the first.
  void Add(std::string method, std::string path, Handler handler);
  // A handler that answers at once, for routes that never wait.
  void Add(std::string method, std::string path,
           std::function<HttpResponse(const HttpRequest&)> handler);

  // Runs the handler of the request's route, or replies 404/405 as JSON.
  void Dispatch(const HttpRequest& request, const Reply& reply) const;

  // The label a request is counted under in the metrics: its path when it is a route, else
  // "other", so that clients probing random paths cannot grow the metrics without bound.
  std::string_view RouteLabel(std::string_view path) const;

 private:
  // path -> method -> handler
  std::map<std::string, std::map<std::string, Handler>, std::less<>> routes_;
};

}  // namespace sluice::http
