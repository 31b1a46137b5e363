// Fuzzes the reading of the AWS shared config and credentials files: any bytes, read as either
// file, give profiles or an error, never a crash. An error names a line that exists and quotes
// no value of the file (a value may be a secret key).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "aws/shared_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  size_t lines = 1;
  for (const char c : text)
    lines += c == '\n' ? 1 : 0;
  for (const auto kind :
       {sluice::AwsSharedFileKind::kConfig, sluice::AwsSharedFileKind::kCredentials}) {
    sluice::AwsSharedConfig config;
    const sluice::Status status = sluice::ParseAwsSharedFile(text, kind, "/fuzz/file", &config);
    if (status.ok()) continue;
    const std::string& message = status.message();
    if (status.code() != sluice::StatusCode::kUsage) std::abort();
    // "..., line N: why", N within the file.
    const size_t at = message.find(", line ");
    if (at == std::string::npos) std::abort();
    const long line = std::strtol(message.c_str() + at + 7, nullptr, 10);
    if (line < 1 || static_cast<size_t>(line) > lines) std::abort();
    // A value following "secret = " in the input is never in the message. (Only values of 16
    // bytes or more, without blanks, found once in the input are checked: the fixed wording of
    // a message may contain a short one, and a key name, which a message may quote, could
    // repeat it.)
    const size_t key = text.find("secret = ");
    if (key != std::string::npos) {
      const size_t start = key + 9;
      const size_t end = text.find_first_of("\n;", start);
      const std::string value = text.substr(start, end == std::string::npos ? end : end - start);
      if (value.size() >= 16 && value.find_first_of(" \t\r") == std::string::npos &&
          text.find(value) == start && text.find(value, start + 1) == std::string::npos &&
          message.find(value) != std::string::npos) {
        std::abort();
      }
    }
  }
  return 0;
}
