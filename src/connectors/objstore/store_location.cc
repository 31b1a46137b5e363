#include "connectors/objstore/store_location.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "aws/aws_config.h"
#include "connectors/objstore/local_object_store.h"
#include "connectors/objstore/s3_object_store.h"
#include "core/curl_url.h"
#include "core/environment.h"
#include "core/names.h"

namespace sluice {
namespace {

// The URL as it may be shown: without any userinfo, where a password would be.
std::string Shown(std::string_view url) {
  // A query or fragment can carry a token (a presigned URL's X-Amz-Signature): it is left out.
  std::string elided;
  if (const size_t query = url.find_first_of("?#"); query != std::string_view::npos) {
    elided = std::string(1, url[query]) + "...";
    url = url.substr(0, query);
  }
  const size_t scheme = url.find("://");
  const size_t host = scheme == std::string_view::npos ? 0 : scheme + 3;
  const size_t authority_end = std::min(url.find('/', host), url.size());
  const size_t at = url.substr(0, authority_end).rfind('@');
  if (at == std::string_view::npos || at < host) return std::string(url) + elided;
  return std::string(url.substr(0, host)) + std::string(url.substr(at + 1)) + elided;
}

const char* kForm = "a location is s3://bucket/prefix/ or file:///absolute/directory/";

// The part, or "" when the URL has none; an error for anything else.
Result<std::string> Part(CURLU* u, CURLUPart part, unsigned flags, std::string_view url) {
  char* raw = nullptr;
  const CURLUcode rc = curl_url_get(u, part, &raw, flags);
  CurlString owned(raw);
  if (rc == CURLUE_OK) return std::string(raw);
  if (rc == CURLUE_NO_USER || rc == CURLUE_NO_PASSWORD || rc == CURLUE_NO_PORT ||
      rc == CURLUE_NO_QUERY || rc == CURLUE_NO_FRAGMENT || rc == CURLUE_NO_HOST ||
      rc == CURLUE_NO_OPTIONS || rc == CURLUE_NO_ZONEID) {
    return std::string();
  }
  if (rc == CURLUE_URLDECODE) {
    return UsageError(
        fmt::format("location {}: bad percent-encoding, or an encoded NUL byte", Shown(url)));
  }
  return UsageError(fmt::format("location {}: {}", Shown(url), curl_url_strerror(rc)));
}

}  // namespace

std::string StoreLocation::Url() const {
  return kind == Kind::kS3 ? fmt::format("s3://{}/{}", bucket, path) : "file://" + path;
}

StoreLocation StoreLocation::Below(std::string_view relative) const {
  StoreLocation below = *this;
  below.path += std::string(relative);
  if (!below.path.empty() && below.path.back() != '/') below.path += '/';
  return below;
}

Result<StoreLocation> ParseStoreLocation(std::string_view url) {
  const std::string shown = Shown(url);
  StoreLocation location;
  if (url.starts_with("s3://")) {
    location.kind = StoreLocation::Kind::kS3;
  } else if (url.starts_with("file:")) {
    location.kind = StoreLocation::Kind::kLocal;
  } else {
    return UsageError(fmt::format("location {}: {}", shown, kForm));
  }
  const size_t authority =
      url.find("://") == std::string_view::npos ? url.size() : url.find("://") + 3;
  const std::string_view authority_text =
      url.substr(std::min(authority, url.size()), url.find('/', authority) == std::string_view::npos
                                                      ? std::string_view::npos
                                                      : url.find('/', authority) - authority);
  if (authority_text.find('@') != std::string_view::npos) {
    return UsageError(
        fmt::format("location {}: takes no user or password (S3 credentials come from the AWS "
                    "environment)",
                    shown));
  }
  CurlUrl u(curl_url());
  const std::string text(url);
  const CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, text.c_str(),
                                    CURLU_NON_SUPPORT_SCHEME | CURLU_PATH_AS_IS);
  if (rc != CURLUE_OK) {
    return UsageError(fmt::format("location {}: {} ({})", shown, curl_url_strerror(rc), kForm));
  }
  ASSIGN_OR_RETURN(const std::string user, Part(u.get(), CURLUPART_USER, 0, url));
  ASSIGN_OR_RETURN(const std::string password, Part(u.get(), CURLUPART_PASSWORD, 0, url));
  if (!user.empty() || !password.empty()) {
    return UsageError(
        fmt::format("location {}: takes no user or password (S3 credentials come from the AWS "
                    "environment)",
                    shown));
  }
  ASSIGN_OR_RETURN(const std::string port, Part(u.get(), CURLUPART_PORT, 0, url));
  ASSIGN_OR_RETURN(const std::string query, Part(u.get(), CURLUPART_QUERY, 0, url));
  ASSIGN_OR_RETURN(const std::string fragment, Part(u.get(), CURLUPART_FRAGMENT, 0, url));
  if (!port.empty() || !query.empty() || !fragment.empty() ||
      url.find_first_of("?#") != std::string_view::npos) {
    return UsageError(
        fmt::format("location {}: takes no port, query or fragment ({})", shown, kForm));
  }
  ASSIGN_OR_RETURN(const std::string host, Part(u.get(), CURLUPART_HOST, 0, url));
  ASSIGN_OR_RETURN(std::string path, Part(u.get(), CURLUPART_PATH, CURLU_URLDECODE, url));
  if (path.find('\0') != std::string::npos) {
    return UsageError(fmt::format("location {}: the path holds a NUL byte", shown));
  }
  if (path.empty()) path = "/";
  // "." and ".." would make two spellings of one place, or leave the one named.
  for (size_t start = 1; start < path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string_view segment = std::string_view(path).substr(start, end - start);
    if (segment == "." || segment == ".." || (segment.empty() && end < path.size())) {
      return UsageError(fmt::format("location {}: the path has an empty, '.' or '..' part", shown));
    }
    start = end + 1;
  }
  if (path.back() != '/') path += '/';

  if (location.kind == StoreLocation::Kind::kS3) {
    if (host.empty()) {
      return UsageError(fmt::format("location {}: names no bucket ({})", shown, kForm));
    }
    RETURN_IF_ERROR_CTX(ValidateS3BucketName(host, "the bucket"), "location " + shown);
    location.bucket = host;
    location.path = path.substr(1);  // the key prefix: "" or "a/b/"
    return location;
  }
  if (!url.starts_with("file://") || (!host.empty() && host != "localhost")) {
    return UsageError(fmt::format(
        "location {}: a local directory is file:///absolute/path/ (no host, no relative path)",
        shown));
  }
  location.path = path;
  return location;
}

Result<StoreLocation> DefaultLakeLocation(const std::string& s3_endpoint_flag) {
  if (!s3_endpoint_flag.empty() || !GetEnv("AWS_ENDPOINT_URL_S3").empty() ||
      !GetEnv("AWS_ENDPOINT_URL").empty()) {
    return ParseStoreLocation("s3://datalake/");
  }
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) {
    return IoError(
        fmt::format("the default lake (lake/ here): cannot tell the working directory: {}",
                    std::strerror(errno)));
  }
  StoreLocation location;
  location.kind = StoreLocation::Kind::kLocal;
  location.path = std::string(cwd) + (std::string_view(cwd) == "/" ? "" : "/") + "lake/";
  return location;
}

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const StoreLocation& location,
                                                     const std::string& s3_endpoint_flag,
                                                     const std::string& addressing) {
  if (location.kind == StoreLocation::Kind::kLocal) {
    return std::unique_ptr<ObjectStore>(std::make_unique<LocalObjectStore>(location.path));
  }
  ASSIGN_OR_RETURN(AwsConfig config, ResolveAwsConfig(s3_endpoint_flag, "s3"));
  auto client = std::make_unique<S3Client>(
      std::move(config), MakeCurlTransport(),
      addressing == "virtual" ? S3Addressing::kVirtualHost : S3Addressing::kPath);
  return std::unique_ptr<ObjectStore>(
      std::make_unique<S3ObjectStore>(std::move(client), location.bucket, location.path));
}

}  // namespace sluice
