// Fuzzes the SigV4 canonicalizer with arbitrary requests. Input, one field a line: the service
// ("s3" signs the path as sent, anything else normalises it), the method, the path, the query,
// then header lines "Name:value". The signature rests on the canonical form, so it must be a
// function of the request alone: the same for the same request, the same whatever the order of
// the query's pairs or of differently named headers, and a fixed point of canonicalization.
// The secret key is never in what is sent.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "aws/sigv4.h"
#include "core/strings.h"

namespace {

constexpr std::string_view kSecret = "fuzzSecretKey/K7MDENG+bPxRfiCYEXAMPLEKEY";

// The secret as a query carries it, percent-encoded; made once, not on every execution.
const std::string& EncodedSecret() {
  static const std::string encoded = sluice::UriEncode(kSecret, false);
  return encoded;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::string Join(const std::vector<std::string_view>& parts, char separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

// The canonical request's lines: method, path, query, headers..., "", signed headers, payload.
std::vector<std::string_view> Lines(const std::string& canonical) {
  return Split(canonical, '\n');
}

bool OnlyEncodedQueryBytes(std::string_view query) {
  return std::all_of(query.begin(), query.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == '~' || c == '%' || c == '=' || c == '&';
  });
}

bool IsLowerHex(std::string_view s, size_t length) {
  return s.size() == length && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (size > 4096) return 0;
  std::vector<std::string_view> fields = Split(text, '\n');
  while (fields.size() < 4)
    fields.emplace_back();

  sluice::SigningScope scope{"us-east-1", fields[0] == "s3" ? "s3" : "sqs", "20261201T101500Z",
                             fields[0] == "s3"};
  sluice::SigningRequest request;
  request.method = std::string(fields[1]);
  request.path = std::string(fields[2]);
  request.query = std::string(fields[3]);
  request.payload_sha256_hex = "UNSIGNED-PAYLOAD";
  std::vector<std::string> header_names;  // lower-cased, as given
  for (size_t i = 4; i < fields.size(); ++i) {
    size_t colon = fields[i].find(':');
    std::string_view name = fields[i].substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? "" : fields[i].substr(colon + 1);
    request.headers.emplace_back(std::string(name), std::string(value));
    header_names.push_back(sluice::AsciiLower(name));
  }

  std::string signed_headers;
  const std::string canonical = sluice::CanonicalRequest(request, scope, &signed_headers);

  // Determinism: the same request, the same canonical form (the signing key cache included).
  std::string again_signed;
  if (sluice::CanonicalRequest(request, scope, &again_signed) != canonical ||
      again_signed != signed_headers) {
    std::abort();
  }

  // Signed headers: every distinct lower-cased name once, sorted, joined by ';'.
  std::vector<std::string> distinct = header_names;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::vector<std::string_view> distinct_views(distinct.begin(), distinct.end());
  if (signed_headers != Join(distinct_views, ';')) std::abort();

  // Header values and the method are written as given, so a newline could only come from them;
  // this input has none (lines split it), so the layout is exact. The canonical request ends in
  // the signed headers and the payload hash.
  const std::vector<std::string_view> lines = Lines(canonical);
  if (lines.size() != 6 + distinct.size()) std::abort();
  if (lines[0] != request.method) std::abort();
  if (lines[lines.size() - 1] != request.payload_sha256_hex) std::abort();
  if (lines[lines.size() - 2] != signed_headers) std::abort();
  if (!lines[lines.size() - 3].empty()) std::abort();

  // The path: S3's as sent ("/" for none); every other service's normalised and encoded once,
  // so that it begins with '/', holds no empty, "." or ".." segment and only encoded bytes.
  const std::string_view path = lines[1];
  if (scope.s3_path_rules) {
    if (path != (request.path.empty() ? "/" : request.path)) std::abort();
  } else {
    if (path.empty() || path.front() != '/' || path.find("//") != std::string_view::npos)
      std::abort();
    for (std::string_view segment : Split(path.substr(1), '/')) {
      if (segment == "." || segment == "..") std::abort();
    }
    if (!std::all_of(path.begin(), path.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
                 c == '~' || c == '%' || c == '/';
        })) {
      std::abort();
    }
  }

  // The query: encoded, sorted, and a fixed point: canonicalizing it again changes nothing.
  const std::string_view query = lines[2];
  if (!OnlyEncodedQueryBytes(query)) std::abort();
  {
    sluice::SigningRequest again = request;
    again.query = std::string(query);
    std::string ignored;
    if (Lines(sluice::CanonicalRequest(again, scope, &ignored))[2] != query) std::abort();
  }
  // The order of the query's pairs does not matter.
  {
    std::vector<std::string_view> pairs = Split(request.query, '&');
    std::reverse(pairs.begin(), pairs.end());
    sluice::SigningRequest reversed = request;
    reversed.query = Join(pairs, '&');
    std::string ignored;
    if (sluice::CanonicalRequest(reversed, scope, &ignored) != canonical) std::abort();
  }
  // Nor does the order of headers with different names (values of one name keep their order).
  if (distinct.size() == header_names.size()) {
    sluice::SigningRequest reversed = request;
    std::reverse(reversed.headers.begin(), reversed.headers.end());
    std::string ignored;
    if (sluice::CanonicalRequest(reversed, scope, &ignored) != canonical) std::abort();
  }

  // Signing: the Authorization header names the signed headers and carries a 64-hex signature,
  // never the secret; a presigned query verifies the way a server checks it, and carries no
  // secret either.
  const sluice::AwsCredentials credentials{"AKIDFUZZEXAMPLE", std::string(kSecret), ""};
  // The input may carry the secret itself, as sent or percent-encoded (the query is decoded and
  // encoded again, or kept as given), and then what is sent carries it too; only a secret from
  // elsewhere is a leak. Decoding the whole input is not enough: a '%' before the encoded secret
  // ("%cfuzz...") decodes with its first letter.
  const bool input_has_secret = text.find(kSecret) != std::string_view::npos ||
                                text.find(EncodedSecret()) != std::string_view::npos ||
                                sluice::PercentDecode(text).find(kSecret) != std::string::npos;
  const std::string authorization = sluice::AuthorizationHeader(request, scope, credentials);
  const std::string marker = ", SignedHeaders=" + signed_headers + ", Signature=";
  const size_t at = authorization.rfind(marker);
  if (at == std::string::npos ||
      !IsLowerHex(std::string_view(authorization).substr(at + marker.size()), 64)) {
    std::abort();
  }
  if (!input_has_secret && authorization.find(kSecret) != std::string::npos) std::abort();

  if (!scope.s3_path_rules) return 0;  // presigned URLs are S3's
  sluice::SigningRequest get = request;
  get.method = "GET";
  const std::string presigned = sluice::PresignQuery(get, scope, credentials, 3600);
  if (!input_has_secret && (presigned.find(kSecret) != std::string::npos ||
                            presigned.find(EncodedSecret()) != std::string::npos))
    std::abort();
  const std::string signature_key = "&X-Amz-Signature=";
  const size_t sig = presigned.rfind(signature_key);
  if (sig == std::string::npos ||
      !IsLowerHex(std::string_view(presigned).substr(sig + signature_key.size()), 64)) {
    std::abort();
  }
  // A server recomputes the signature over the query without it, the payload unsigned.
  sluice::SigningRequest check = get;
  check.query = presigned.substr(0, sig);
  check.payload_sha256_hex = "UNSIGNED-PAYLOAD";
  std::string check_signed;
  const std::string check_canonical = sluice::CanonicalRequest(check, scope, &check_signed);
  const std::string expected = sluice::Signature(credentials.secret_access_key, scope,
                                                 sluice::StringToSign(check_canonical, scope));
  if (presigned.substr(sig + signature_key.size()) != expected) std::abort();
  return 0;
}
