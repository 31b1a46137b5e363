#include "http/router.h"

#include <fmt/format.h>

#include "http/http_error.h"

namespace sluice::http {

void Router::Add(std::string method, std::string path, Handler handler) {
  routes_[std::move(path)][std::move(method)] = std::move(handler);
}

void Router::Add(std::string method, std::string path,
                 std::function<HttpResponse(const HttpRequest&)> handler) {
  Add(std::move(method), std::move(path),
      Handler([handler = std::move(handler)](const HttpRequest& request, Reply reply) {
        reply(handler(request));
      }));
}

void Router::Dispatch(const HttpRequest& request, const Reply& reply) const {
  auto path = routes_.find(request.path);
  if (path == routes_.end()) {
    // A service with a page at "/" tells what it offers there; one without lists its paths.
    if (routes_.count("/")) {
      reply(ErrorResponse({404, "no such path; see GET / for what this service offers"}));
      return;
    }
    std::string paths;
    for (const auto& [served, methods] : routes_)
      paths += (paths.empty() ? "" : ", ") + served;
    reply(ErrorResponse({404, fmt::format("no such path; this service serves {}", paths)}));
    return;
  }
  auto method = path->second.find(request.method);
  // HEAD is GET without the body (RFC 9110 section 9.3.2): the connection leaves the body out.
  if (method == path->second.end() && request.method == "HEAD") method = path->second.find("GET");
  if (method == path->second.end()) {
    std::string allow;
    for (const auto& [name, handler] : path->second) {
      allow += (allow.empty() ? "" : ", ") + name;
      if (name == "GET" && path->second.count("HEAD") == 0) allow += ", HEAD";
    }
    HttpResponse response = ErrorResponse(
        {405, fmt::format("{} is not served here; this path takes {}", request.method, allow)});
    response.headers.emplace_back("Allow", allow);
    reply(std::move(response));
    return;
  }
  method->second(request, reply);
}

std::string_view Router::RouteLabel(std::string_view path) const {
  auto it = routes_.find(path);
  return it == routes_.end() ? std::string_view("other") : std::string_view(it->first);
}

}  // namespace sluice::http
