#include "core/input_stream.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include "core/strings.h"

namespace sluice {
namespace {

// Compressed bytes read from the source at a time: large reads keep the per-call cost small.
constexpr size_t kInputRawBufferBytes = 128 << 10;

z_stream& InputAsInflater(void* inflater) {
  return *static_cast<z_stream*>(inflater);
}

// Raw bytes of standard input a look at it took (InputStream::OpenToLook), for the next stream
// on it. They belong to the open standard input they came from (its device and inode): a test
// that points descriptor 0 elsewhere does not get another input's bytes.
struct InputGivenBack {
  std::mutex mutex;
  std::string bytes;
  dev_t device = 0;
  ino_t inode = 0;
};

InputGivenBack& InputStandardInputGivenBack() {
  static InputGivenBack* given = new InputGivenBack();
  return *given;
}

bool InputSameOpenFile(int fd, const InputGivenBack& given) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && st.st_dev == given.device && st.st_ino == given.inode;
}

// The InputStream behind each FILE made by OpenInputFile, for InputReadError.
struct InputFileRegistry {
  std::mutex mutex;
  std::map<std::FILE*, InputStream*> streams;
  std::map<InputStream*, Status> errors;
};

InputFileRegistry& InputFiles() {
  static InputFileRegistry* registry = new InputFileRegistry();
  return *registry;
}

ssize_t InputCookieRead(void* cookie, char* data, size_t size) {
  auto* stream = static_cast<InputStream*>(cookie);
  auto n = stream->Read(data, size);
  if (n.ok()) return static_cast<ssize_t>(*n);
  InputFileRegistry& registry = InputFiles();
  std::lock_guard lock(registry.mutex);
  registry.errors[stream] = n.status();
  errno = EIO;
  return -1;
}

int InputCookieSeek(void* cookie, off64_t* offset, int whence) {
  auto* stream = static_cast<InputStream*>(cookie);
  // Only the start (rewind) and asking where the stream is: readers here never seek elsewhere.
  if (whence == SEEK_CUR && *offset == 0) {
    *offset = static_cast<off64_t>(stream->position());
    return 0;
  }
  if (whence != SEEK_SET || *offset != 0) {
    errno = ESPIPE;
    return -1;
  }
  Status st = stream->Rewind();
  if (!st.ok()) {
    InputFileRegistry& registry = InputFiles();
    std::lock_guard lock(registry.mutex);
    registry.errors[stream] = st;
    errno = ESPIPE;
    return -1;
  }
  return 0;
}

int InputCookieClose(void* cookie) {
  auto* stream = static_cast<InputStream*>(cookie);
  {
    InputFileRegistry& registry = InputFiles();
    std::lock_guard lock(registry.mutex);
    registry.errors.erase(stream);
    std::erase_if(registry.streams, [stream](const auto& entry) { return entry.second == stream; });
  }
  delete stream;
  return 0;
}

}  // namespace

std::string InputDisplayName(std::string_view path) {
  return IsStandardInput(path) ? "standard input" : std::string(path);
}

Result<std::unique_ptr<InputStream>> InputStream::Open(const std::string& path,
                                                       size_t rewind_bytes) {
  return OpenSource(path, rewind_bytes, false);
}

Result<std::unique_ptr<InputStream>> InputStream::OpenToLook(const std::string& path) {
  return OpenSource(path, 0, true);
}

Result<std::unique_ptr<InputStream>> InputStream::OpenSource(const std::string& path,
                                                             size_t rewind_bytes, bool give_back) {
  std::unique_ptr<InputStream> stream(new InputStream());
  stream->name_ = InputDisplayName(path);
  stream->rewind_bytes_ = rewind_bytes;
  if (IsStandardInput(path)) {
    stream->stdin_ = true;
    stream->give_back_ = give_back;
    // A copy of descriptor 0, so closing the stream leaves the process's standard input alone.
    stream->fd_ = ::dup(STDIN_FILENO);
    if (stream->fd_ < 0) {
      return IoError(fmt::format("cannot read standard input: {}", std::strerror(errno)));
    }
  } else {
    stream->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (stream->fd_ < 0) {
      return IoError(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
    }
    ::posix_fadvise(stream->fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  stream->in_.resize(kInputRawBufferBytes);
  RETURN_IF_ERROR(stream->Probe());
  return stream;
}

InputStream::~InputStream() {
  if (give_back_ && !taken_.empty()) {
    InputGivenBack& given = InputStandardInputGivenBack();
    std::lock_guard lock(given.mutex);
    // What this stream took came first: it goes back in front of what it did not take.
    if (!InputSameOpenFile(fd_, given)) given.bytes.clear();
    given.bytes.insert(0, taken_);
    struct stat st {};
    if (::fstat(fd_, &st) == 0) {
      given.device = st.st_dev;
      given.inode = st.st_ino;
    }
  }
  if (inflater_) {
    ::inflateEnd(&InputAsInflater(inflater_));
    delete &InputAsInflater(inflater_);
  }
  if (fd_ >= 0) ::close(fd_);
}

Result<size_t> InputStream::TakeRaw(char* data, size_t size) {
  size_t n = 0;
  if (stdin_) {
    InputGivenBack& given = InputStandardInputGivenBack();
    std::lock_guard lock(given.mutex);
    if (!given.bytes.empty() && !InputSameOpenFile(fd_, given)) given.bytes.clear();
    n = std::min(size, given.bytes.size());
    std::memcpy(data, given.bytes.data(), n);
    given.bytes.erase(0, n);
  }
  while (n == 0) {
    const ssize_t got = ::read(fd_, data, size);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return IoError(fmt::format("cannot read {}: {}", name_, std::strerror(errno)));
    if (got == 0) break;
    n = static_cast<size_t>(got);
  }
  if (give_back_) taken_.append(data, n);
  raw_taken_ += n;
  return n;
}

Result<size_t> InputStream::FillRaw() {
  if (in_at_ > 0) {
    std::memmove(in_.data(), in_.data() + in_at_, in_end_ - in_at_);
    in_end_ -= in_at_;
    in_at_ = 0;
  }
  if (raw_ended_ || in_end_ == in_.size()) return size_t{0};
  ASSIGN_OR_RETURN(size_t n, TakeRaw(in_.data() + in_end_, in_.size() - in_end_));
  if (n == 0) raw_ended_ = true;
  in_end_ += n;
  return n;
}

Status InputStream::Probe() {
  while (in_end_ - in_at_ < 2 && !raw_ended_) {
    ASSIGN_OR_RETURN(size_t n, FillRaw());
    (void)n;
  }
  compressed_ = in_end_ - in_at_ >= 2 && static_cast<unsigned char>(in_[in_at_]) == 0x1f &&
                static_cast<unsigned char>(in_[in_at_ + 1]) == 0x8b;
  if (!compressed_ || inflater_) return Status::Ok();
  auto* z = new z_stream{};
  // 16 + 15: a gzip wrapper (its header and CRC are checked), the largest window.
  if (::inflateInit2(z, 16 + MAX_WBITS) != Z_OK) {
    delete z;
    return IoError(fmt::format("cannot read {}: out of memory", name_));
  }
  inflater_ = z;
  return Status::Ok();
}

Result<size_t> InputStream::ReadSource(char* data, size_t size) {
  if (compressed_) return Inflate(data, size);
  if (in_at_ < in_end_) {
    const size_t n = std::min(size, in_end_ - in_at_);
    std::memcpy(data, in_.data() + in_at_, n);
    in_at_ += n;
    return n;
  }
  if (raw_ended_) return size_t{0};
  ASSIGN_OR_RETURN(size_t n, TakeRaw(data, size));
  if (n == 0) raw_ended_ = true;
  return n;
}

Result<size_t> InputStream::Inflate(char* data, size_t size) {
  z_stream& z = InputAsInflater(inflater_);
  const uInt want = static_cast<uInt>(std::min<size_t>(size, 1u << 30));
  for (;;) {
    if (member_ended_) {
      // RFC 1952 2.2: another member may follow; anything else there is not gzip data.
      while (in_end_ - in_at_ < 2 && !raw_ended_) {
        ASSIGN_OR_RETURN(size_t n, FillRaw());
        (void)n;
      }
      const size_t have = in_end_ - in_at_;
      if (have == 0) return size_t{0};
      if (have >= 2 && static_cast<unsigned char>(in_[in_at_]) == 0x1f &&
          static_cast<unsigned char>(in_[in_at_ + 1]) == 0x8b) {
        ::inflateReset(&z);
        member_ended_ = false;
        continue;
      }
      return InvalidArgument(fmt::format(
          "trailing data after the gzip stream at byte {}: after {} decompressed bytes the gzip "
          "data ends, and the bytes that follow are not another gzip member (was something "
          "appended to the compressed file?)",
          RawOffset(), source_bytes_));
    }
    if (in_at_ == in_end_ && !raw_ended_) {
      ASSIGN_OR_RETURN(size_t n, FillRaw());
      (void)n;
    }
    z.next_in = reinterpret_cast<Bytef*>(in_.data() + in_at_);
    z.avail_in = static_cast<uInt>(in_end_ - in_at_);
    z.next_out = reinterpret_cast<Bytef*>(data);
    z.avail_out = want;
    const int code = ::inflate(&z, Z_NO_FLUSH);
    in_at_ = in_end_ - z.avail_in;
    const size_t produced = want - z.avail_out;
    if (code == Z_STREAM_END) member_ended_ = true;
    if (code == Z_STREAM_END || code == Z_OK) {
      if (produced > 0) return produced;
      continue;  // input taken and nothing out yet (a header): more input
    }
    if (code == Z_BUF_ERROR && in_at_ == in_end_) {
      if (!raw_ended_) continue;
      return InvalidArgument(fmt::format(
          "the gzip data is truncated: the compressed stream ended early, at compressed byte {} "
          "inside a gzip member, after {} decompressed bytes (was it cut short while being "
          "copied or written?)",
          RawOffset(), source_bytes_ + produced));
    }
    if (code == Z_MEM_ERROR) return IoError(fmt::format("cannot read {}: out of memory", name_));
    return InvalidArgument(
        fmt::format("the gzip data is corrupt near compressed byte {}, after {} decompressed "
                    "bytes: {}",
                    RawOffset(), source_bytes_ + produced, z.msg ? z.msg : "not deflate data"));
  }
}

Result<size_t> InputStream::Read(char* data, size_t size) {
  if (!failed_.empty()) return InvalidArgument(failed_);
  if (size == 0) return size_t{0};
  if (replay_at_ < held_.size()) {
    const size_t n = std::min(size, held_.size() - replay_at_);
    std::memcpy(data, held_.data() + replay_at_, n);
    replay_at_ += n;
    position_ += n;
    return n;
  }
  ASSIGN_OR_RETURN(size_t n, ReadSource(data, size));
  source_bytes_ += n;
  position_ += n;
  if (stdin_ && holding_) {
    if (held_.size() + n <= rewind_bytes_) {
      held_.append(data, n);
      replay_at_ = held_.size();
    } else {
      holding_ = false;
      std::string().swap(held_);
      replay_at_ = 0;
    }
  }
  return n;
}

Status InputStream::Rewind() {
  if (!failed_.empty()) return InvalidArgument(failed_);
  position_ = 0;
  if (stdin_) {
    if (!holding_) {
      failed_ = fmt::format(
          "standard input cannot be read twice, and this input must be (its first {} bytes "
          "can be gone back over, no more): write it to a file and name the file instead",
          rewind_bytes_);
      return InvalidArgument(failed_);
    }
    replay_at_ = 0;
    return Status::Ok();
  }
  source_bytes_ = 0;
  if (::lseek(fd_, 0, SEEK_SET) < 0) {
    return IoError(fmt::format("cannot rewind {}: {}", name_, std::strerror(errno)));
  }
  in_at_ = in_end_ = 0;
  raw_ended_ = false;
  raw_taken_ = 0;
  member_ended_ = false;
  if (inflater_) ::inflateReset(&InputAsInflater(inflater_));
  return Status::Ok();
}

Result<InputFile> OpenInputFile(const std::string& path, size_t rewind_bytes) {
  ASSIGN_OR_RETURN(std::unique_ptr<InputStream> stream, InputStream::Open(path, rewind_bytes));
  cookie_io_functions_t functions{};
  functions.read = &InputCookieRead;
  functions.seek = &InputCookieSeek;
  functions.close = &InputCookieClose;
  InputStream* raw = stream.get();
  std::FILE* file = ::fopencookie(raw, "rb", functions);
  if (!file) return IoError(fmt::format("cannot open {}: {}", raw->name(), std::strerror(errno)));
  stream.release();  // the FILE owns it now: InputCookieClose deletes it
  InputFileRegistry& registry = InputFiles();
  std::lock_guard lock(registry.mutex);
  registry.streams[file] = raw;
  return InputFile(file, &std::fclose);
}

Status InputReadError(std::FILE* file, const std::string& path) {
  const int saved = errno;
  InputFileRegistry& registry = InputFiles();
  std::lock_guard lock(registry.mutex);
  auto stream = registry.streams.find(file);
  if (stream != registry.streams.end()) {
    auto error = registry.errors.find(stream->second);
    if (error != registry.errors.end()) return error->second;
  }
  return IoError(fmt::format("cannot read {}: {}", InputDisplayName(path), std::strerror(saved)));
}

bool IsInputStreamError(const Status& status) {
  if (status.code() == StatusCode::kIo) return true;
  const std::string& message = status.message();
  return message.find("the gzip data is ") != std::string::npos ||
         message.find("trailing data after the gzip stream") != std::string::npos ||
         message.find("standard input cannot be read twice") != std::string::npos;
}

Result<std::string> ReadWholeInput(const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<InputStream> stream, InputStream::Open(path));
  return ReadWholeInput(*stream);
}

bool IsGzipFile(const std::string& path) {
  if (IsStandardInput(path)) return false;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  unsigned char magic[2] = {0, 0};
  const bool gzip = ::pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  ::close(fd);
  return gzip;
}

Result<std::string> ReadWholeInput(InputStream& stream) {
  std::string text;
  size_t used = 0;
  for (;;) {
    if (text.size() - used < (64 << 10)) text.resize(std::max<size_t>(text.size() * 2, 1 << 20));
    ASSIGN_OR_RETURN(size_t n, stream.Read(text.data() + used, text.size() - used));
    if (n == 0) break;
    used += n;
  }
  text.resize(used);
  return text;
}

}  // namespace sluice
