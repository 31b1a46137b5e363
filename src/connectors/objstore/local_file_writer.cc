#include "connectors/objstore/local_file_writer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

#include "aws/crypto.h"
#include "core/files.h"

namespace sluice {
namespace {

// A name no other writer, thread or process, picks for its temporary file.
std::string UniqueSuffix() {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:x}-{:x}-{:x}", static_cast<unsigned>(getpid()), counter.fetch_add(1),
                     rng());
}

bool PlainRelativePath(std::string_view key) {
  if (key.empty() || key.front() == '/' || key.find('\0') != std::string_view::npos) return false;
  for (size_t start = 0; start <= key.size();) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    const std::string_view segment = key.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

LocalFileWriter::LocalFileWriter(std::string directory, std::string key)
    : directory_(std::move(directory)),
      key_(std::move(key)),
      path_(directory_ + key_),
      sha_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
  EVP_DigestInit_ex(sha_.get(), EVP_sha256(), nullptr);
}

LocalFileWriter::~LocalFileWriter() {
  Abort();
}

std::string LocalFileWriter::Url() const {
  return "file://" + path_;
}

Status LocalFileWriter::Open() {
  if (fd_ >= 0) return Status::Ok();
  if (!PlainRelativePath(key_)) {
    return InvalidArgument(fmt::format(
        "{}: the key is not a relative path of plain names (no '.', '..' or empty parts)", Url()));
  }
  // The location's directory is not made here: a mistyped one would quietly start a new tree.
  struct stat root;
  if (stat(directory_.c_str(), &root) != 0) {
    if (errno == ENOENT) {
      return NotFound(fmt::format("{}: the directory file://{} does not exist", Url(), directory_));
    }
    return ErrnoStatus(errno, fmt::format("{}: looking at file://{}", Url(), directory_));
  }
  if (!S_ISDIR(root.st_mode)) {
    return NotFound(fmt::format("{}: file://{} is not a directory", Url(), directory_));
  }
  for (size_t slash = key_.find('/'); slash != std::string::npos;
       slash = key_.find('/', slash + 1)) {
    const std::string dir = directory_ + key_.substr(0, slash);
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus(errno, fmt::format("{}: creating {}", Url(), dir));
    }
  }
  const size_t slash = path_.rfind('/');
  temp_ = fmt::format("{}/.sluice-tmp-{}-{}", path_.substr(0, slash), path_.substr(slash + 1),
                      UniqueSuffix());
  fd_ = open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    const int error = errno;
    temp_.clear();
    return ErrnoStatus(error, fmt::format("{}: creating a temporary file", Url()));
  }
  return Status::Ok();
}

Status LocalFileWriter::Fail(const Status& error) {
  Abort();
  return error;
}

Status LocalFileWriter::Write(std::string_view bytes) {
  if (done_) return Internal(fmt::format("{}: written after it was finished", Url()));
  RETURN_IF_ERROR(Open());
  EVP_DigestUpdate(sha_.get(), bytes.data(), bytes.size());
  for (size_t written = 0; written < bytes.size();) {
    const ssize_t n = write(fd_, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Fail(ErrnoStatus(errno, fmt::format("{}: writing", Url())));
    written += static_cast<size_t>(n);
  }
  bytes_ += bytes.size();
  return Status::Ok();
}

Result<WrittenObject> LocalFileWriter::Finish() {
  if (done_) return Internal(fmt::format("{}: finished twice", Url()));
  RETURN_IF_ERROR(Open());
  if (fsync(fd_) != 0) return Fail(ErrnoStatus(errno, fmt::format("{}: syncing", Url())));
  const int fd = fd_;
  fd_ = -1;
  if (close(fd) != 0) return Fail(ErrnoStatus(errno, fmt::format("{}: closing", Url())));
  if (rename(temp_.c_str(), path_.c_str()) != 0) {
    return Fail(ErrnoStatus(errno, fmt::format("{}: renaming into place", Url())));
  }
  temp_.clear();
  done_ = true;
  finished_ = true;
  // Until the directory is synced a crash may lose the rename; a file that cannot be made
  // durable is not reported as written.
  Status synced = SyncDirectory(path_.substr(0, path_.rfind('/')), Url());
  if (!synced.ok()) {
    (void)Remove();
    return synced;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(sha_.get(), digest, &length);
  return WrittenObject{.size = bytes_, .sha256_hex = HexLower(digest, length), .parts = 1};
}

void LocalFileWriter::Abort() {
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
  if (!temp_.empty()) {
    unlink(temp_.c_str());
    temp_.clear();
  }
  done_ = true;
}

Status LocalFileWriter::Remove() {
  if (!finished_) return Status::Ok();
  finished_ = false;
  if (unlink(path_.c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus(errno, fmt::format("{}: removing", Url()));
  }
  return Status::Ok();
}

Result<std::string> LocalFileWriter::Link(int64_t /*expires_seconds*/) {
  return Url();
}

}  // namespace sluice
