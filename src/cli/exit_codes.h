// Exit statuses shared by every subcommand, so scripts can tell outcomes apart.
#pragma once

namespace sluice {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the work failed; nothing was committed
inline constexpr int kExitUsage = 2;    // bad flags or arguments
inline constexpr int kExitRejects = 3;  // the work was committed, but some records were rejected

}  // namespace sluice
