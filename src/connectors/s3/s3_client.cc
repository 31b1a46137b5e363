#include "connectors/s3/s3_client.h"

#include <fmt/format.h>

#include <charconv>
#include <pugixml.hpp>
#include <set>
#include <string>
#include <utility>

#include "aws/aws_errors.h"
#include "aws/crypto.h"
#include "aws/sigv4.h"
#include "core/log.h"
#include "core/names.h"
#include "core/strings.h"
#include "core/thread_name.h"

namespace sluice {
namespace {

// Writes arrive in pieces; a part closes at the first write that reaches the part size.
constexpr size_t kWriteSlack = size_t{256} << 10;

std::string Unquote(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

std::string Md5Hex(std::string_view data) {
  unsigned char md5[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), md5, &length, EVP_md5(), nullptr);
  return HexLower(md5, length);
}

}  // namespace

ComponentSpec S3ObjectComponent() {
  ComponentSpec c{.name = "s3-object", .kind = ComponentKind::kSink};
  c.summary = "Writes one object to S3 in a multipart upload, checked before it is recorded";
  c.description =
      "Parts go up two at a time; after a lost answer the object is looked at (size, SHA-256, "
      "multipart ETag) before the outcome is recorded. A presigned GET URL is printed.";
  // Not required: the report may name its place with --output (a location URL) instead.
  OptionSpec bucket = TextOption("bucket", "S3 bucket (or give the report's --output instead)");
  bucket.check = [](std::string_view value) {
    return value.empty() ? Status::Ok() : ValidateS3BucketName(value, "");
  };
  bucket.check_rule = "3 to 63 lower-case letters, digits, . and -";
  OptionSpec prefix = TextOption("prefix", "Key prefix", "reports/");
  prefix.check = [](std::string_view value) {
    return value.empty() ? Status::Ok() : ValidateS3Key(value, "");
  };
  prefix.check_rule =
      "UTF-8 without control characters or '.' and '..' segments; at most 1024 bytes";
  OptionSpec part_size =
      IntOption("part-size-mb", "Multipart upload part size (MiB); doubles every 1,000 parts",
                static_cast<int64_t>(S3ObjectWriter::kDefaultPartSize >> 20), 5, 5120);
  c.options = {
      AwsEndpointOption("s3-endpoint", "s3"),
      ChoiceOption("s3-addressing", "path or virtual (bucket in the host name)",
                   {"path", "virtual"}, "path"),
      bucket,
      prefix,
      FlagOption("create-bucket", "Create the bucket (or --output's directory) if it is missing"),
      part_size,
      IntOption("url-expiry", "Presigned URL lifetime, seconds", 86400, 1, 604800),
  };
  return c;
}

S3Client::S3Client(AwsConfig config, std::unique_ptr<HttpTransport> transport,
                   S3Addressing addressing, RetryPolicy retry)
    : config_(std::move(config)),
      transport_(std::move(transport)),
      addressing_(addressing),
      retry_(retry) {}

std::unique_ptr<S3Client> S3Client::Fork() const {
  std::unique_ptr<HttpTransport> transport = transport_->Fork();
  if (!transport) return nullptr;
  return std::make_unique<S3Client>(config_, std::move(transport), addressing_, retry_);
}

S3Client::Target S3Client::TargetFor(const std::string& bucket, const std::string& key) const {
  std::string encoded_key = key.empty() ? "" : "/" + UriEncode(key, true);
  if (addressing_ == S3Addressing::kVirtualHost && !bucket.empty()) {
    return {bucket + "." + config_.endpoint.host,
            config_.endpoint.base_path + (encoded_key.empty() ? "/" : encoded_key)};
  }
  std::string path = config_.endpoint.base_path + "/" + UriEncode(bucket, false) + encoded_key;
  return {config_.endpoint.host, path};
}

Result<HttpResponse> S3Client::Send(std::string_view action, const std::string& method,
                                    const std::string& bucket, const std::string& key,
                                    const std::string& query, std::string_view body,
                                    HttpHeaders extra_headers, int* attempts) {
  const Target target = TargetFor(bucket, key);
  const std::string payload_hash = HexLower(Sha256(body));
  ASSIGN_OR_RETURN(const AwsCredentials credentials, config_.CurrentCredentials());
  int tries = 0;
  auto build = [&] {
    ++tries;
    SigningRequest signing;
    signing.method = method;
    signing.path = target.path;
    signing.query = query;
    signing.headers = {{"Host", target.host}};
    signing.headers.insert(signing.headers.end(), extra_headers.begin(), extra_headers.end());
    signing.payload_sha256_hex = payload_hash;
    SigningScope scope{config_.region, "s3", AmzDateNow(), true};
    SignRequest(signing, scope, credentials);
    HttpRequest request;
    request.method = method;
    request.url = fmt::format("{}://{}{}{}{}", config_.endpoint.scheme, target.host, target.path,
                              query.empty() ? "" : "?", query);
    request.headers = std::move(signing.headers);
    request.body = body;
    request.timeout = std::chrono::milliseconds(120000);
    return request;
  };
  Result<HttpResponse> response = SendWithRetries(*transport_, retry_, build);
  if (attempts) *attempts = tries;
  if (response.ok()) return response;
  // The transport names the method and URL; a person looks for the operation and the object.
  return response.status().WithContext(key.empty()
                                           ? fmt::format("S3 {} s3://{}", action, bucket)
                                           : fmt::format("S3 {} s3://{}/{}", action, bucket, key));
}

Status S3Client::ErrorFrom(const HttpResponse& response, std::string_view action,
                           const std::string& bucket, const std::string& key) const {
  std::string code, message;
  pugi::xml_document doc;
  if (doc.load_buffer(response.body.data(), response.body.size())) {
    code = doc.child("Error").child_value("Code");
    message = doc.child("Error").child_value("Message");
  }
  if (code.empty()) code = fmt::format("HTTP {}", response.status);
  std::string where =
      key.empty() ? fmt::format("s3://{}", bucket) : fmt::format("s3://{}/{}", bucket, key);
  return Status(
      StatusCodeForAwsError(response.status, code),
      fmt::format("S3 {} {}: {}{}{}", action, where, code, message.empty() ? "" : ": ", message));
}

Status S3Client::CreateBucket(const std::string& bucket) {
  std::string body;
  if (config_.region != "us-east-1") {
    body = fmt::format(
        "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<LocationConstraint>{}</LocationConstraint></CreateBucketConfiguration>",
        config_.region);
  }
  ASSIGN_OR_RETURN(HttpResponse r, Send("CreateBucket", "PUT", bucket, "", "", body, {}));
  if (r.status == 200) return Status::Ok();
  Status error = ErrorFrom(r, "CreateBucket", bucket, "");
  if (error.message().find("BucketAlreadyOwnedByYou") != std::string::npos) return Status::Ok();
  return error;
}

Status S3Client::PutObject(const std::string& bucket, const std::string& key, std::string_view body,
                           const std::string& content_type, const std::string& sha256_hex) {
  // Content-MD5 makes S3 refuse a body damaged on the way.
  HttpHeaders headers = {{"Content-Type", content_type}, {"Content-MD5", Md5Base64(body)}};
  if (!sha256_hex.empty()) headers.emplace_back("x-amz-meta-sha256", sha256_hex);
  ASSIGN_OR_RETURN(HttpResponse r, Send("PutObject", "PUT", bucket, key, "", body, headers));
  return r.status == 200 ? Status::Ok() : ErrorFrom(r, "PutObject", bucket, key);
}

Result<std::string> S3Client::GetObject(const std::string& bucket, const std::string& key,
                                        uint64_t offset, uint64_t length) {
  HttpHeaders headers;
  if (length > 0)
    headers.emplace_back("Range", fmt::format("bytes={}-{}", offset, offset + length - 1));
  ASSIGN_OR_RETURN(HttpResponse r, Send("GetObject", "GET", bucket, key, "", "", headers));
  if (r.status != 200 && r.status != 206) return ErrorFrom(r, "GetObject", bucket, key);
  return std::move(r.body);
}

Result<std::optional<S3ObjectInfo>> S3Client::HeadObject(const std::string& bucket,
                                                         const std::string& key) {
  ASSIGN_OR_RETURN(HttpResponse r, Send("HeadObject", "HEAD", bucket, key, "", "", {}));
  if (r.status == 404) return std::optional<S3ObjectInfo>();
  if (r.status != 200) return ErrorFrom(r, "HeadObject", bucket, key);
  S3ObjectInfo info;
  if (const auto* len = r.Header("content-length")) {
    std::from_chars(len->data(), len->data() + len->size(), info.size);
  }
  if (const auto* etag = r.Header("etag")) info.etag = Unquote(*etag);
  if (const auto* type = r.Header("content-type")) info.content_type = *type;
  if (const auto* sha = r.Header("x-amz-meta-sha256")) info.sha256 = *sha;
  return std::optional<S3ObjectInfo>(info);
}

Result<std::optional<S3ObjectInfo>> S3Client::StatObject(const std::string& bucket,
                                                         const std::string& key) {
  ASSIGN_OR_RETURN(HttpResponse r,
                   Send("GetObject", "GET", bucket, key, "", "", {{"Range", "bytes=0-0"}}));
  if (r.status == 404) return std::optional<S3ObjectInfo>();
  S3ObjectInfo info;
  if (r.status == 200) {
    info.size = r.body.size();  // a server that ignores ranges sends it all
  } else if (r.status == 206 || r.status == 416) {
    // "bytes 0-0/SIZE", or "bytes */0" for an empty object, which has no first byte
    const std::string* range = r.Header("content-range");
    const size_t slash = range ? range->rfind('/') : std::string::npos;
    if (slash == std::string::npos ||
        !ParseInt(std::string_view(*range).substr(slash + 1), &info.size)) {
      return Unavailable(
          fmt::format("S3 GetObject s3://{}/{}: no object size in the answer", bucket, key));
    }
  } else {
    return ErrorFrom(r, "GetObject", bucket, key);
  }
  if (const auto* etag = r.Header("etag")) info.etag = Unquote(*etag);
  if (const auto* type = r.Header("content-type")) info.content_type = *type;
  if (const auto* sha = r.Header("x-amz-meta-sha256")) info.sha256 = *sha;
  return std::optional<S3ObjectInfo>(info);
}

Status S3Client::DeleteObject(const std::string& bucket, const std::string& key) {
  ASSIGN_OR_RETURN(HttpResponse r, Send("DeleteObject", "DELETE", bucket, key, "", "", {}));
  return r.status == 204 || r.status == 200 ? Status::Ok()
                                            : ErrorFrom(r, "DeleteObject", bucket, key);
}

Result<std::vector<S3Object>> S3Client::ListObjects(const std::string& bucket,
                                                    const std::string& prefix, int page_size) {
  std::vector<S3Object> objects;
  std::string token;
  std::set<std::string> seen_tokens;
  do {
    std::string query =
        fmt::format("list-type=2&max-keys={}&prefix={}", page_size, UriEncode(prefix, false));
    if (!token.empty()) query += "&continuation-token=" + UriEncode(token, false);
    ASSIGN_OR_RETURN(HttpResponse r, Send("ListObjectsV2", "GET", bucket, "", query, "", {}));
    if (r.status != 200) return ErrorFrom(r, "ListObjectsV2", bucket, prefix);
    pugi::xml_document doc;
    if (!doc.load_buffer(r.body.data(), r.body.size())) {
      return Unavailable(fmt::format("S3 ListObjectsV2 s3://{}: unreadable response", bucket));
    }
    pugi::xml_node result = doc.child("ListBucketResult");
    for (pugi::xml_node c : result.children("Contents")) {
      S3Object o;
      o.key = c.child_value("Key");
      o.etag = Unquote(c.child_value("ETag"));
      o.last_modified = c.child_value("LastModified");
      std::string_view size = c.child_value("Size");
      std::from_chars(size.data(), size.data() + size.size(), o.size);
      objects.push_back(std::move(o));
    }
    std::string next = std::string_view(result.child_value("IsTruncated")) == "true"
                           ? result.child_value("NextContinuationToken")
                           : "";
    // A server or proxy answering a truncated page it gave before would loop forever, the list
    // growing with each lap.
    if (!next.empty() && !seen_tokens.insert(next).second) {
      return Unavailable(fmt::format(
          "S3 ListObjectsV2 s3://{}: the listing repeats a continuation token it gave before",
          bucket));
    }
    token = std::move(next);
  } while (!token.empty());
  return objects;
}

Result<std::string> S3Client::CreateMultipartUpload(const std::string& bucket,
                                                    const std::string& key,
                                                    const std::string& content_type) {
  int attempts = 0;
  auto r = Send("CreateMultipartUpload", "POST", bucket, key, "uploads=", "",
                {{"Content-Type", content_type}}, &attempts);
  std::string id;
  Status st;
  if (!r.ok()) {
    st = r.status();
  } else if (r->status != 200) {
    st = ErrorFrom(*r, "CreateMultipartUpload", bucket, key);
  } else {
    pugi::xml_document doc;
    doc.load_buffer(r->body.data(), r->body.size());
    id = doc.child("InitiateMultipartUploadResult").child_value("UploadId");
    if (id.empty()) {
      st =
          Unavailable(fmt::format("S3 CreateMultipartUpload s3://{}/{}: no UploadId in the "
                                  "response",
                                  bucket, key));
    }
  }
  // A try before the last may have created an upload whose id never arrived.
  if (attempts > 1) AbortOtherUploads(bucket, key, id);
  if (!st.ok()) return st;
  return id;
}

void S3Client::AbortOtherUploads(const std::string& bucket, const std::string& key,
                                 const std::string& keep_upload_id) {
  auto uploads = ListMultipartUploads(bucket, key);
  if (!uploads.ok()) {
    LogWarn(
        "{}; uploads of s3://{}/{} whose answer was lost may be left for the bucket's "
        "lifecycle rule",
        uploads.status().message(), bucket, key);
    return;
  }
  for (const S3Upload& upload : *uploads) {
    if (upload.key != key || upload.upload_id == keep_upload_id) continue;
    Status aborted = AbortMultipartUpload(bucket, key, upload.upload_id);
    LogDebug("aborting an upload of s3://{}/{} left by a lost answer: {}", bucket, key,
             aborted.ok() ? "done" : aborted.message());
  }
}

Result<std::vector<S3Upload>> S3Client::ListMultipartUploads(const std::string& bucket,
                                                             const std::string& prefix) {
  std::vector<S3Upload> uploads;
  std::string key_marker, id_marker;
  std::set<std::pair<std::string, std::string>> seen_markers;
  for (;;) {
    std::string query = "prefix=" + UriEncode(prefix, false) + "&uploads=";
    if (!key_marker.empty()) query = "key-marker=" + UriEncode(key_marker, false) + "&" + query;
    if (!id_marker.empty()) query += "&upload-id-marker=" + UriEncode(id_marker, false);
    ASSIGN_OR_RETURN(HttpResponse r,
                     Send("ListMultipartUploads", "GET", bucket, "", query, "", {}));
    if (r.status != 200) return ErrorFrom(r, "ListMultipartUploads", bucket, prefix);
    pugi::xml_document doc;
    if (!doc.load_buffer(r.body.data(), r.body.size())) {
      return Unavailable(
          fmt::format("S3 ListMultipartUploads s3://{}: unreadable response", bucket));
    }
    pugi::xml_node result = doc.child("ListMultipartUploadsResult");
    for (pugi::xml_node u : result.children("Upload")) {
      uploads.push_back(
          {u.child_value("Key"), u.child_value("UploadId"), u.child_value("Initiated")});
    }
    if (std::string_view(result.child_value("IsTruncated")) != "true") return uploads;
    std::string next_key = result.child_value("NextKeyMarker");
    std::string next_id = result.child_value("NextUploadIdMarker");
    if (next_key.empty() && next_id.empty()) return uploads;
    if (!seen_markers.emplace(next_key, next_id).second) {
      return Unavailable(fmt::format(
          "S3 ListMultipartUploads s3://{}: the listing repeats markers it gave before", bucket));
    }
    key_marker = std::move(next_key);
    id_marker = std::move(next_id);
  }
}

Result<std::string> S3Client::UploadPart(const std::string& bucket, const std::string& key,
                                         const std::string& upload_id, int part_number,
                                         std::string_view body) {
  std::string query =
      fmt::format("partNumber={}&uploadId={}", part_number, UriEncode(upload_id, false));
  // No Content-MD5 here: the signed x-amz-content-sha256 already makes S3 check every byte
  // of the part, and a third hash over each part cost a fifth of the upload's CPU.
  ASSIGN_OR_RETURN(HttpResponse r,
                   Send(fmt::format("UploadPart {}", part_number), "PUT", bucket, key, query, body,
                        {{"Content-Type", "application/octet-stream"}}));
  if (r.status != 200) return ErrorFrom(r, fmt::format("UploadPart {}", part_number), bucket, key);
  const std::string* etag = r.Header("etag");
  if (!etag) {
    return Unavailable(fmt::format("S3 UploadPart {} s3://{}/{}: no ETag in the response",
                                   part_number, bucket, key));
  }
  return Unquote(*etag);
}

Status S3Client::CompleteMultipartUpload(const std::string& bucket, const std::string& key,
                                         const std::string& upload_id,
                                         const std::vector<std::string>& part_etags) {
  std::string body = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < part_etags.size(); ++i) {
    body += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>\"{}\"</ETag></Part>", i + 1,
                        part_etags[i]);
  }
  body += "</CompleteMultipartUpload>";
  ASSIGN_OR_RETURN(HttpResponse r, Send("CompleteMultipartUpload", "POST", bucket, key,
                                        "uploadId=" + UriEncode(upload_id, false), body,
                                        {{"Content-Type", "application/xml"}}));
  // S3 can answer 200 with an error document when the completion fails late.
  if (r.status != 200 || r.body.find("<Error>") != std::string::npos) {
    return ErrorFrom(r, "CompleteMultipartUpload", bucket, key);
  }
  return Status::Ok();
}

Status S3Client::AbortMultipartUpload(const std::string& bucket, const std::string& key,
                                      const std::string& upload_id) {
  ASSIGN_OR_RETURN(HttpResponse r, Send("AbortMultipartUpload", "DELETE", bucket, key,
                                        "uploadId=" + UriEncode(upload_id, false), "", {}));
  return r.status == 204 || r.status == 200 ? Status::Ok()
                                            : ErrorFrom(r, "AbortMultipartUpload", bucket, key);
}

Result<std::string> S3Client::PresignGet(const std::string& bucket, const std::string& key,
                                         int64_t expires_seconds) {
  if (expires_seconds < 1 || expires_seconds > 604800) {
    return UsageError("a presigned URL lasts from 1 second to 7 days (604800 seconds)");
  }
  const Target target = TargetFor(bucket, key);
  SigningRequest request;
  request.method = "GET";
  request.path = target.path;
  request.headers = {{"Host", target.host}};
  SigningScope scope{config_.region, "s3", AmzDateNow(), true};
  ASSIGN_OR_RETURN(const AwsCredentials credentials, config_.CurrentCredentials());
  std::string query = PresignQuery(request, scope, credentials, expires_seconds);
  return fmt::format("{}://{}{}?{}", config_.endpoint.scheme, target.host, target.path, query);
}

std::string MultipartEtag(const std::vector<std::string>& part_etags) {
  std::string digests;
  for (const std::string& etag : part_etags) {
    if (etag.size() != 32) return "";
    for (size_t i = 0; i < 32; i += 2) {
      uint8_t byte = 0;
      auto [end, ec] = std::from_chars(etag.data() + i, etag.data() + i + 2, byte, 16);
      if (ec != std::errc() || end != etag.data() + i + 2) return "";
      digests.push_back(static_cast<char>(byte));
    }
  }
  return fmt::format("{}-{}", Md5Hex(digests), part_etags.size());
}

size_t PartSizeFor(int part_number, size_t first_part_size) {
  constexpr int kPartsPerStep = 1000;
  constexpr size_t kMaxPartSize = size_t{5} << 30;
  const int doublings = std::min(20, std::max(0, (part_number - 1) / kPartsPerStep));
  return std::min(kMaxPartSize, first_part_size << doublings);
}

S3ObjectWriter::S3ObjectWriter(S3Client& client, std::string bucket, std::string key,
                               std::string content_type, size_t part_size)
    : client_(client),
      bucket_(std::move(bucket)),
      key_(std::move(key)),
      content_type_(std::move(content_type)),
      first_part_size_(std::max<size_t>(part_size, size_t{5} << 20)),
      part_size_(first_part_size_),
      sha_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
  EVP_DigestInit_ex(sha_.get(), EVP_sha256(), nullptr);
}

S3ObjectWriter::~S3ObjectWriter() {
  if (!done_) Abort();
}

Status S3ObjectWriter::Write(std::string_view data) {
  if (buffer_.capacity() < part_size_) RETURN_IF_ERROR(TakeBuffer());
  buffer_.append(data);
  bytes_ += data.size();
  if (buffer_.size() >= part_size_) return FlushPart();
  return Status::Ok();
}

void S3ObjectWriter::UploadLoop(S3Client& client) {
  NameThisThread("s3-upload");
  for (;;) {
    std::optional<std::pair<int, std::string>> part;
    {
      std::lock_guard take(take_mutex_);
      part = parts_->Pop();
      if (!part) return;
      EVP_DigestUpdate(sha_.get(), part->second.data(), part->second.size());
    }
    auto etag = client.UploadPart(bucket_, key_, upload_id_, part->first, part->second);
    std::lock_guard lock(mutex_);
    if (!etag.ok()) {
      if (upload_status_.ok()) upload_status_ = etag.status();
      parts_->Close();  // the producer's next part finds the queue closed and stops
      spare_ready_.notify_all();
      return;
    }
    if (etags_.size() < static_cast<size_t>(part->first)) etags_.resize(part->first);
    etags_[part->first - 1] = *etag;
    part->second.clear();
    spare_.push_back(std::move(part->second));
    spare_ready_.notify_one();
  }
}

Status S3ObjectWriter::StopUploader() {
  if (parts_) parts_->Close();
  for (auto& t : uploaders_) {
    if (t.joinable()) t.join();
  }
  uploaders_.clear();
  std::lock_guard lock(mutex_);
  return upload_status_;
}

Status S3ObjectWriter::FlushPart() {
  if (upload_id_.empty()) {
    auto id = client_.CreateMultipartUpload(bucket_, key_, content_type_);
    if (!id.ok()) return id.status();
    upload_id_ = *id;
    parts_ = std::make_unique<BoundedQueue<std::pair<int, std::string>>>(1);
    uploaders_.emplace_back([this] { UploadLoop(client_); });
    for (int i = 1; i < kUploaders; ++i) {
      std::unique_ptr<S3Client> fork = client_.Fork();
      if (!fork) break;
      forks_.push_back(std::move(fork));
      uploaders_.emplace_back([this, c = forks_.back().get()] { UploadLoop(*c); });
    }
  }
  std::string part;
  part.swap(buffer_);
  if (!parts_->Push({++parts_queued_, std::move(part)})) {
    Status st = StopUploader();
    Abort();
    return st.ok() ? Internal("the part uploader stopped") : st;
  }
  part_size_ = PartSizeFor(parts_queued_ + 1, first_part_size_);
  return Status::Ok();
}

Status S3ObjectWriter::TakeBuffer() {
  // A part reuses an uploaded one's memory, already touched: a fresh allocation would fault in
  // every page again, and freed part-sized blocks fragment the heap. One buffer more than there
  // are uploaders keeps them all busy; more would only hold memory.
  std::unique_lock lock(mutex_);
  spare_ready_.wait(lock, [&] {
    return !spare_.empty() || buffers_made_ <= uploaders_.size() || !upload_status_.ok();
  });
  if (!upload_status_.ok()) {
    lock.unlock();
    Status st = StopUploader();
    Abort();
    return st;
  }
  if (!spare_.empty()) {
    buffer_.swap(spare_.back());
    spare_.pop_back();
  } else {
    ++buffers_made_;
  }
  // The whole size up front: growing by doubling would copy it and touch twice the memory.
  if (buffer_.capacity() < part_size_) buffer_.reserve(part_size_ + kWriteSlack);
  return Status::Ok();
}

void S3ObjectWriter::FinishDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(sha_.get(), digest, &length);
  sha256_hex_ = HexLower(digest, length);
}

Status S3ObjectWriter::Finish() {
  Status st;
  if (upload_id_.empty()) {
    // Small: one request, carrying its SHA-256 so that a lost answer can be checked.
    EVP_DigestUpdate(sha_.get(), buffer_.data(), buffer_.size());
    FinishDigest();
    st = client_.PutObject(bucket_, key_, buffer_, content_type_, sha256_hex_);
    // An answer that came (a 4xx) is S3's word; only a lost one or a 5xx leaves doubt.
    if (st.code() == StatusCode::kUnavailable) st = ResolveFailedPut(st, Md5Hex(buffer_));
  } else {
    if (!buffer_.empty()) st = FlushPart();
    Status uploaded = StopUploader();
    if (st.ok()) st = uploaded;
    if (st.ok()) {
      st = client_.CompleteMultipartUpload(bucket_, key_, upload_id_, etags_);
      if (!st.ok()) st = ResolveFailedComplete(st);
    }
    if (st.ok()) FinishDigest();
  }
  if (!st.ok()) {
    sha256_hex_.clear();
    Abort();
    return st;
  }
  done_ = true;
  finished_ = true;
  buffer_.clear();
  return Status::Ok();
}

Result<bool> S3ObjectWriter::LandedAsSent(const std::string& etag, const std::string& sha256_hex,
                                          bool size_suffices) {
  ASSIGN_OR_RETURN(std::optional<S3ObjectInfo> info, client_.StatObject(bucket_, key_));
  if (!info || info->size != bytes_) return false;
  if (!sha256_hex.empty() && !info->sha256.empty()) return info->sha256 == sha256_hex;
  if (etag.empty()) return size_suffices;
  return AsciiLower(info->etag) == etag;
}

Status S3ObjectWriter::ResolveFailedPut(const Status& error, const std::string& md5_hex) {
  // A PUT replaces the object whole or not at all: the object is ours or was never written.
  auto landed = LandedAsSent(md5_hex, sha256_hex_, false);
  if (!landed.ok()) {
    return Status(error.code(), fmt::format("{}; whether the object was written is unknown: {}",
                                            error.message(), landed.status().message()));
  }
  if (*landed) {
    LogInfo("S3 PutObject s3://{}/{}: the answer was lost, but the object is there as sent",
            bucket_, key_);
    return Status::Ok();
  }
  return error;
}

Status S3ObjectWriter::ResolveFailedComplete(const Status& error) {
  const std::string etag = MultipartEtag(etags_);
  for (int look = 0; look < 2; ++look) {
    // After NoSuchUpload (look 1) the upload, whose id only this writer knew, has completed:
    // when S3's ETags are no MD5s (SSE-KMS) the size is all there is to compare.
    auto landed = LandedAsSent(etag, "", look == 1);
    if (!landed.ok()) {
      return Status(error.code(), fmt::format("{}; whether the upload completed is unknown: {}",
                                              error.message(), landed.status().message()));
    }
    if (*landed) {
      LogInfo(
          "S3 CompleteMultipartUpload s3://{}/{}: the answer was lost, but the object is "
          "there as sent",
          bucket_, key_);
      upload_id_.clear();
      return Status::Ok();
    }
    if (look == 1) break;
    // Not there: aborting settles it. Either S3 aborts the upload, which then can never
    // complete, or it answers NoSuchUpload because a completion got there first.
    Status aborted = client_.AbortMultipartUpload(bucket_, key_, upload_id_);
    if (aborted.ok()) {
      upload_id_.clear();
      return Status(
          error.code(),
          fmt::format("{}; the upload was aborted, so no object was written", error.message()));
    }
    if (aborted.code() != StatusCode::kNotFound) {
      return Status(error.code(), fmt::format("{}; whether the upload completed is unknown: {}",
                                              error.message(), aborted.message()));
    }
    upload_id_.clear();  // gone: completed (look again) or aborted by someone else
  }
  return Status(error.code(), fmt::format("{}; the upload is gone and the key holds another "
                                          "object than the one sent",
                                          error.message()));
}

void S3ObjectWriter::Abort() {
  if (done_) return;
  done_ = true;
  (void)StopUploader();
  if (!upload_id_.empty()) (void)client_.AbortMultipartUpload(bucket_, key_, upload_id_);
  buffer_.clear();
}

}  // namespace sluice
