#include "aws/sigv4.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "aws/crypto.h"
#include "core/strings.h"

namespace sluice {
namespace {

// Trims and collapses runs of spaces, as the canonical header value requires.
std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// Removes dot segments and repeated slashes (RFC 3986 5.2.4), keeping a trailing slash.
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(pos, slash - pos);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    pos = slash + 1;
  }
  std::string out;
  for (auto seg : segments) {
    out += '/';
    out += seg;
  }
  bool trailing =
      !path.empty() && (path.back() == '/' || path.ends_with("/.") || path.ends_with("/.."));
  if (out.empty() || (trailing && out.back() != '/')) out += '/';
  return out;
}

std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t pos = 0;
  while (pos < query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view pair = query.substr(pos, amp - pos);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key = PercentDecode(pair.substr(0, eq));
      std::string value = eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
      params.emplace_back(UriEncode(key, false), UriEncode(value, false));
    }
    pos = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

}  // namespace

std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::string CredentialScope(const SigningScope& scope) {
  return fmt::format("{}/{}/{}/aws4_request", scope.amz_date.substr(0, 8), scope.region,
                     scope.service);
}

std::string CanonicalRequest(const SigningRequest& request, const SigningScope& scope,
                             std::string* signed_headers) {
  std::string path = request.path.empty() ? "/" : request.path;
  if (!scope.s3_path_rules) path = UriEncode(NormalizePath(path), true);

  // Headers: lower-case names, sorted; repeated names join their values with commas in order.
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : request.headers) {
    headers.emplace_back(AsciiLower(name), CanonicalHeaderValue(value));
  }
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string canonical_headers;
  signed_headers->clear();
  for (size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].first == headers[i - 1].first) {
      canonical_headers.pop_back();  // the newline
      canonical_headers += "," + headers[i].second + "\n";
      continue;
    }
    canonical_headers += headers[i].first + ":" + headers[i].second + "\n";
    // Separated by position, not by whether the list is still empty: an empty first name
    // would otherwise swallow the separator after it.
    if (i > 0) *signed_headers += ';';
    *signed_headers += headers[i].first;
  }
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, path, CanonicalQuery(request.query),
                     canonical_headers, *signed_headers, request.payload_sha256_hex);
}

std::string StringToSign(const std::string& canonical_request, const SigningScope& scope) {
  return fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", scope.amz_date, CredentialScope(scope),
                     HexLower(Sha256(canonical_request)));
}

std::string Signature(const std::string& secret_access_key, const SigningScope& scope,
                      const std::string& string_to_sign) {
  // The signing key depends only on the secret, the day, the region and the service: derive it
  // once a day per thread instead of four HMACs per request.
  struct CachedKey {
    std::string secret, date, region, service;
    std::string key;
  };
  thread_local CachedKey cache;
  const std::string date = scope.amz_date.substr(0, 8);
  if (cache.key.empty() || cache.secret != secret_access_key || cache.date != date ||
      cache.region != scope.region || cache.service != scope.service) {
    auto k_date = HmacSha256("AWS4" + secret_access_key, date);
    auto k_region = HmacSha256(AsBytes(k_date), scope.region);
    auto k_service = HmacSha256(AsBytes(k_region), scope.service);
    cache = {secret_access_key, date, scope.region, scope.service,
             AsBytes(HmacSha256(AsBytes(k_service), "aws4_request"))};
  }
  return HexLower(HmacSha256(cache.key, string_to_sign));
}

std::string AuthorizationHeader(const SigningRequest& request, const SigningScope& scope,
                                const AwsCredentials& credentials) {
  std::string signed_headers;
  std::string creq = CanonicalRequest(request, scope, &signed_headers);
  std::string sig = Signature(credentials.secret_access_key, scope, StringToSign(creq, scope));
  return fmt::format("AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={}, Signature={}",
                     credentials.access_key_id, CredentialScope(scope), signed_headers, sig);
}

void SignRequest(SigningRequest& request, const SigningScope& scope,
                 const AwsCredentials& credentials) {
  request.headers.emplace_back("X-Amz-Date", scope.amz_date);
  if (scope.s3_path_rules) {
    request.headers.emplace_back("X-Amz-Content-Sha256", request.payload_sha256_hex);
  }
  if (!credentials.session_token.empty()) {
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  std::string authorization = AuthorizationHeader(request, scope, credentials);
  request.headers.emplace_back("Authorization", std::move(authorization));
}

std::string PresignQuery(const SigningRequest& request, const SigningScope& scope,
                         const AwsCredentials& credentials, int64_t expires_seconds) {
  SigningRequest r = request;
  r.payload_sha256_hex = "UNSIGNED-PAYLOAD";
  std::vector<std::string> names;
  for (const auto& h : r.headers)
    names.push_back(AsciiLower(h.first));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string signed_headers;
  for (size_t i = 0; i < names.size(); ++i)
    signed_headers += (i > 0 ? ";" : "") + names[i];
  std::string query = r.query;
  auto add = [&query](std::string_view key, std::string_view value) {
    if (!query.empty()) query += '&';
    query += fmt::format("{}={}", key, UriEncode(value, false));
  };
  add("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  add("X-Amz-Credential", credentials.access_key_id + "/" + CredentialScope(scope));
  add("X-Amz-Date", scope.amz_date);
  add("X-Amz-Expires", std::to_string(expires_seconds));
  if (!credentials.session_token.empty()) add("X-Amz-Security-Token", credentials.session_token);
  add("X-Amz-SignedHeaders", signed_headers);
  r.query = query;
  std::string creq = CanonicalRequest(r, scope, &signed_headers);
  add("X-Amz-Signature",
      Signature(credentials.secret_access_key, scope, StringToSign(creq, scope)));
  return query;
}

std::string AmzDateNow() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace sluice
