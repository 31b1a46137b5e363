#include "core/input_stream.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include "core/strings.h"

namespace sluice {
namespace {

// Why the columnar formats cannot be read: their reader would be Apache Arrow.
constexpr std::string_view kNoArrow = "no Apache Arrow in Debian 12";

// zlib's own buffer: large reads keep the per-call cost of gzread small.
constexpr unsigned kInputGzBufferBytes = 128 << 10;

gzFile AsGz(void* gz) {
  return static_cast<gzFile>(gz);
}

// The InputStream behind each FILE made by OpenInputFile, for InputErrorOf.
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

// The extension that names the format, past a trailing ".gz".
std::string InputFormatExtension(std::string_view path) {
  std::string lower = AsciiLower(std::string(path));
  if (lower.ends_with(".gz")) lower.resize(lower.size() - 3);
  const size_t slash = lower.rfind('/');
  const size_t dot = lower.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  return lower.substr(dot + 1);
}

Status UnsupportedFormat(const std::string& path, std::string_view format, std::string_view why) {
  return UsageError(fmt::format(
      "{}: {} is not supported ({}): convert it to CSV or NDJSON first, for example with "
      "duckdb (COPY (SELECT * FROM '{}') TO 'out.csv')",
      InputDisplayName(path), format, why, path));
}

}  // namespace

std::string InputDisplayName(std::string_view path) {
  return IsStandardInput(path) ? "standard input" : std::string(path);
}

Result<std::unique_ptr<InputStream>> InputStream::Open(const std::string& path,
                                                       size_t rewind_bytes) {
  std::unique_ptr<InputStream> stream(new InputStream());
  stream->name_ = InputDisplayName(path);
  stream->rewind_bytes_ = rewind_bytes;
  if (IsStandardInput(path)) {
    stream->stdin_ = true;
    // A copy of descriptor 0, so closing the stream leaves the process's standard input alone.
    const int fd = ::dup(STDIN_FILENO);
    if (fd < 0) return IoError(fmt::format("cannot read standard input: {}", std::strerror(errno)));
    // zlib passes input that is not gzip through as it is, so one path reads both; whether it
    // was compressed is known after the first read (gzdirect).
    gzFile gz = ::gzdopen(fd, "rb");
    if (!gz) {
      ::close(fd);
      return IoError("cannot read standard input: out of memory");
    }
    ::gzbuffer(gz, kInputGzBufferBytes);
    stream->gz_ = gz;
    stream->compressed_ = true;
    return stream;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  unsigned char magic[2] = {0, 0};
  const bool gzip = ::pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  if (!gzip) {
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    stream->fd_ = fd;
    return stream;
  }
  gzFile gz = ::gzdopen(fd, "rb");
  if (!gz) {
    ::close(fd);
    return IoError(fmt::format("cannot open {}: out of memory", path));
  }
  ::gzbuffer(gz, kInputGzBufferBytes);
  stream->gz_ = gz;
  stream->compressed_ = true;
  return stream;
}

InputStream::~InputStream() {
  if (gz_) {
    ::gzclose(AsGz(gz_));
  } else if (fd_ >= 0) {
    ::close(fd_);
  }
}

Result<size_t> InputStream::ReadSource(char* data, size_t size) {
  if (!gz_) {
    for (;;) {
      const ssize_t n = ::read(fd_, data, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return IoError(fmt::format("cannot read {}: {}", name_, std::strerror(errno)));
      return static_cast<size_t>(n);
    }
  }
  gzFile gz = AsGz(gz_);
  const int n = ::gzread(gz, data, static_cast<unsigned>(std::min<size_t>(size, 1u << 30)));
  int code = Z_OK;
  const char* reason = ::gzerror(gz, &code);
  // zlib ends a stream cut short as if at its end (0, with Z_BUF_ERROR set), for files still
  // being written: here that is a truncated file, so an end is taken only with no error set.
  if (n > 0 || (n == 0 && code == Z_OK)) {
    if (source_bytes_ == 0 && n > 0 && stdin_) compressed_ = ::gzdirect(gz) == 0;
    return static_cast<size_t>(n);
  }
  const long long offset = static_cast<long long>(::gzoffset(gz));
  if (code == Z_ERRNO) {
    return IoError(fmt::format("cannot read {}: {}", name_, std::strerror(errno)));
  }
  if (code == Z_BUF_ERROR) {
    return InvalidArgument(
        fmt::format("the gzip data is truncated: it ends at compressed byte {} inside a compressed "
                    "stream, after {} decompressed bytes (was the file cut short while copying?)",
                    offset, source_bytes_));
  }
  return InvalidArgument(
      fmt::format("the gzip data is corrupt near compressed byte {}, after {} decompressed "
                  "bytes: {}",
                  offset, source_bytes_, reason ? reason : "unknown error"));
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
  if (gz_) {
    if (::gzrewind(AsGz(gz_)) != 0) return IoError(fmt::format("cannot rewind {}", name_));
    return Status::Ok();
  }
  if (::lseek(fd_, 0, SEEK_SET) < 0) {
    return IoError(fmt::format("cannot rewind {}: {}", name_, std::strerror(errno)));
  }
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

Status CheckSupportedInput(const std::string& path) {
  const std::string extension = InputFormatExtension(path);
  if (extension == "parquet") return UnsupportedFormat(path, "Parquet", kNoArrow);
  if (extension == "avro") return UnsupportedFormat(path, "Avro", "no Avro reader is built in");
  if (extension == "orc") return UnsupportedFormat(path, "ORC", kNoArrow);
  if (extension == "xlsx" || extension == "xls") {
    return UnsupportedFormat(path, "A spreadsheet", "only text formats are read");
  }
  if (IsStandardInput(path)) return Status::Ok();
  auto stream = InputStream::Open(path);
  if (!stream.ok()) return Status::Ok();
  char head[4] = {0, 0, 0, 0};
  size_t have = 0;
  while (have < sizeof head) {
    auto n = (*stream)->Read(head + have, sizeof head - have);
    if (!n.ok() || *n == 0) break;
    have += *n;
  }
  const std::string_view magic(head, have);
  if (magic == "PAR1") return UnsupportedFormat(path, "Parquet", kNoArrow);
  if (magic == std::string_view("Obj\x01", 4)) {
    return UnsupportedFormat(path, "Avro", "no Avro reader is built in");
  }
  // ORC's magic ("ORC") is too short to tell from a CSV header: ORC is told by its name only.
  if (magic == std::string_view("PK\x03\x04", 4)) {
    return UnsupportedFormat(path, "A zip file (an xlsx spreadsheet?)",
                             "only text formats are read");
  }
  return Status::Ok();
}

}  // namespace sluice
