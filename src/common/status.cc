#include "common/status.h"

#include <cstring>

namespace pb {

Status Status::FromErrno(const std::string& what, int errno_value) {
  return IOError(what + ": " + std::strerror(errno_value));
}

const char* Status::KindName(Kind kind) {
  switch (kind) {
    case Kind::kOk: return "ok";
    case Kind::kInvalidArgument: return "invalid argument";
    case Kind::kNotFound: return "not found";
    case Kind::kConflict: return "conflict";
    case Kind::kCorruption: return "corruption";
    case Kind::kIOError: return "I/O error";
    case Kind::kUnavailable: return "unavailable";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(KindName(kind_)) + ": " + message_;
}

}  // namespace pb
