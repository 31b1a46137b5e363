// AWS Signature Version 4, on OpenSSL: canonical request, string to sign, signing key, the
// Authorization header and presigned URLs. Own code because curl's built-in signing skips query
// sorting and x-amz-content-sha256; tested against AWS's published test suite.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sluice {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty without temporary credentials
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct SigningRequest {
  std::string method;              // "GET"
  std::string path;                // as sent on the wire, percent-encoded: "/bucket/my%20key"
  std::string query;               // as sent on the wire, without '?': "list-type=2&prefix=a%2Fb"
  HttpHeaders headers;             // every header to sign, "Host" included
  std::string payload_sha256_hex;  // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

struct SigningScope {
  std::string region;    // "us-east-1"
  std::string service;   // "sqs", "s3"
  std::string amz_date;  // "20150830T123600Z"
  // S3 signs the path exactly as sent; every other service normalises it (dot segments,
  // repeated slashes) and encodes it once more.
  bool s3_path_rules = false;
};

// "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"-style scope without the key id.
std::string CredentialScope(const SigningScope& scope);

std::string CanonicalRequest(const SigningRequest& request, const SigningScope& scope,
                             std::string* signed_headers);
std::string StringToSign(const std::string& canonical_request, const SigningScope& scope);
// Hex signature of the string to sign.
std::string Signature(const std::string& secret_access_key, const SigningScope& scope,
                      const std::string& string_to_sign);

// The value of the Authorization header for the request.
std::string AuthorizationHeader(const SigningRequest& request, const SigningScope& scope,
                                const AwsCredentials& credentials);

// Adds X-Amz-Date, X-Amz-Content-Sha256 (for S3), X-Amz-Security-Token and Authorization to
// `request.headers`, signing everything else already there.
void SignRequest(SigningRequest& request, const SigningScope& scope,
                 const AwsCredentials& credentials);

// A presigned URL's query string (X-Amz-Algorithm … X-Amz-Signature), merged with the request's
// own query, for a GET valid `expires_seconds`. `request.headers` must hold Host.
std::string PresignQuery(const SigningRequest& request, const SigningScope& scope,
                         const AwsCredentials& credentials, int64_t expires_seconds);

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters stay, everything else is
// %XX upper-case; '/' stays when `keep_slash`.
std::string UriEncode(std::string_view text, bool keep_slash);

// The current time as "YYYYMMDDTHHMMSSZ".
std::string AmzDateNow();

}  // namespace sluice
