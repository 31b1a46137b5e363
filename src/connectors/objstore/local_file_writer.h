// An ObjectWriter (object_writer.h) for a file in a local directory. The bytes go to a temporary
// file `.sluice-tmp-<name>-<unique>` in the key's own directory (the name LocalObjectStore's
// listings skip), hashed on the way; Finish() fsyncs it, renames it over the key and fsyncs the
// directory, so a reader, or a crash, sees the previous file or the new one whole, never a
// part. Abort() and a failed Finish() remove the temporary file; a process killed mid-write
// leaves it behind (as S3 keeps the parts of an upload never aborted), hidden by its name.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>

#include "connectors/objstore/object_writer.h"

namespace sluice {

class LocalFileWriter : public ObjectWriter {
 public:
  // `directory` is absolute, ends in '/' and must exist when writing starts; `key` is a
  // relative path of plain names (no '.', '..' or empty parts: kInvalidArgument), whose
  // directories below `directory` are made as needed (0755).
  LocalFileWriter(std::string directory, std::string key);
  ~LocalFileWriter() override;
  LocalFileWriter(const LocalFileWriter&) = delete;
  LocalFileWriter& operator=(const LocalFileWriter&) = delete;

  std::string Url() const override;
  Status Write(std::string_view bytes) override;
  Result<WrittenObject> Finish() override;
  void Abort() override;
  Status Remove() override;
  Result<std::string> Link(int64_t expires_seconds) override;
  bool LinkIsSigned() const override { return false; }

 private:
  // Makes the key's directories and the temporary file, once.
  Status Open();
  // Closes and removes the temporary file and passes `error` on.
  Status Fail(const Status& error);

  std::string directory_;
  std::string key_;
  std::string path_;  // directory_ + key_
  std::string temp_;  // the temporary file, once opened
  int fd_ = -1;
  uint64_t bytes_ = 0;
  bool done_ = false;      // finished or aborted
  bool finished_ = false;  // the file is at the key
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> sha_;
};

}  // namespace sluice
