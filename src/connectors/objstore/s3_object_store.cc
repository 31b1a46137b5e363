#include "connectors/objstore/s3_object_store.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include "aws/crypto.h"

namespace sluice {

std::string Md5HexOf(std::string_view bytes) {
  unsigned char md5[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), md5, &length, EVP_md5(), nullptr);
  return HexLower(md5, length);
}

S3ObjectStore::S3ObjectStore(std::unique_ptr<S3Client> client, std::string bucket,
                             std::string prefix)
    : client_(std::move(client)), bucket_(std::move(bucket)), prefix_(std::move(prefix)) {}

std::string S3ObjectStore::Url(std::string_view key) const {
  return fmt::format("s3://{}/{}{}", bucket_, prefix_, key);
}

Result<std::vector<ObjectEntry>> S3ObjectStore::List(std::string_view prefix) {
  ASSIGN_OR_RETURN(std::vector<S3Object> objects,
                   client_->ListObjects(bucket_, FullKey(prefix), kListPageKeys));
  std::vector<ObjectEntry> entries;
  entries.reserve(objects.size());
  for (S3Object& object : objects) {
    // S3 answers only keys under the prefix asked for; anything else is not ours to name.
    if (!object.key.starts_with(prefix_)) continue;
    entries.push_back({object.key.substr(prefix_.size()), object.size, std::move(object.etag)});
  }
  return entries;
}

Result<std::string> S3ObjectStore::Get(std::string_view key) {
  return client_->GetObject(bucket_, FullKey(key));
}

Result<std::string> S3ObjectStore::Put(std::string_view key, std::string_view bytes,
                                       std::string_view content_type) {
  RETURN_IF_ERROR(client_->PutObject(bucket_, FullKey(key), bytes, std::string(content_type)));
  ASSIGN_OR_RETURN(std::optional<ObjectEntry> stored, Stat(key));
  if (!stored) {
    return Unavailable(fmt::format("{}: gone right after it was written", Url(key)));
  }
  return stored->etag;
}

Result<std::optional<ObjectEntry>> S3ObjectStore::Stat(std::string_view key) {
  ASSIGN_OR_RETURN(std::optional<S3ObjectInfo> info, client_->HeadObject(bucket_, FullKey(key)));
  if (!info) return std::optional<ObjectEntry>();
  return std::optional<ObjectEntry>(ObjectEntry{std::string(key), info->size, info->etag});
}

Status S3ObjectStore::Delete(std::string_view key) {
  return client_->DeleteObject(bucket_, FullKey(key));
}

Result<bool> S3ObjectStore::Holds(const ObjectEntry& listed, std::string_view bytes) {
  return listed.size == bytes.size() && listed.etag == Md5HexOf(bytes);
}

Status S3ObjectStore::CreateRoot() {
  return client_->CreateBucket(bucket_);
}

std::unique_ptr<ObjectStore> S3ObjectStore::Fork() const {
  std::unique_ptr<S3Client> client = client_->Fork();
  if (!client) return nullptr;
  return std::make_unique<S3ObjectStore>(std::move(client), bucket_, prefix_);
}

}  // namespace sluice
