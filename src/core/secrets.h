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

// Overwrites, in place and keeping its length, every URL password and `password=` value in the
// NUL-terminated `arg` with 'x', and returns whether there was one. argv's own memory is what
// /proc/PID/cmdline (and so `ps`) shows every local user; the mysql client scrubs -p the same way.
bool ScrubSecretsInPlace(char* arg);

// Registers a value (a password, a key) that must never be printed. Thread-safe.
void RegisterSecret(std::string_view secret);

}  // namespace sluice
