#include "core/files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sluice {

Result<std::string> ReadWholeFile(const std::string& path, std::string_view kind) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return IoError(fmt::format("cannot read {}{}{}: {}", kind, kind.empty() ? "" : " ", path,
                               std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Status ErrnoStatus(int error, const std::string& what) {
  std::string message = fmt::format("{}: {}", what, std::strerror(error));
  if (error == ENOENT || error == ENOTDIR) return NotFound(std::move(message));
  if (error == EACCES || error == EPERM) return PermissionDenied(std::move(message));
  return IoError(std::move(message));
}

Status SyncDirectory(const std::string& dir, const std::string& url) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, fmt::format("{}: opening its directory", url));
  const int rc = fsync(fd);
  const int error = errno;
  close(fd);
  if (rc != 0) return ErrnoStatus(error, fmt::format("{}: syncing its directory", url));
  return Status::Ok();
}

}  // namespace sluice
