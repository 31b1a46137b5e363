// Status and Result<T>: errors as values, with context added on the way up.
//
// g++ 12 has no std::expected, so Sluice carries its own. A Status is a code plus a message; each
// layer that returns an error may prepend what it was doing ("loading streams.csv: line 7: ...")
// so that the final message names the place and the reason without a stack trace.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sluice {

// What happened, so that callers (retry loops, the exit policy in cli/exit_policy.h) can act on
// it without reading messages. Only kUsage makes a command exit 2; every other failure exits 1.
enum class StatusCode {
  kOk = 0,
  // A flag, argument or configuration value that cannot be used as given (an unknown choice, a
  // number out of range, a malformed URL, a name the service forbids, a missing setting), found
  // by the checks a command makes before any work.
  kUsage,
  kInvalidArgument,  // input data Sluice cannot read as given: files, records, SQL text
  kNotFound,         // a bucket, key, queue, table or file that does not exist
  kAlreadyExists,
  kPermissionDenied,    // the server knows who we are and refuses (S3 AccessDenied, SQLSTATE 42501)
  kUnauthenticated,     // the server does not accept who we say we are (a bad key or password)
  kFailedPrecondition,  // the server refused the request as it stands; a retry will not help
  kIo,                  // files, sockets
  kUnavailable,         // a server that could not be reached or asked us to slow down; retry
  kDatabase,            // a database that answered with an error
  kInternal,
  kCancelled,  // stopped on purpose (a shutdown); not worth retrying
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message starts with `context: `.
  Status WithContext(std::string_view context) const;

  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status UsageError(std::string m) {
  return {StatusCode::kUsage, std::move(m)};
}
inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFound(std::string m) {
  return {StatusCode::kNotFound, std::move(m)};
}
inline Status IoError(std::string m) {
  return {StatusCode::kIo, std::move(m)};
}
inline Status Unavailable(std::string m) {
  return {StatusCode::kUnavailable, std::move(m)};
}
inline Status DatabaseError(std::string m) {
  return {StatusCode::kDatabase, std::move(m)};
}
inline Status Internal(std::string m) {
  return {StatusCode::kInternal, std::move(m)};
}
inline Status PermissionDenied(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}

// Ends the process with "sluice: internal error: <what>" on stderr: for a bug in Sluice (a name
// missing from a table the code itself declares), which must stop with a clear message rather
// than run on.
[[noreturn]] void DieOfBug(std::string_view what);
// DieOfBug for a Result's value taken while it holds an error, naming the error.
[[noreturn]] void DieOnBadAccess(const Status& status);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design, like expected
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  // The value; taken from an error, the process ends naming the error (DieOnBadAccess).
  T& value() & { return Checked(); }
  const T& value() const& { return Checked(); }
  T&& value() && { return std::move(Checked()); }
  T* operator->() { return &Checked(); }
  const T* operator->() const { return &Checked(); }
  T& operator*() & { return Checked(); }
  const T& operator*() const& { return Checked(); }

 private:
  T& Checked() {
    if (!value_) [[unlikely]]
      DieOnBadAccess(status_);
    return *value_;
  }
  const T& Checked() const {
    if (!value_) [[unlikely]]
      DieOnBadAccess(status_);
    return *value_;
  }

  Status status_;
  std::optional<T> value_;
};

}  // namespace sluice

#define SLUICE_CONCAT_INNER(a, b) a##b
#define SLUICE_CONCAT(a, b) SLUICE_CONCAT_INNER(a, b)

// Returns the status from the enclosing function when `expr` fails.
#define RETURN_IF_ERROR(expr)      \
  do {                             \
    ::sluice::Status _st = (expr); \
    if (!_st.ok()) return _st;     \
  } while (0)

// Like RETURN_IF_ERROR, but prefixes the message with `context` (anything fmt can format).
#define RETURN_IF_ERROR_CTX(expr, context)          \
  do {                                              \
    ::sluice::Status _st = (expr);                  \
    if (!_st.ok()) return _st.WithContext(context); \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

// `ASSIGN_OR_RETURN(auto x, MakeX());` declares x from a Result or returns its error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(SLUICE_CONCAT(_result_, __LINE__), lhs, expr)
