// The object store over a local directory (`file:///dir/`), the lake's embedded default: keys
// are paths below the directory, '/' between their parts.
//
// Its ETag is a fingerprint, "fp-<size>-<mtime in ns>-<inode>" (hex), not a content hash: a
// hash would read every byte of every file at each listing, so a rebuild would cost the size of
// the lake instead of the size of the change. The fingerprint changes when a file is resized,
// rewritten (its modification time) or replaced (its inode: Put renames a new file over the
// key). What it can miss is a rewrite in place to the same size within one timestamp tick of
// the filesystem (nanoseconds on ext4, xfs and tmpfs), which editors and copies do not do.
//
// Put writes a temporary file `.sluice-tmp-<name>-<random>` in the key's directory, fsyncs it,
// renames it over the key and fsyncs the directory, so a reader (or a crash) sees the old file
// or the new one whole. Listings skip such temporary files, which a crash may leave behind.
#pragma once

#include <string>

#include "connectors/objstore/object_store.h"

namespace sluice {

class LocalObjectStore : public ObjectStore {
 public:
  // `directory` is absolute and ends in '/'.
  explicit LocalObjectStore(std::string directory);

  std::string Url(std::string_view key = "") const override;
  // Walks the directories under the prefix; regular files (and links to them) only.
  Result<std::vector<ObjectEntry>> List(std::string_view prefix) override;
  Result<std::string> Get(std::string_view key) override;
  Result<std::string> Put(std::string_view key, std::string_view bytes,
                          std::string_view content_type) override;
  Result<std::optional<ObjectEntry>> Stat(std::string_view key) override;
  Status Delete(std::string_view key) override;
  Result<bool> Holds(const ObjectEntry& listed, std::string_view bytes) override;
  Status CreateRoot() override;
  std::unique_ptr<ObjectStore> Fork() const override;

 private:
  // The file of `key`, or kInvalidArgument for a key that would leave the directory (an
  // absolute key, "." or ".." segments, empty segments, a NUL).
  Result<std::string> PathOf(std::string_view key) const;

  std::string directory_;
};

}  // namespace sluice
