#include "http/request_framing.h"

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <vector>

namespace sluice::http {
namespace {

namespace bhttp = boost::beast::http;

// The transfer codings the request's Transfer-Encoding fields list, in order, lower-cased with
// the spaces and tabs around each one removed; empty list elements are dropped, as the list
// syntax allows (RFC 9110 section 5.6.1).
std::vector<std::string> TransferCodings(const bhttp::request_header<bhttp::fields>& head) {
  std::vector<std::string> codings;
  auto [begin, end] = head.equal_range(bhttp::field::transfer_encoding);
  for (auto field = begin; field != end; ++field) {
    std::string_view list = field->value();
    while (true) {
      const size_t comma = list.find(',');
      std::string_view item = list.substr(0, comma);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
        item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
        item.remove_suffix(1);
      if (!item.empty()) {
        std::string coding(item);
        for (char& c : coding)
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        codings.push_back(std::move(coding));
      }
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  return codings;
}

}  // namespace

std::optional<HttpError> FramingError(const bhttp::request_header<bhttp::fields>& head) {
  if (head.count(bhttp::field::transfer_encoding) == 0) return std::nullopt;
  if (head.count(bhttp::field::content_length) > 0) {
    return HttpError{400, "a request may not carry both Transfer-Encoding and Content-Length"};
  }
  if (head.version() < 11) {
    return HttpError{400, "an HTTP/1.0 request may not carry Transfer-Encoding"};
  }
  const std::vector<std::string> codings = TransferCodings(head);
  if (codings.empty() || codings.back() != "chunked") {
    // Without chunked last, the body's end cannot be known (RFC 9112 section 6.3). The value is
    // not quoted back: it is the client's, and may be anything.
    return HttpError{400,
                     "Transfer-Encoding must end with chunked, or the body's length is unknown"};
  }
  if (codings.size() > 1) {
    return HttpError{400, fmt::format("Transfer-Encoding lists {} codings; Sluice takes only "
                                      "chunked, once",
                                      codings.size())};
  }
  return std::nullopt;
}

}  // namespace sluice::http
