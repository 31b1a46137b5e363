#include "connectors/file/ndjson_source.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace sluice {

Result<std::unique_ptr<NdjsonFileSource>> NdjsonFileSource::Open(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return IoError(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  struct stat st {};
  ::fstat(fileno(file), &st);
  char resolved[PATH_MAX];
  std::string absolute = ::realpath(path.c_str(), resolved) ? resolved : path;
  int64_t mtime_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
  // The checkpoint names the file by path and inode: another file written to the same path
  // (a rotation) starts from its first line rather than from the old file's checkpoint.
  return std::unique_ptr<NdjsonFileSource>(
      new NdjsonFileSource(file, "file:" + absolute + ":", mtime_ms,
                           fmt::format("file:{}#inode={}", absolute, st.st_ino)));
}

NdjsonFileSource::~NdjsonFileSource() {
  std::fclose(file_);
  std::free(buffer_);
}

std::vector<InboundMessage> NdjsonFileSource::NextBatch(size_t max, std::chrono::milliseconds) {
  std::vector<InboundMessage> batch;
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  while (!done_ && batch.size() < max) {
    ssize_t n = ::getline(&buffer_, &capacity_, file_);
    if (n < 0) {
      if (std::ferror(file_))
        status_ = IoError(fmt::format("reading failed: {}", std::strerror(errno)));
      done_ = true;
      break;
    }
    ++line_;
    std::string_view text(buffer_, static_cast<size_t>(n));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
      text.remove_suffix(1);
    if (text.empty() || line_ <= skip_through_) continue;
    batch.push_back(InboundMessage{
        id_prefix_ + std::to_string(line_), std::string(text), {}, sent_ms_, now, line_});
  }
  return batch;
}

}  // namespace sluice
