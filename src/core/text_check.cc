#include "core/text_check.h"

#include <simdjson.h>

#include <cstring>

namespace sluice {

bool IsStorableText(std::string_view text, std::string* why) {
  if (std::memchr(text.data(), '\0', text.size()) != nullptr) {
    *why = "contains a NUL byte, which PostgreSQL text cannot hold";
    return false;
  }
  if (!simdjson::validate_utf8(text.data(), text.size())) {
    *why = "is not valid UTF-8";
    return false;
  }
  return true;
}

}  // namespace sluice
