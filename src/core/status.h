// Status and Result<T>: errors as values, with context added on the way up.
//
// g++ 12 has no std::expected, so Sluice carries its own. A Status is a code plus a message; each
// layer that returns an error may prepend what it was doing ("loading streams.csv: line 7: ...")
// so that the final message names the place and the reason without a stack trace.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace sluice {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad input from a user: flags, files, records
  kNotFound,
  kAlreadyExists,
  kIo,           // files, sockets
  kUnavailable,  // a server that could not be reached; worth retrying
  kDatabase,     // a server that answered with an error
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

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design, like expected
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
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
