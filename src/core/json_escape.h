// Appends a string to a JSON document as a quoted, escaped JSON string.
#pragma once

#include <string>
#include <string_view>

namespace sluice {

void AppendJsonString(std::string& out, std::string_view value);

}  // namespace sluice
