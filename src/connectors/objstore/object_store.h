// One interface over the places a lake lives: an S3 bucket (any S3-compatible endpoint) or a
// local directory, so that a job reads and publishes objects the same way on both and a laptop
// needs nothing installed (docs/lake.md). A store is opened at a root (a bucket and key prefix,
// or a directory; store_location.h) and every key is relative to that root, with '/' between
// its parts.
//
// A store is used by one thread at a time; Fork() gives another thread its own (for S3 its own
// connection). Errors name the object (`s3://bucket/prefix/key`, `file:///dir/key`) and say
// what happened through the StatusCode: S3's answers are mapped by aws/aws_errors.h
// (NoSuchBucket and NoSuchKey kNotFound, AccessDenied kPermissionDenied, 5xx and throttling
// kUnavailable); a local file that is missing is kNotFound, one that cannot be read or written
// kIo, one refused by its permissions kPermissionDenied.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sluice {

struct ObjectEntry {
  std::string key;  // relative to the store's root
  uint64_t size = 0;
  // Changes whenever the object's bytes may have changed, and otherwise stays: S3's ETag
  // (without quotes), or the local store's fingerprint (local_object_store.h). Compared for
  // equality only, never parsed.
  std::string etag;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // The URL of `key` for messages and img_path-like references: "s3://bucket/prefix/key",
  // "file:///dir/key"; the root's own URL when `key` is empty.
  virtual std::string Url(std::string_view key = "") const = 0;

  // Every object whose key starts with `prefix` (a plain string prefix, as S3's ListObjectsV2),
  // all pages followed, ordered by key (bytewise); an empty prefix lists the whole root. A
  // missing bucket or root directory is kNotFound.
  virtual Result<std::vector<ObjectEntry>> List(std::string_view prefix) = 0;

  // The object's bytes; kNotFound when there is none.
  virtual Result<std::string> Get(std::string_view key) = 0;

  // Stores `bytes` at `key` atomically: a reader sees the previous object or the new one whole,
  // never a part (S3: one PutObject; local: a temporary file in the same directory, written,
  // fsynced and renamed over the key). Returns the new object's ETag.
  virtual Result<std::string> Put(std::string_view key, std::string_view bytes,
                                  std::string_view content_type) = 0;

  // The object's entry, or nullopt when there is none.
  virtual Result<std::optional<ObjectEntry>> Stat(std::string_view key) = 0;

  // Removes the object; removing one that is not there succeeds.
  virtual Status Delete(std::string_view key) = 0;

  // Whether the object `listed` (an entry of List) holds exactly `bytes`, as cheaply as the
  // store allows: S3 compares the ETag with the bytes' MD5 (the ETag of a single-part,
  // non-KMS object; a multipart ETag never matches), the local store the size and then the
  // bytes themselves.
  virtual Result<bool> Holds(const ObjectEntry& listed, std::string_view bytes) = 0;

  // Creates the bucket or the root directory when it is missing (lake seed --create-bucket).
  virtual Status CreateRoot() = 0;

  // Another store at the same root for another thread; nullptr when there cannot be one.
  virtual std::unique_ptr<ObjectStore> Fork() const = 0;
};

}  // namespace sluice
