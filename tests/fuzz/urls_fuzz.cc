// Fuzzes the parsers of user-given connection strings and endpoints, and redaction.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "aws/aws_config.h"
#include "connectors/mysql/mysql_connection.h"
#include "core/secrets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)sluice::ParseMysqlUrl(text);
  (void)sluice::ParseEndpoint(text);
  (void)sluice::RedactUrl(text);
  (void)sluice::Redact(text);
  // A refused URL is never quoted back: the message is the same whatever the text.
  if (sluice::Status st = sluice::CheckUrlUserinfo(text, "fuzz");
      !st.ok() && text.size() >= 8 && st.message().find(text) != std::string::npos) {
    std::abort();
  }
  {
    // Scrubbing keeps argv's length: the kernel shows its bytes as they are.
    std::string arg = text.substr(0, text.find('\0'));
    const size_t before = arg.size();
    sluice::ScrubSecretsInPlace(arg.data());
    if (std::string_view(arg.c_str()).size() != before) std::abort();
  }
  // A URL's password never survives redaction.
  auto parsed = sluice::ParseMysqlUrl(text);
  if (parsed.ok() && parsed->password.size() >= 4 && parsed->password != "****" &&
      text.find('%') == std::string::npos && text.find('@') == text.rfind('@') &&
      sluice::RedactUrl(text).find(":" + parsed->password + "@") != std::string::npos) {
    std::abort();
  }
  return 0;
}
