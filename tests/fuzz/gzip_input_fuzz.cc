// Fuzzes gzip input (core/input_stream.h) as warehouse load and --file read it: any bytes, with
// the gzip magic put in front or not, written to a file, must read as text or fail with an
// error saying the gzip data is truncated or corrupt or has trailing data after its last
// member; never a crash, never a hang. The text
// goes on through the CSV reader as a load's does, and a rewind must give the same bytes again.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/input_format.h"
#include "core/input_stream.h"
#include "formats/csv_reader.h"

namespace {

std::string GzipFuzzPath() {
  static const std::string path = [] {
    // In memory where there is a tmpfs: the file is written and read again on every execution.
    std::string pattern = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm/sluice_gzip_fuzz_XXXXXX"
                                                          : "/tmp/sluice_gzip_fuzz_XXXXXX";
    const int fd = ::mkstemp(pattern.data());
    if (fd >= 0) ::close(fd);
    return pattern;
  }();
  return path;
}

// All of `stream`, or an error status.
sluice::Result<std::string> GzipFuzzDrain(sluice::InputStream& stream) {
  std::string text;
  char buffer[4096];
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, stream.Read(buffer, sizeof buffer));
    if (n == 0) return text;
    text.append(buffer, n);
    if (text.size() > (size_t{64} << 20)) std::abort();  // a small input inflating without end
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = GzipFuzzPath();
  for (bool magic : {true, false}) {
    std::string bytes = magic ? std::string("\x1f\x8b", 2) : std::string();
    bytes.append(reinterpret_cast<const char*>(data), size);
    if (std::FILE* file = std::fopen(path.c_str(), "wb")) {
      std::fwrite(bytes.data(), 1, bytes.size(), file);
      std::fclose(file);
    } else {
      std::abort();
    }
    // The refusal of formats Sluice does not read (magic bytes, first 256 bytes) only ever says
    // "not supported" (a usage error), or lets the input through to its reader.
    const sluice::Status supported = sluice::CheckSupportedInput(path);
    if (!supported.ok() && supported.code() != sluice::StatusCode::kUsage) std::abort();
    auto stream = sluice::InputStream::Open(path);
    if (!stream.ok()) std::abort();
    auto first = GzipFuzzDrain(**stream);
    if (!first.ok()) {
      const std::string& message = first.status().message();
      if (message.find("gzip data is truncated") == std::string::npos &&
          message.find("gzip data is corrupt") == std::string::npos &&
          message.find("trailing data after the gzip stream at byte ") == std::string::npos) {
        std::abort();
      }
      continue;
    }
    if (!(*stream)->Rewind().ok()) std::abort();
    auto again = GzipFuzzDrain(**stream);
    if (!again.ok() || *again != *first) std::abort();
    // A small buffer: its refills cross records, as a large file's do at 1 MiB, and the default's
    // zero-filled megabyte had been a fifth of each execution.
    sluice::CsvReader::Options options;
    options.buffer_size = 4096;
    auto reader = sluice::CsvReader::OpenFile(path, options);
    if (!reader.ok()) std::abort();
    sluice::CsvRecord record;
    for (;;) {
      auto outcome = (*reader)->Next(&record);
      if (!outcome.ok() || *outcome == sluice::CsvReader::Outcome::kEnd) break;
    }
  }
  return 0;
}
