#include "connectors/mysql/mysql_url.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <memory>
#include <optional>
#include <set>

#include "core/curl_url.h"
#include "core/secrets.h"
#include "core/strings.h"

namespace sluice {
namespace {

// One part of the URL, or nullopt when the URL has none.
Result<std::optional<std::string>> Part(CURLU* u, CURLUPart part, unsigned flags,
                                        std::string_view name, const std::string& url) {
  char* raw = nullptr;
  CURLUcode rc = curl_url_get(u, part, &raw, flags);
  CurlString owned(raw);
  if (rc == CURLUE_OK) return std::optional<std::string>(raw);
  if (rc == CURLUE_NO_USER || rc == CURLUE_NO_PASSWORD || rc == CURLUE_NO_PORT ||
      rc == CURLUE_NO_QUERY || rc == CURLUE_NO_FRAGMENT || rc == CURLUE_NO_ZONEID) {
    return std::optional<std::string>();
  }
  return UsageError(fmt::format("the MySQL URL {} has a bad {}: {}", RedactUrl(url), name,
                                curl_url_strerror(rc)));
}

Result<MysqlSslMode> SslModeFrom(std::string_view text) {
  const std::string upper = [&] {
    std::string s(text);
    for (char& c : s)
      c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    return s;
  }();
  if (upper == "DISABLED") return MysqlSslMode::kDisabled;
  if (upper == "PREFERRED") return MysqlSslMode::kPreferred;
  if (upper == "REQUIRED") return MysqlSslMode::kRequired;
  if (upper == "VERIFY_CA") return MysqlSslMode::kVerifyCa;
  if (upper == "VERIFY_IDENTITY") return MysqlSslMode::kVerifyIdentity;
  return UsageError(
      "the MySQL URL's ssl-mode must be DISABLED, PREFERRED, REQUIRED, VERIFY_CA or "
      "VERIFY_IDENTITY");
}

}  // namespace

const char* MysqlSslModeName(MysqlSslMode mode) {
  switch (mode) {
    case MysqlSslMode::kDisabled:
      return "DISABLED";
    case MysqlSslMode::kPreferred:
      return "PREFERRED";
    case MysqlSslMode::kRequired:
      return "REQUIRED";
    case MysqlSslMode::kVerifyCa:
      return "VERIFY_CA";
    case MysqlSslMode::kVerifyIdentity:
      return "VERIFY_IDENTITY";
  }
  return "?";
}

Result<MysqlUrl> ParseMysqlUrl(const std::string& url) {
  if (!url.starts_with("mysql://") && !url.starts_with("mariadb://")) {
    return UsageError(fmt::format(
        "'{}' is not a MySQL URL (mysql://user:password@host:port/database)", RedactUrl(url)));
  }
  // Whitespace and control characters are not URL characters; accepting them would also let a
  // password hide from redaction, which ends a URL at the first space.
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return UsageError("the MySQL URL contains whitespace or a control character");
    }
  }
  // A password with an unencoded '/', '#', '?' or '@' would leave part of itself in the host,
  // port or path; refused before curl, whose errors would be about the wrong part.
  RETURN_IF_ERROR(CheckUrlUserinfo(url, "MySQL"));
  // curl reads "mysql:///db" as the host "db"; a user who wrote it meant no host at all.
  if (url[url.find("://") + 3] == '/') {
    return UsageError(fmt::format("the MySQL URL {} names no host", RedactUrl(url)));
  }
  CurlUrl u(curl_url());
  if (!u) return Internal("cannot allocate a URL parser");
  if (CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME);
      rc != CURLUE_OK) {
    return UsageError(UnreadableUrlMessage(
        "MySQL", "mysql://, then user, ':', password, '@', host, ':', port, '/', database"));
  }
  MysqlUrl out;
  ASSIGN_OR_RETURN(auto user, Part(u.get(), CURLUPART_USER, CURLU_URLDECODE, "user", url));
  ASSIGN_OR_RETURN(auto password,
                   Part(u.get(), CURLUPART_PASSWORD, CURLU_URLDECODE, "password", url));
  ASSIGN_OR_RETURN(auto host, Part(u.get(), CURLUPART_HOST, 0, "host", url));
  ASSIGN_OR_RETURN(auto zone, Part(u.get(), CURLUPART_ZONEID, 0, "zone id", url));
  ASSIGN_OR_RETURN(auto port, Part(u.get(), CURLUPART_PORT, 0, "port", url));
  ASSIGN_OR_RETURN(auto path, Part(u.get(), CURLUPART_PATH, CURLU_URLDECODE, "database", url));
  ASSIGN_OR_RETURN(auto query, Part(u.get(), CURLUPART_QUERY, 0, "query", url));
  ASSIGN_OR_RETURN(auto fragment, Part(u.get(), CURLUPART_FRAGMENT, 0, "fragment", url));
  if (user) out.user = *user;
  if (password) out.password = *password;
  if (host && !host->empty()) {
    out.host = *host;
    // curl keeps an IPv6 literal's brackets; the connector wants the bare address.
    if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']') {
      out.host = out.host.substr(1, out.host.size() - 2);
      if (zone) out.host += "%" + *zone;
    }
  }
  if (port) {
    if (!ParseInt(*port, &out.port) || out.port == 0 || out.port > 65535) {
      return UsageError(fmt::format("'{}' has a bad port", RedactUrl(url)));
    }
  }
  if (path && path->size() > 1) {
    out.database = path->substr(1);
    if (out.database.find('/') != std::string::npos) {
      return UsageError(fmt::format("the MySQL URL {} names more than a database after the host",
                                    RedactUrl(url)));
    }
  }
  if (fragment) {
    return UsageError(fmt::format("the MySQL URL {} has a '#' fragment, which means nothing here",
                                  RedactUrl(url)));
  }
  bool mode_given = false;
  std::set<std::string> seen;
  for (std::string_view rest = query ? std::string_view(*query) : std::string_view();
       !rest.empty();) {
    const size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string name = PercentDecode(pair.substr(0, eq));
    for (char& c : name)
      c = c == '_' ? '-' : c;
    const std::string value =
        eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1));
    if (!seen.insert(name).second) {
      return UsageError(fmt::format("the MySQL URL gives parameter '{}' twice", name));
    }
    auto need_value = [&]() -> Status {
      return value.empty()
                 ? UsageError(fmt::format("the MySQL URL's parameter '{}' needs a value", name))
                 : Status::Ok();
    };
    if (name == "ssl-mode") {
      ASSIGN_OR_RETURN(out.ssl_mode, SslModeFrom(value));
      mode_given = true;
    } else if (name == "ssl-ca") {
      RETURN_IF_ERROR(need_value());
      out.ssl_ca = value;
    } else if (name == "ssl-capath") {
      RETURN_IF_ERROR(need_value());
      out.ssl_capath = value;
    } else if (name == "ssl-cert") {
      RETURN_IF_ERROR(need_value());
      out.ssl_cert = value;
    } else if (name == "ssl-key") {
      RETURN_IF_ERROR(need_value());
      out.ssl_key = value;
    } else if (name == "socket") {
      RETURN_IF_ERROR(need_value());
      out.socket = value;
    } else if (name == "connect-timeout") {
      if (!ParseInt(value, &out.connect_timeout_seconds) || out.connect_timeout_seconds < 1 ||
          out.connect_timeout_seconds > 3600) {
        return UsageError(
            "the MySQL URL's connect-timeout must be a whole number of seconds from 1 to 3600");
      }
    } else {
      // The name may be a mistyped secret: it is shown, its value never is.
      return UsageError(fmt::format(
          "the MySQL URL's parameter '{}' is not known; Sluice understands ssl-mode, ssl-ca, "
          "ssl-capath, ssl-cert, ssl-key, socket and connect-timeout",
          name.size() > 40 ? name.substr(0, 40) + "..." : name));
    }
  }
  const bool has_ca = !out.ssl_ca.empty() || !out.ssl_capath.empty();
  // As MySQL's client does: a CA without a mode asks for the CA to be checked.
  if (!mode_given && has_ca) out.ssl_mode = MysqlSslMode::kVerifyCa;
  if (out.ssl_mode == MysqlSslMode::kDisabled &&
      (has_ca || !out.ssl_cert.empty() || !out.ssl_key.empty())) {
    return UsageError(
        "the MySQL URL sets ssl-mode=DISABLED and also TLS files (ssl-ca, ssl-capath, ssl-cert or "
        "ssl-key): drop one or the other");
  }
  if (out.ssl_cert.empty() != out.ssl_key.empty()) {
    return UsageError("the MySQL URL needs ssl-cert and ssl-key together");
  }
  if (!out.socket.empty() && out.ssl_mode >= MysqlSslMode::kRequired) {
    return UsageError(
        fmt::format("the MySQL URL asks for ssl-mode={} over a Unix socket, which carries no TLS",
                    MysqlSslModeName(out.ssl_mode)));
  }
  return out;
}

}  // namespace sluice
