#include "connectors/objstore/local_object_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

#include "core/files.h"

namespace sluice {
namespace {

constexpr std::string_view kTempPrefix = ".sluice-tmp-";

std::string Fingerprint(const struct stat& st) {
  const int64_t mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                           static_cast<int64_t>(st.st_mtim.tv_nsec);
  return fmt::format("fp-{:x}-{:x}-{:x}", static_cast<uint64_t>(st.st_size),
                     static_cast<uint64_t>(mtime_ns), static_cast<uint64_t>(st.st_ino));
}

// A name no other writer (thread or process) picks for its temporary file.
std::string TempSuffix() {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:x}-{:x}-{:x}", static_cast<unsigned>(getpid()), counter.fetch_add(1),
                     rng());
}

Status MakeDirectories(const std::string& path, const std::string& url) {
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    const std::string dir = path.substr(0, slash);
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus(errno, fmt::format("{}: creating {}", url, dir));
    }
  }
  return Status::Ok();
}

}  // namespace

LocalObjectStore::LocalObjectStore(std::string directory) : directory_(std::move(directory)) {}

std::string LocalObjectStore::Url(std::string_view key) const {
  return fmt::format("file://{}{}", directory_, key);
}

Result<std::string> LocalObjectStore::PathOf(std::string_view key) const {
  bool bad = key.empty() || key.front() == '/' || key.find('\0') != std::string_view::npos;
  for (size_t start = 0; !bad && start <= key.size();) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view segment = key.substr(start, end - start);
    bad = segment.empty() || segment == "." || segment == "..";
    start = end + 1;
  }
  if (bad) {
    return InvalidArgument(fmt::format(
        "{}: the key is not a relative path of plain names (no '.', '..' or empty parts)",
        Url(key)));
  }
  return directory_ + std::string(key);
}

Result<std::vector<ObjectEntry>> LocalObjectStore::List(std::string_view prefix) {
  struct stat root;
  if (stat(directory_.c_str(), &root) != 0) return ErrnoStatus(errno, Url());
  // Only the directory the prefix's last '/' ends needs walking.
  const size_t slash = prefix.rfind('/');
  const std::string start =
      slash == std::string_view::npos ? std::string() : std::string(prefix.substr(0, slash + 1));
  std::vector<ObjectEntry> entries;
  std::vector<std::string> pending = {start};  // relative directories, "" or ending in '/'
  while (!pending.empty()) {
    const std::string relative = std::move(pending.back());
    pending.pop_back();
    const std::string dir_path = directory_ + relative;
    DIR* dir = opendir(dir_path.c_str());
    if (!dir) {
      if ((errno == ENOENT || errno == ENOTDIR) && !relative.empty()) continue;  // no such prefix
      return ErrnoStatus(errno, fmt::format("{}: listing", Url(relative)));
    }
    while (const dirent* entry = readdir(dir)) {
      const std::string_view name = entry->d_name;
      if (name == "." || name == ".." || name.starts_with(kTempPrefix)) continue;
      const std::string key = relative + std::string(name);
      // A directory is walked when keys below it can start with the prefix.
      struct stat st;
      if (stat((directory_ + key).c_str(), &st) != 0) {
        if (errno == ENOENT) continue;  // removed while listed
        const Status error = ErrnoStatus(errno, Url(key));
        closedir(dir);
        return error;
      }
      if (S_ISDIR(st.st_mode)) {
        const std::string below = key + "/";
        const size_t common = std::min(below.size(), prefix.size());
        if (below.compare(0, common, prefix.substr(0, common)) == 0) pending.push_back(below);
      } else if (S_ISREG(st.st_mode) && key.starts_with(prefix)) {
        entries.push_back({key, static_cast<uint64_t>(st.st_size), Fingerprint(st)});
      }
    }
    closedir(dir);
  }
  std::sort(entries.begin(), entries.end(),
            [](const ObjectEntry& a, const ObjectEntry& b) { return a.key < b.key; });
  return entries;
}

Result<std::string> LocalObjectStore::Get(std::string_view key) {
  ASSIGN_OR_RETURN(const std::string path, PathOf(key));
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, Url(key));
  std::string bytes;
  struct stat st;
  if (fstat(fd, &st) == 0 && st.st_size > 0) bytes.reserve(static_cast<size_t>(st.st_size));
  char buffer[65536];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      close(fd);
      return ErrnoStatus(error, Url(key));
    }
    if (n == 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return bytes;
}

Result<std::string> LocalObjectStore::Put(std::string_view key, std::string_view bytes,
                                          std::string_view /*content_type*/) {
  ASSIGN_OR_RETURN(const std::string path, PathOf(key));
  const std::string url = Url(key);
  RETURN_IF_ERROR(MakeDirectories(path, url));
  const size_t slash = path.rfind('/');
  const std::string dir = path.substr(0, slash);
  const std::string temp =
      fmt::format("{}/{}{}-{}", dir, kTempPrefix, path.substr(slash + 1), TempSuffix());
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(errno, fmt::format("{}: creating a temporary file", url));
  auto fail = [&](int error, std::string_view doing) {
    close(fd);
    unlink(temp.c_str());
    return ErrnoStatus(error, fmt::format("{}: {}", url, doing));
  };
  for (size_t written = 0; written < bytes.size();) {
    const ssize_t n = write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno, "writing");
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) return fail(errno, "syncing");
  struct stat st;
  if (fstat(fd, &st) != 0) return fail(errno, "reading back");
  if (close(fd) != 0) {
    const int error = errno;
    unlink(temp.c_str());
    return ErrnoStatus(error, fmt::format("{}: closing", url));
  }
  if (rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    unlink(temp.c_str());
    return ErrnoStatus(error, fmt::format("{}: renaming into place", url));
  }
  RETURN_IF_ERROR(SyncDirectory(dir, url));
  return Fingerprint(st);  // a rename keeps the inode and the times
}

Result<std::optional<ObjectEntry>> LocalObjectStore::Stat(std::string_view key) {
  ASSIGN_OR_RETURN(const std::string path, PathOf(key));
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<ObjectEntry>();
    return ErrnoStatus(errno, Url(key));
  }
  if (!S_ISREG(st.st_mode)) return std::optional<ObjectEntry>();
  return std::optional<ObjectEntry>(
      ObjectEntry{std::string(key), static_cast<uint64_t>(st.st_size), Fingerprint(st)});
}

Status LocalObjectStore::Delete(std::string_view key) {
  ASSIGN_OR_RETURN(const std::string path, PathOf(key));
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus(errno, Url(key));
  return Status::Ok();
}

Result<bool> LocalObjectStore::Holds(const ObjectEntry& listed, std::string_view bytes) {
  if (listed.size != bytes.size()) return false;
  ASSIGN_OR_RETURN(const std::string stored, Get(listed.key));
  return stored == bytes;
}

Status LocalObjectStore::CreateRoot() {
  return MakeDirectories(directory_, Url());
}

std::unique_ptr<ObjectStore> LocalObjectStore::Fork() const {
  return std::make_unique<LocalObjectStore>(directory_);
}

}  // namespace sluice
