// The object store over S3 (connectors/s3/s3_client.h): a bucket and a key prefix as the root.
#pragma once

#include <memory>
#include <string>

#include "connectors/objstore/object_store.h"
#include "connectors/s3/s3_client.h"

namespace sluice {

class S3ObjectStore : public ObjectStore {
 public:
  // `prefix` is "" or ends in '/'.
  S3ObjectStore(std::unique_ptr<S3Client> client, std::string bucket, std::string prefix);

  std::string Url(std::string_view key = "") const override;
  // ListObjectsV2, every continuation page followed, asking for kListPageKeys keys a page.
  Result<std::vector<ObjectEntry>> List(std::string_view prefix) override;

  // More than the 1,000 keys AWS answers at most: max-keys only bounds a page ("the response
  // might contain fewer keys but will never contain more", ListObjectsV2), so AWS still pages
  // by 1,000, while servers that give more (moto, which re-reads its key list for each page)
  // need fewer round trips: 20,000 keys list in 3 s there instead of 9.
  static constexpr int kListPageKeys = 10000;
  Result<std::string> Get(std::string_view key) override;
  // One PutObject (atomic in S3: readers see the old object or the new one), then a HEAD for
  // the ETag S3 gave it, which is the bytes' MD5 only for objects without SSE-KMS.
  Result<std::string> Put(std::string_view key, std::string_view bytes,
                          std::string_view content_type) override;
  Result<std::optional<ObjectEntry>> Stat(std::string_view key) override;
  Status Delete(std::string_view key) override;
  Result<bool> Holds(const ObjectEntry& listed, std::string_view bytes) override;
  Status CreateRoot() override;
  // A store on S3Client::Fork(): its own connection.
  std::unique_ptr<ObjectStore> Fork() const override;

 private:
  std::string FullKey(std::string_view key) const { return prefix_ + std::string(key); }

  std::unique_ptr<S3Client> client_;
  std::string bucket_;
  std::string prefix_;
};

// The lowercase hex MD5 of `bytes`: the ETag S3 gives a single-part object without SSE-KMS
// (S3 API Reference, "Common Response Headers": ETag).
std::string Md5HexOf(std::string_view bytes);

}  // namespace sluice
