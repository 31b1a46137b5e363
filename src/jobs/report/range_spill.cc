#include "jobs/report/range_spill.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "core/environment.h"

namespace sluice::report {
namespace {

// Each slice buffers this much before it writes to its file.
constexpr size_t kSpillBuffer = size_t{16} << 10;

// A temporary file in $TMPDIR (else /tmp), gone as soon as it is closed.
std::FILE* TempFile() {
  const std::string dir = GetEnv("TMPDIR");
  std::string path = (dir.empty() ? std::string("/tmp") : dir) + "/sluice-spill-XXXXXX";
  int fd = ::mkstemp(path.data());
  if (fd < 0) return nullptr;
  ::unlink(path.c_str());
  std::FILE* f = ::fdopen(fd, "w+b");
  if (!f) ::close(fd);
  return f;
}

}  // namespace

RangeSpill::RangeSpill(const IdSlices& slices) : slices_(slices) {
  files_.resize(slices.count());
  buffers_.resize(slices.count());
}

Status RangeSpill::Add(int64_t user_id, uint32_t day) {
  const uint64_t offset = static_cast<uint64_t>(user_id - slices_.min_id());
  const size_t p = slices_.SliceOf(user_id);
  std::string& buf = buffers_[p];
  if (buf.capacity() < kSpillBuffer) buf.reserve(kSpillBuffer);  // exactly: no doubling
  const Completion c = MakeCompletion(offset, day);
  buf.append(reinterpret_cast<const char*>(&c), sizeof c);
  return buf.size() >= kSpillBuffer ? Flush(p) : Status::Ok();
}

Status RangeSpill::TakeInto(size_t p, std::vector<Completion>& out) {
  const size_t start = out.size();
  if (files_[p]) {
    const long size = std::ftell(files_[p].get());
    const size_t n = static_cast<size_t>(size) / sizeof(Completion);
    out.resize(start + n);
    std::rewind(files_[p].get());
    if (std::fread(out.data() + start, sizeof(Completion), n, files_[p].get()) != n) {
      return IoError("reading a spill file failed");
    }
    files_[p].reset();
  }
  std::string& buf = buffers_[p];
  const size_t n = out.size();
  out.resize(n + buf.size() / sizeof(Completion));
  if (!buf.empty()) std::memcpy(out.data() + n, buf.data(), buf.size());
  buf.clear();
  buf.shrink_to_fit();
  return Status::Ok();
}

Status RangeSpill::Flush(size_t p) {
  if (!files_[p]) {
    files_[p].reset(TempFile());
    if (!files_[p]) return IoError("cannot create a spill file in $TMPDIR (or /tmp)");
  }
  std::string& buf = buffers_[p];
  if (std::fwrite(buf.data(), 1, buf.size(), files_[p].get()) != buf.size()) {
    return IoError("writing a spill file failed (is the temporary directory full?)");
  }
  buf.clear();
  return Status::Ok();
}

}  // namespace sluice::report
