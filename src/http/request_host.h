// Whether a request names the host it is for the way RFC 9112 section 3.2 requires: checked on
// the head, next to its framing (request_framing.h), before the body is read. Sluice serves one
// site and routes on the path alone, but a proxy in front may route on Host: a request with no
// Host, two, or one that is no host at all is one the proxy and Sluice could take for different
// sites. Used by the connection code (http_session.cc) and its fuzz target.
#pragma once

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <optional>
#include <string_view>

#include "http/http_error.h"

namespace sluice::http {

// nullopt when the head's Host is acceptable; otherwise the 400 to answer before closing the
// connection. Refused:
// - an HTTP/1.1 request without a Host field (HTTP/1.0 has none to require);
// - any request with more than one Host field line, in any version;
// - a Host value that is not `host[:port]` (IsHostValue).
// The value is never quoted back in the error: it is the client's, and may be anything.
std::optional<HttpError> HostError(
    const boost::beast::http::request_header<boost::beast::http::fields>& head);

// Whether `value` (a Host field's value, without the spaces around it) is `uri-host [":" port]`
// (RFC 9110 section 7.2, RFC 3986 section 3.2.2): a registered name of unreserved,
// percent-encoded and sub-delims bytes, an IPv4 address (a registered name to this syntax), or
// an IPv6 or future literal in brackets; then, optionally, a colon and digits. Empty is allowed:
// it is what a client sends for a target with no authority.
bool IsHostValue(std::string_view value);

}  // namespace sluice::http
