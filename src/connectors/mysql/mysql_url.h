// mysql://user:password@host:port/database?parameter=value&... parsed with libcurl's URL API
// (RFC 3986: IPv6 hosts in brackets, percent-decoding), and the parameters Sluice honours.
// An unknown parameter is an error, never dropped: a user who asks for TLS in a spelling
// Sluice does not know must not silently get plain text.
#pragma once

#include <string>

#include "core/status.h"

namespace sluice {

// MySQL's --ssl-mode values (MySQL 8.0 reference 6.3.1, "Command Options for Encrypted
// Connections").
enum class MysqlSslMode {
  kDisabled,   // plain text
  kPreferred,  // TLS when the server offers it, certificate unchecked (MySQL's default)
  kRequired,   // TLS or no connection, certificate unchecked
  kVerifyCa,   // TLS with a certificate from a trusted CA (libmariadb 3.3 also checks the name)
  kVerifyIdentity,  // TLS with a trusted certificate for the host name
};

struct MysqlUrl {
  std::string user;
  std::string password;
  std::string host = "127.0.0.1";  // an IPv6 address without its brackets
  unsigned port = 3306;
  std::string database;
  // Parameters. Names take '-' or '_' (ssl-mode, ssl_mode).
  std::string socket;  // socket=/path: a Unix socket instead of TCP to host:port
  MysqlSslMode ssl_mode = MysqlSslMode::kPreferred;  // ssl-mode=; VERIFY_CA with ssl-ca alone
  std::string ssl_ca;                                // ssl-ca=: a PEM file of trusted CAs
  std::string ssl_capath;                            // ssl-capath=: a directory of them
  std::string ssl_cert;  // ssl-cert=, ssl-key=: a client certificate and its key (PEM)
  std::string ssl_key;
  unsigned connect_timeout_seconds = 10;  // connect-timeout=, 1 to 3600
};

// Parses a mysql:// or mariadb:// URL; user, password and database are percent-decoded.
// Errors (InvalidArgument) show the URL with its password masked; a URL whose userinfo reads
// more than one way (an unencoded '@', '/', '#' or '?' in the password: CheckUrlUserinfo) or that
// curl cannot parse is not shown at all.
Result<MysqlUrl> ParseMysqlUrl(const std::string& url);

const char* MysqlSslModeName(MysqlSslMode mode);

}  // namespace sluice
