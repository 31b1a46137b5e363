// One object written as a stream, to either kind of location (store_location.h): bytes go in
// as they are produced, so an object of gigabytes is never held whole, and the object appears
// at its key only when Finish() succeeds, whole. Until then a reader of the key sees what was
// there before; Abort(), or destroying the writer before Finish(), leaves nothing of the
// writer's behind. Two kinds:
//   - S3 (S3ObjectWriter, connectors/s3/s3_client.h): one PutObject when the object fits in a
//     part, else a multipart upload, aborted on failure; a lost last answer is checked against
//     the key before Finish() answers.
//   - a local directory (local_file_writer.h): a temporary file beside the key, written,
//     fsynced and renamed over it, then the directory fsynced.
// A writer is used by one thread. Errors name the object (`s3://bucket/key`, `file:///dir/key`).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "connectors/objstore/store_location.h"
#include "core/status.h"

namespace sluice {

class S3Client;

// What Finish() wrote.
struct WrittenObject {
  uint64_t size = 0;       // bytes
  std::string sha256_hex;  // of every byte written, lower-case hex
  int parts = 1;           // S3 upload parts; 1 for a single PutObject or a file
};

class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;

  // The object's URL: "s3://bucket/key" or "file:///dir/key".
  virtual std::string Url() const = 0;

  // Appends `bytes`. An error (the store refused, a disk filled up) ends the writer: call
  // Abort().
  virtual Status Write(std::string_view bytes) = 0;

  // Puts the object at its key, whole. On failure nothing of this writer's is at the key (an
  // earlier object there stays as it was), as after Abort().
  virtual Result<WrittenObject> Finish() = 0;

  // Gives up before Finish() succeeded: a multipart upload is aborted, a temporary file
  // removed. Calling it again, or after Finish(), does nothing.
  virtual void Abort() = 0;

  // Takes back the object a successful Finish() put at the key, for a step after it that
  // failed. The key is then empty, even if it held an earlier object before.
  virtual Status Remove() = 0;

  // A link to download the object after Finish(): S3's presigned GET URL, valid
  // `expires_seconds` (SigV4 allows at most 604,800); for a local file its file:// URL, since
  // there is nothing to sign (`expires_seconds` does not apply).
  virtual Result<std::string> Link(int64_t expires_seconds) = 0;
  // Whether Link() is a signed, time-limited URL (S3) or the object's plain URL (a file).
  virtual bool LinkIsSigned() const = 0;
};

struct ObjectWriterOptions {
  std::string content_type = "application/octet-stream";  // S3's Content-Type; files keep none
  size_t part_size = size_t{8} << 20;  // S3's first multipart part (at least 5 MiB)
};

// A writer of `key` (relative, '/' between its parts) below `location`. An S3 location writes
// through `s3`, which it needs (else kInvalidArgument) and which must outlive the writer; a
// local one needs none, and its directory must exist (kNotFound otherwise: nothing creates it
// but ObjectStore::CreateRoot), while the key's own directories below it are made as needed.
// Nothing is contacted or created before the first Write() or Finish().
Result<std::unique_ptr<ObjectWriter>> OpenObjectWriter(const StoreLocation& location,
                                                       std::string_view key, S3Client* s3,
                                                       const ObjectWriterOptions& options);

}  // namespace sluice
