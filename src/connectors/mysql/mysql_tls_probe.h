// Whether a MySQL/MariaDB server offers TLS, read from the greeting it sends every client
// before any credentials are asked for (MySQL client/server protocol, "Protocol::Handshake",
// protocol version 10: the CLIENT_SSL bit of its capability flags). libmariadb 3.3 falls back
// to plain text when a server lacks TLS unless certificates are verified, so ssl-mode=REQUIRED
// asks here first and refuses before the password is sent.
#pragma once

#include <string>

#include "core/status.h"

namespace sluice {

// Connects over TCP, reads the greeting, closes. Unavailable when the server cannot be
// reached or sends no greeting within `timeout_seconds`; false when the greeting has no
// CLIENT_SSL bit (or is an error packet, which the real connection will report).
Result<bool> MysqlServerOffersTls(const std::string& host, unsigned port, unsigned timeout_seconds);

}  // namespace sluice
