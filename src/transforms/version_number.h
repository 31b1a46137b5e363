// Version numbers as ordered integers: "MAJOR[.MINOR[.PATCH]]" with parts 0..999 becomes
// MAJOR*1000000 + MINOR*1000 + PATCH, so versions sort and compare as numbers in SQL. The
// message schemas' version-to-integer conversion (message_schema.h) and the logins job's
// app_version use it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice {

// 1 to 3 dot-separated parts of 1 to 3 digits each; a missing part is 0 ("7" -> 7000000,
// "2.3" -> 2003000); leading zeros are accepted ("01.002.3" -> 1002003). On false, *error is
// "<field> is not MAJOR[.MINOR[.PATCH]] with parts 0..999: <what>", naming the part or byte at
// fault and never quoting the text, which may be anything a client sent.
bool EncodeVersionNumber(std::string_view text, std::string_view field, int32_t* out,
                         std::string* error);

// The inverse, for people reading a table: 2003000 -> "2.3.0".
std::string DecodeVersionNumber(int32_t value);

}  // namespace sluice
