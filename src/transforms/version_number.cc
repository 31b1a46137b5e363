#include "transforms/version_number.h"

#include <fmt/format.h>

namespace sluice {

bool EncodeVersionNumber(std::string_view text, std::string_view field, int32_t* out,
                         std::string* error) {
  const auto fail = [&](std::string what) {
    *error = fmt::format("{} is not MAJOR[.MINOR[.PATCH]] with parts 0..999: {}", field, what);
    return false;
  };
  if (text.empty()) return fail("it is empty");
  int32_t parts[3] = {0, 0, 0};
  int count = 0;
  size_t pos = 0;
  while (true) {
    if (count == 3) return fail("it has more than 3 parts");
    const size_t start = pos;
    int32_t v = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 4) {
      v = v * 10 + (text[pos] - '0');
      ++pos;
    }
    const size_t digits = pos - start;
    if (digits > 3) return fail(fmt::format("part {} has more than 3 digits", count + 1));
    if (digits == 0 && (pos == text.size() || text[pos] == '.'))
      return fail(fmt::format("part {} is empty", count + 1));
    if (digits == 0 || (pos < text.size() && text[pos] != '.'))
      return fail(fmt::format("byte {} is neither a digit nor a dot", pos + 1));
    parts[count++] = v;
    if (pos == text.size()) break;
    ++pos;
  }
  *out = parts[0] * 1000000 + parts[1] * 1000 + parts[2];
  return true;
}

std::string DecodeVersionNumber(int32_t value) {
  return fmt::format("{}.{}.{}", value / 1000000, value / 1000 % 1000, value % 1000);
}

}  // namespace sluice
