#include "connectors/objstore/object_writer.h"

#include <fmt/format.h>

#include "connectors/objstore/local_file_writer.h"
#include "connectors/s3/s3_client.h"

namespace sluice {
namespace {

// S3ObjectWriter behind the ObjectWriter interface, with what it leaves to its caller: the
// presigned link and taking the object back.
class S3StreamWriter : public ObjectWriter {
 public:
  S3StreamWriter(S3Client& client, std::string bucket, std::string key,
                 const ObjectWriterOptions& options)
      : client_(client),
        bucket_(bucket),
        key_(key),
        writer_(client, std::move(bucket), std::move(key), options.content_type,
                options.part_size) {}

  std::string Url() const override { return fmt::format("s3://{}/{}", bucket_, key_); }
  Status Write(std::string_view bytes) override { return writer_.Write(bytes); }

  Result<WrittenObject> Finish() override {
    RETURN_IF_ERROR(writer_.Finish());
    return WrittenObject{.size = writer_.bytes_written(),
                         .sha256_hex = writer_.sha256_hex(),
                         .parts = std::max(writer_.parts(), 1)};
  }

  void Abort() override { writer_.Abort(); }

  Status Remove() override {
    if (!writer_.finished()) return Status::Ok();
    return client_.DeleteObject(bucket_, key_);
  }

  Result<std::string> Link(int64_t expires_seconds) override {
    return client_.PresignGet(bucket_, key_, expires_seconds);
  }
  bool LinkIsSigned() const override { return true; }

 private:
  S3Client& client_;
  std::string bucket_;
  std::string key_;
  S3ObjectWriter writer_;
};

}  // namespace

Result<std::unique_ptr<ObjectWriter>> OpenObjectWriter(const StoreLocation& location,
                                                       std::string_view key, S3Client* s3,
                                                       const ObjectWriterOptions& options) {
  if (location.kind == StoreLocation::Kind::kLocal) {
    return std::unique_ptr<ObjectWriter>(
        std::make_unique<LocalFileWriter>(location.path, std::string(key)));
  }
  if (!s3) {
    return InvalidArgument(
        fmt::format("{}{}: writing to S3 needs an S3 client", location.Url(), key));
  }
  return std::unique_ptr<ObjectWriter>(std::make_unique<S3StreamWriter>(
      *s3, location.bucket, location.path + std::string(key), options));
}

}  // namespace sluice
