// An S3 client signed with SigV4: objects (put, get with ranges, head, delete), ListObjectsV2
// with paging, bucket creation, multipart uploads and presigned GET URLs. Path-style addressing
// (http://endpoint/bucket/key, what local servers and most S3-compatible stores want) or
// virtual-hosted (http://bucket.endpoint/key, AWS's default). S3's XML errors become statuses
// that name the bucket, the key and S3's code. One client holds one connection: one per thread.
#pragma once

#include <openssl/evp.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "aws/aws_config.h"
#include "aws/http_client.h"
#include "pipeline/bounded_queue.h"
#include "pipeline/component_registry.h"

namespace sluice {

enum class S3Addressing { kPath, kVirtualHost };

struct S3Object {
  std::string key;
  uint64_t size = 0;
  std::string etag;  // without quotes
  std::string last_modified;
};

struct S3ObjectInfo {
  uint64_t size = 0;
  std::string etag;  // without quotes
  std::string content_type;
  std::string sha256;  // the x-amz-meta-sha256 a PutObject of this client stored, if any
};

struct S3Upload {
  std::string key;
  std::string upload_id;
  std::string initiated;
};

class S3Client {
 public:
  S3Client(AwsConfig config, std::unique_ptr<HttpTransport> transport,
           S3Addressing addressing = S3Addressing::kPath, RetryPolicy retry = {});

  Status CreateBucket(const std::string& bucket);  // succeeds if we already own it
  // `sha256_hex`, when given, is stored as the object's x-amz-meta-sha256, so that a reader
  // (or a writer whose answer was lost) can tell these bytes from any others by a HEAD.
  Status PutObject(const std::string& bucket, const std::string& key, std::string_view body,
                   const std::string& content_type, const std::string& sha256_hex = "");
  // The whole object, or `length` bytes from `offset` when length > 0.
  Result<std::string> GetObject(const std::string& bucket, const std::string& key,
                                uint64_t offset = 0, uint64_t length = 0);
  // nullopt when the object does not exist.
  Result<std::optional<S3ObjectInfo>> HeadObject(const std::string& bucket, const std::string& key);
  // The same facts from a GET of the object's first byte: the size comes from Content-Range,
  // which proxies that rewrite a HEAD answer's Content-Length (to the 0 bytes they relay)
  // leave alone. What a writer checks its own object with.
  Result<std::optional<S3ObjectInfo>> StatObject(const std::string& bucket, const std::string& key);
  Status DeleteObject(const std::string& bucket, const std::string& key);
  // Every object under `prefix`, following continuation tokens.
  Result<std::vector<S3Object>> ListObjects(const std::string& bucket, const std::string& prefix,
                                            int page_size = 1000);

  // When an answer was lost on the way (the request was sent again), S3 may hold uploads no
  // one knows the id of: every other in-progress upload of exactly this key is then aborted
  // (found with ListMultipartUploads), so a lost answer leaves no parts billed. Two writers of
  // one key at one time are in conflict anyway; this can make the other one fail.
  Result<std::string> CreateMultipartUpload(const std::string& bucket, const std::string& key,
                                            const std::string& content_type);
  // The in-progress multipart uploads under `prefix`, following the listing's pages.
  Result<std::vector<S3Upload>> ListMultipartUploads(const std::string& bucket,
                                                     const std::string& prefix);
  // Returns the part's ETag, needed to complete the upload.
  Result<std::string> UploadPart(const std::string& bucket, const std::string& key,
                                 const std::string& upload_id, int part_number,
                                 std::string_view body);
  Status CompleteMultipartUpload(const std::string& bucket, const std::string& key,
                                 const std::string& upload_id,
                                 const std::vector<std::string>& part_etags);
  Status AbortMultipartUpload(const std::string& bucket, const std::string& key,
                              const std::string& upload_id);

  // Another client to the same endpoint with the same settings and its own connection, for
  // another thread; nullptr if the transport cannot be duplicated.
  std::unique_ptr<S3Client> Fork() const;

  // A GET URL anyone can use until it expires (at most 7 days, as SigV4 allows).
  Result<std::string> PresignGet(const std::string& bucket, const std::string& key,
                                 int64_t expires_seconds);

 private:
  struct Target {
    std::string host;
    std::string path;  // encoded
  };
  Target TargetFor(const std::string& bucket, const std::string& key) const;
  // Sends with retries. A request that got no answer fails kUnavailable with the S3 operation
  // (`action`) and the object named. `attempts`, if given, gets the number of tries made.
  Result<HttpResponse> Send(std::string_view action, const std::string& method,
                            const std::string& bucket, const std::string& key,
                            const std::string& query, std::string_view body,
                            HttpHeaders extra_headers, int* attempts = nullptr);
  void AbortOtherUploads(const std::string& bucket, const std::string& key,
                         const std::string& keep_upload_id);
  Status ErrorFrom(const HttpResponse& response, std::string_view action, const std::string& bucket,
                   const std::string& key) const;

  AwsConfig config_;
  std::unique_ptr<HttpTransport> transport_;
  S3Addressing addressing_;
  RetryPolicy retry_;
};

// The size of multipart part `part_number` (from 1) when the first is `first_part_size`: it
// doubles every 1,000 parts (up to S3's 5 GiB a part), so that S3's limit of 10,000 parts
// still holds objects of terabytes while small objects keep small parts.
size_t PartSizeFor(int part_number, size_t first_part_size);

// The ETag S3 gives an object completed from parts with these ETags: the hex MD5 of the parts'
// binary MD5s, then "-" and the number of parts (the form S3 and its compatibles use for
// multipart objects without SSE-KMS). Empty when an ETag is not a hex MD5.
std::string MultipartEtag(const std::vector<std::string>& part_etags);

// Streams an object to S3: bytes are buffered into parts and sent as a multipart upload once
// there is more than one part, or as one PUT when the whole object fits in a part. Parts upload
// on background threads (kUploaders, each with its own connection) while the caller produces
// the next one: at most kUploaders + 1 part buffers exist, reused from part to part. Any failure,
// or destruction before Finish(), aborts the upload, so no half-written object is left. The client
// is used by one thread at a time: by the uploaders while parts are in flight.
//
// A request whose answer is lost (a timeout, a reset, an empty reply) may still have done its
// work. When the last request fails (PutObject without an answer or with a 5xx; any failed
// CompleteMultipartUpload, since a retry of one that went through gets NoSuchUpload), Finish() asks
// S3 what happened before it answers: the object at the key is ours when its size and its SHA-256
// metadata (PutObject) or its multipart ETag (the parts' ETags, MultipartEtag) match what was
// sent; then Finish() succeeds. Otherwise an unfinished upload is aborted (S3 then either
// aborts it, so it can never complete, or answers NoSuchUpload because the completion got
// there first, and the key is looked at once more), and Finish() fails with no object of ours
// left. Only when S3 cannot be asked at all does the error say the outcome is unknown.
// The `s3-object` sink's options (docs/components/s3-object.md): s3-endpoint, s3-addressing,
// bucket, prefix, create-bucket, part-size-mb, url-expiry.
ComponentSpec S3ObjectComponent();

class S3ObjectWriter {
 public:
  static constexpr size_t kDefaultPartSize = size_t{8} << 20;  // S3's minimum is 5 MiB
  // Two parts in flight let a server hash one while it receives the other.
  static constexpr int kUploaders = 2;

  S3ObjectWriter(S3Client& client, std::string bucket, std::string key, std::string content_type,
                 size_t part_size = kDefaultPartSize);
  ~S3ObjectWriter();

  Status Write(std::string_view data);
  Status Finish();
  void Abort();

  uint64_t bytes_written() const { return bytes_; }
  // Whether Finish() succeeded: the object is at the key, complete and as written.
  bool finished() const { return finished_; }
  // The SHA-256 (hex) of everything written; valid after a successful Finish(). Computed by
  // the uploaders, part by part in order, so the producer does not pay for it.
  const std::string& sha256_hex() const { return sha256_hex_; }
  int parts() const { return parts_queued_; }

 private:
  Status FlushPart();
  // A buffer for the part being filled: an uploaded part's, else a new one while there are
  // fewer than uploaders + 1; otherwise waits for an upload to finish.
  Status TakeBuffer();
  void UploadLoop(S3Client& client);
  Status StopUploader();
  // Whether the object at the key is the one sent: its size, and its SHA-256 metadata if
  // `sha256_hex` is given and stored, else its ETag; with no ETag to compare (`etag` empty),
  // `size_suffices` decides.
  Result<bool> LandedAsSent(const std::string& etag, const std::string& sha256_hex,
                            bool size_suffices);
  Status ResolveFailedPut(const Status& error, const std::string& md5_hex);
  Status ResolveFailedComplete(const Status& error);
  void FinishDigest();

  S3Client& client_;
  std::string bucket_;
  std::string key_;
  std::string content_type_;
  size_t first_part_size_;
  size_t part_size_;  // of the part being filled
  std::string buffer_;
  std::string upload_id_;
  std::vector<std::string> etags_;
  uint64_t bytes_ = 0;
  bool done_ = false;
  bool finished_ = false;
  int parts_queued_ = 0;
  std::unique_ptr<BoundedQueue<std::pair<int, std::string>>> parts_;
  std::vector<std::unique_ptr<S3Client>> forks_;  // the extra uploaders' clients
  std::vector<std::thread> uploaders_;
  std::mutex take_mutex_;           // uploaders take parts and hash them in order under it
  std::mutex mutex_;                // guards etags_, spare_ and upload_status_
  std::vector<std::string> spare_;  // uploaded parts' buffers, for the next parts
  std::condition_variable spare_ready_;
  size_t buffers_made_ = 0;  // part buffers allocated
  Status upload_status_;
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> sha_;
  std::string sha256_hex_;
};

}  // namespace sluice
