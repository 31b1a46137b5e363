// Whether a string can be stored as PostgreSQL text: valid UTF-8 and no NUL byte. A value that
// is not would fail a whole COPY, so it is caught per record, where it can be rejected alone.
#pragma once

#include <string>
#include <string_view>

namespace sluice {

// Returns true, or false with the reason in `why` ("is not valid UTF-8", "contains a NUL byte").
bool IsStorableText(std::string_view text, std::string* why);

}  // namespace sluice
