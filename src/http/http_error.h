// Error answers as JSON: {"error": "...", "parameter": "..."} (the parameter only when one is to
// blame), so a client can tell which part of its request to fix without parsing prose.
#pragma once

#include <string>
#include <string_view>

#include "http/http_message.h"

namespace sluice::http {

// A request the server refuses: the status (4xx), what is wrong, and the query parameter at
// fault ("" when none is).
struct HttpError {
  int status = 400;
  std::string message;
  std::string parameter = {};
};

// The JSON body of `error`; text that is not valid UTF-8 is escaped (\ooo) so the body always is.
std::string ErrorBody(const HttpError& error);

// A response carrying ErrorBody(error) with its status.
HttpResponse ErrorResponse(const HttpError& error);

}  // namespace sluice::http
