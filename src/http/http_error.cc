#include "http/http_error.h"

#include "core/json_writer.h"
#include "core/text_check.h"

namespace sluice::http {
namespace {

// JSON text must be UTF-8 (RFC 8259 section 8.1); a name decoded from a client's bytes may not be.
std::string Printable(const std::string& text) {
  return FindUnstorableByte(text) ? EscapeUnstorable(text) : text;
}

}  // namespace

std::string ErrorBody(const HttpError& error) {
  JsonWriter json;
  json.BeginObject().Key("error").String(Printable(error.message));
  if (!error.parameter.empty()) json.Key("parameter").String(Printable(error.parameter));
  json.EndObject();
  return json.Take();
}

HttpResponse ErrorResponse(const HttpError& error) {
  HttpResponse response;
  response.status = error.status;
  response.body = ErrorBody(error);
  return response;
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "";
  }
}

}  // namespace sluice::http
