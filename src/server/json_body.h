#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "common/status.h"

namespace pb::server {

// A POST body as the API reads it: one JSON object whose keys all belong to
// the route, read through typed accessors. Single use: Parse, then read.
class RequestBody {
 public:
  // InvalidArgument, naming what is wrong, when `text` is not valid UTF-8,
  // not one JSON object, when any object in it (nested ones and those inside
  // arrays included) has a key more than once — keys compared as unescaped
  // bytes, so "a" and "\u0061" are the same key and "a" and "A" are not —
  // or when a top-level key is not in `allowed`.
  Status Parse(const std::string& text, std::initializer_list<std::string_view> allowed);

  // The string field `key`; nullopt when absent and not `required`.
  Result<std::optional<std::string>> Str(std::string_view key, bool required = true);
  // The optional integer field `key` (0..2^53); nullopt when absent or null.
  Result<std::optional<uint64_t>> UInt(std::string_view key);

 private:
  simdjson::dom::parser parser_;
  simdjson::dom::object obj_;
};

}  // namespace pb::server
