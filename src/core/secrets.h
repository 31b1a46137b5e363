// Secret redaction: passwords in connection URLs and registered secret values never leave the
// process in a log line or an error message. Every message that may carry user-supplied text
// (a URL, a server's error) passes through Redact() before it is printed.
//
// Redaction errs on the side of masking. A password is found by structure, not by value:
// `user:PASSWORD@` is masked from the first ':' of the userinfo to the LAST '@' of the
// whitespace-bounded token, with or without a `scheme://` before it, so a password holding an
// unencoded '/', '#', '?' or '@' is masked whole (and a path or query holding an '@' with it).
// Registered secrets are masked where they stand as a token (see Redact); a short secret made of
// name characters only ("postgres", which may also be the database, role or bucket it names)
// by structure only, so the names it equals stay readable in servers' messages.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace sluice {

// Returns `url` with the password of its userinfo (`scheme://user:PASSWORD@host`, or
// `user:PASSWORD@host` without a scheme) replaced by `****`, as described above. Text without
// a userinfo comes back unchanged.
std::string RedactUrl(std::string_view url);

// Replaces every userinfo password (as RedactUrl), every `password=...` conninfo keyword or URL
// query value, and every registered secret in `text` by `****`. A registered secret is replaced
// only where it stands as a token: where it begins (ends) with a letter or digit, the character
// before (after) it must not be one. Servers quote a password whole ('...'), so those are
// masked, while the user "sluice" stays readable when the password is "sluic". A secret under
// 16 bytes of letters, digits, '_', '-' and '.' only is not looked for in the text at all: it
// is as likely the name it equals (database "postgres" does not exist; a bucket
// "sluice-reports"), which servers quote as they never quote a password, and the structure
// above masks it where it is the password. A `password=` value that ends in ':', ',' or ';'
// before whitespace leaves that character as punctuation.
std::string Redact(std::string_view text);

// Overwrites, in place and keeping its length, every userinfo password and `password=` value in
// the NUL-terminated `arg` with 'x', and returns whether there was one. argv's own memory is what
// /proc/PID/cmdline (and so `ps`) shows every local user; the mysql client scrubs -p the same
// way. Like RedactUrl it errs on masking: SQL text holding `a:b@c` is scrubbed too (the command
// itself reads a copy).
bool ScrubSecretsInPlace(char* arg);

// Registers a value (a password, a key) that must never be printed. Values under 4 bytes are
// ignored. Thread-safe.
void RegisterSecret(std::string_view secret);

// For a `scheme://` URL (other text: Ok): InvalidArgument when its userinfo cannot be told from
// the rest one way only, as happens when a password holds an unencoded reserved character
// (RFC 3986 section 3.2.1): whitespace or a control character anywhere (RFC 3986 has none, and
// redaction ends a token there), an '@' after the authority, more than one '@' in it, or a port (of
// any host in a libpq-style `h1:p1,h2:p2` list) that is not digits. The message names `what`
// ("PostgreSQL", "MySQL") and the fault, quotes no part of the URL, and says how to
// percent-encode the password.
Status CheckUrlUserinfo(std::string_view url, std::string_view what);

// The message for a connection string its parser (libpq, libcurl) refuses. The parser's own
// reason is left out: libpq's quotes the text it stopped at, which may be the password. `form`
// shows the expected shape.
std::string UnreadableUrlMessage(std::string_view what, std::string_view form);

}  // namespace sluice
