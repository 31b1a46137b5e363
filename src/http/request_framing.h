// How a request's head says its body is framed, checked before the body is read: the cases
// Boost.Beast's parser lets through but a proxy in front of Sluice could read another way, so
// that the bytes one of them takes for a body the other takes for a second request (request
// smuggling). Used by the connection code (http_session.cc) and its fuzz target.
#pragma once

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <optional>

#include "http/http_error.h"

namespace sluice::http {

// nullopt when the head frames its body one way only; otherwise the 400 to answer before
// closing the connection (RFC 9112 sections 6.1 and 6.3). Refused:
// - Transfer-Encoding together with Content-Length;
// - Transfer-Encoding in an HTTP/1.0 request, which has no such field;
// - any Transfer-Encoding but "chunked" once (any case, with spaces or tabs around it, in one
//   field or several): "gzip", "xchunked", "identity", an empty value leave the body's length
//   unknown; "gzip, chunked" or "chunked, chunked" name codings Sluice does not decode.
// Beast itself refuses two different Content-Lengths and a malformed one, or a malformed chunk.
std::optional<HttpError> FramingError(
    const boost::beast::http::request_header<boost::beast::http::fields>& head);

}  // namespace sluice::http
