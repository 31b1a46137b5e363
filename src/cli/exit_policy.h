// The exit statuses of every subcommand, so that scripts can tell outcomes apart, and the one
// policy that maps a failure to its status. docs/configuration.md ("Exit statuses") has the
// table of command x situation, pinned by tests/integration/exit_policy_test.cc.
#pragma once

#include "core/status.h"

namespace sluice {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the work failed: refused, unreachable, bad data
inline constexpr int kExitUsage = 2;    // bad flags, arguments or configuration; no work done
inline constexpr int kExitRejects = 3;  // the work was committed, but some records were rejected

// kExitUsage for StatusCode::kUsage (the checks a command makes before any work), else
// kExitFailure: a server's refusal (AccessDenied, NoSuchBucket, QueueDoesNotExist, a refused
// login), an unreachable server or unreadable input is a failure, whatever the command line.
int ExitCodeFor(const Status& status);

// Logs the failure's message as an error and returns ExitCodeFor(status).
int Fail(const Status& status);

// `status` as bad usage (kUsage), for a check of configuration a command makes before any work
// with a helper that also serves during work (reading the masking key file, telling a file's
// format from its name), whose own code says what went wrong but not when.
Status AsUsage(const Status& status);

}  // namespace sluice
