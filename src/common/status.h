// common/: small helpers every other folder uses — error values, files, money,
// JSON text, time, hashing, child processes and logging. Nothing here knows
// about payments.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace pb {

// Status is an error value with a kind and an operator-facing message.
// The message says what went wrong and, where possible, what to do next.
class Status {
 public:
  enum class Kind { kOk, kInvalidArgument, kNotFound, kConflict, kCorruption, kIOError, kUnavailable };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) { return Status(Kind::kInvalidArgument, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(Kind::kNotFound, std::move(msg)); }
  static Status Conflict(std::string msg) { return Status(Kind::kConflict, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Kind::kCorruption, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Kind::kIOError, std::move(msg)); }
  static Status Unavailable(std::string msg) { return Status(Kind::kUnavailable, std::move(msg)); }
  // IOError whose message ends with strerror(errno_value).
  static Status FromErrno(const std::string& what, int errno_value);

  bool ok() const { return kind_ == Kind::kOk; }
  Kind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  // "corruption: <message>" style text for logs and CLI output.
  std::string ToString() const;
  static const char* KindName(Kind kind);

 private:
  Status(Kind kind, std::string msg) : kind_(kind), message_(std::move(msg)) {}
  Kind kind_ = Kind::kOk;
  std::string message_;
};

// Result<T> holds either a value or a non-ok Status.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}                 // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}          // NOLINT: REQUIRES !status.ok()
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace pb

// Returns early from the enclosing function when a Status is not ok.
#define PB_RETURN_IF_ERROR(expr)          \
  do {                                    \
    ::pb::Status _st = (expr);            \
    if (!_st.ok()) return _st;            \
  } while (0)

// Evaluates `expr` (a Result<T>) once; on error returns its Status from the
// enclosing function (which returns a Status or any Result<U>), otherwise
// moves the value into `lhs`, which may declare a variable:
//   PB_ASSIGN_OR_RETURN(auto segments, ListSegments(dir));
// A statement, not an expression: not inside a bare if/else without braces.
#define PB_ASSIGN_OR_RETURN(lhs, expr) PB_ASSIGN_OR_RETURN_IMPL_(PB_CONCAT_(_pb_result_, __LINE__), lhs, expr)
#define PB_CONCAT_INNER_(a, b) a##b
#define PB_CONCAT_(a, b) PB_CONCAT_INNER_(a, b)
#define PB_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
