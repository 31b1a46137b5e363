#include "cli/exit_policy.h"

#include "core/log.h"

namespace sluice {

int ExitCodeFor(const Status& status) {
  if (status.ok()) return kExitOk;
  return status.code() == StatusCode::kUsage ? kExitUsage : kExitFailure;
}

Status AsUsage(const Status& status) {
  return status.ok() ? status : UsageError(status.message());
}

int Fail(const Status& status) {
  const int code = ExitCodeFor(status);
  LogEvent(LogLevel::kError, "failed",
           {{"error_code", StatusCodeName(status.code())}, {"exit_code", code}}, "{}",
           status.message());
  return code;
}

}  // namespace sluice
