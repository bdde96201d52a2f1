// Status and StatusOr: the result of every fallible call in the project.
//
// Error codes are chosen by what the caller should do next:
//   kInvalidArgument, kNotFound, kConflict, kFailedPrecondition: the request is wrong; answer the
//     client (4xx) or compensate; retrying the same call cannot help.
//   kUnavailable: a dependency is down or busy; retry the call (with backoff).
//   kLocked: a file lock is held by another process (a WAL open elsewhere, a snapshot being
//     taken); wait for it, or use another.
//   kInternal: a bug or a broken environment (disk, corrupt data); stop and tell an operator.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace claims {

enum class StatusCode {
  kOk,
  kInvalidArgument,
  kNotFound,
  kConflict,
  kFailedPrecondition,
  kUnavailable,
  kLocked,
  kInternal,
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "CODE: message", for logs.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status Conflict(std::string m) { return {StatusCode::kConflict, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status Locked(std::string m) { return {StatusCode::kLocked, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// Either a value or a non-OK Status. Accessing value() of an error is a programming error.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (status_.ok()) status_ = Internal("StatusOr constructed from an OK status without value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& operator*() const& { return *value_; }
  T& operator*() & { return *value_; }
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace claims

#define CLAIMS_RETURN_IF_ERROR(expr)                                 \
  do {                                                               \
    ::claims::Status claims_returned_status = (expr);                \
    if (!claims_returned_status.ok()) return claims_returned_status; \
  } while (false)
