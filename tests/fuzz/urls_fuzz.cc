// Fuzzes the parsers of user-given connection strings and endpoints, and redaction.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "aws/aws_config.h"
#include "connectors/mysql/mysql_connection.h"
#include "core/secrets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)sluice::ParseMysqlUrl(text);
  (void)sluice::ParseEndpoint(text);
  (void)sluice::RedactUrl(text);
  // A URL's password never survives redaction.
  auto parsed = sluice::ParseMysqlUrl(text);
  if (parsed.ok() && parsed->password.size() >= 4 && parsed->password != "****" &&
      text.find('%') == std::string::npos && text.find('@') == text.rfind('@') &&
      sluice::RedactUrl(text).find(":" + parsed->password + "@") != std::string::npos) {
    std::abort();
  }
  return 0;
}
