#include "core/status.h"

#include <cstdio>
#include <cstdlib>

#include "core/secrets.h"

namespace sluice {

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kUsage:
      return "bad usage";
    case StatusCode::kInvalidArgument:
      return "invalid argument";
    case StatusCode::kPermissionDenied:
      return "permission denied";
    case StatusCode::kUnauthenticated:
      return "unauthenticated";
    case StatusCode::kFailedPrecondition:
      return "failed precondition";
    case StatusCode::kNotFound:
      return "not found";
    case StatusCode::kAlreadyExists:
      return "already exists";
    case StatusCode::kIo:
      return "i/o error";
    case StatusCode::kUnavailable:
      return "unavailable";
    case StatusCode::kDatabase:
      return "database error";
    case StatusCode::kCancelled:
      return "cancelled";
    case StatusCode::kInternal:
      return "internal error";
  }
  return "unknown";
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string m(context);
  m += ": ";
  m += message_;
  return {code_, std::move(m)};
}

void DieOfBug(std::string_view what) {
  // Plain stdio: the logger may be what failed. Redacted, as every line Sluice prints is.
  std::fprintf(stderr, "sluice: internal error: %s\n", Redact(what).c_str());
  std::abort();
}

void DieOnBadAccess(const Status& status) {
  DieOfBug(std::string("a result was used although it failed (") + StatusCodeName(status.code()) +
           "): " + status.message());
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return message_;
}

}  // namespace sluice
