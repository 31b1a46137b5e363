// Where the reference data lives: ../shared beside the checkout, unless SLUICE_SHARED_DIR says.
#pragma once

#include <string>

namespace sluice::testing {

// The shared folder, or empty when it is not there (tests then skip, saying why).
std::string SharedDir();

inline constexpr const char* kNoSharedDirMessage =
    "reference data not found: put the shared folder beside the checkout as ../shared or set "
    "SLUICE_SHARED_DIR";

}  // namespace sluice::testing
