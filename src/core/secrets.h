// Secret redaction: passwords in connection URLs and registered secret values never leave the
// process in a log line or an error message. Every message that may carry user-supplied text
// (a URL, a server's error) passes through Redact() before it is printed.
#pragma once

#include <string>
#include <string_view>

namespace sluice {

// Returns `url` with the password of its userinfo (`scheme://user:PASSWORD@host`) replaced by
// `****`. Strings that are not URLs come back unchanged.
std::string RedactUrl(std::string_view url);

// Replaces every URL password, every `password=...` conninfo keyword value and every registered
// secret in `text` by `****`.
std::string Redact(std::string_view text);

// Registers a value (a password, a key) that must never be printed. Thread-safe.
void RegisterSecret(std::string_view secret);

}  // namespace sluice
