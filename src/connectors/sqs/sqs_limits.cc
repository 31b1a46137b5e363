#include "connectors/sqs/sqs_limits.h"

#include <fmt/format.h>

namespace sluice {

std::optional<SqsBodyProblem> FindSqsBodyProblem(std::string_view body) {
  if (body.empty())
    return SqsBodyProblem{0, "is empty; an SQS message needs at least one character"};
  const auto* p = reinterpret_cast<const unsigned char*>(body.data());
  const size_t n = body.size();
  for (size_t i = 0; i < n;) {
    const unsigned char b = p[i];
    char32_t c;
    size_t len;
    if (b < 0x80) {
      c = b;
      len = 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
      c = b & 0x1F;
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      c = b & 0x0F;
      len = 3;
    } else if (b >= 0xF0 && b <= 0xF4) {
      c = b & 0x07;
      len = 4;
    } else {
      return SqsBodyProblem{i, "is not valid UTF-8"};
    }
    if (i + len > n) return SqsBodyProblem{i, "is not valid UTF-8 (a character cut short)"};
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return SqsBodyProblem{i, "is not valid UTF-8"};
      c = (c << 6) | (p[i + k] & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c <= 0xDFFF)) {
      return SqsBodyProblem{i, "is not valid UTF-8"};
    }
    const bool allowed = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
                         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
    if (!allowed) {
      return SqsBodyProblem{
          i, fmt::format("U+{:04X} is not allowed in an SQS message", static_cast<uint32_t>(c))};
    }
    i += len;
  }
  return std::nullopt;
}

}  // namespace sluice
