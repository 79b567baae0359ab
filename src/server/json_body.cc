#include "server/json_body.h"

#include <algorithm>
#include <vector>

namespace pb::server {
namespace {

// `outer` (a key or "[i]") followed by the path `inner` below it.
std::string Nest(std::string outer, const std::string& inner) {
  return outer + (inner[0] == '[' ? "" : ".") + inner;
}

// The first key that appears twice in one object within `e`, as a path from
// `e` ("amount", "meta.note", "[2].id"), or nullopt. Built only on the way
// out of a failure, so a deep body costs no path strings.
std::optional<std::string> DuplicateKey(simdjson::dom::element e) {
  simdjson::dom::object object;
  simdjson::dom::array array;
  if (e.get_object().get(object) == simdjson::SUCCESS) {
    std::vector<std::string_view> keys;
    keys.reserve(object.size());
    for (auto field : object) keys.push_back(field.key);
    std::sort(keys.begin(), keys.end());
    if (auto twice = std::adjacent_find(keys.begin(), keys.end()); twice != keys.end()) {
      return std::string(twice->substr(0, 64));
    }
    for (auto field : object) {
      if (auto inner = DuplicateKey(field.value)) return Nest(std::string(field.key.substr(0, 64)), *inner);
    }
  } else if (e.get_array().get(array) == simdjson::SUCCESS) {
    size_t i = 0;
    for (auto item : array) {
      if (auto inner = DuplicateKey(item)) return Nest("[" + std::to_string(i) + "]", *inner);
      ++i;
    }
  }
  return std::nullopt;
}

}  // namespace

Status RequestBody::Parse(const std::string& text, std::initializer_list<std::string_view> allowed) {
  simdjson::dom::element root;
  const auto error = parser_.parse(text).get(root);
  if (error == simdjson::UTF8_ERROR) return Status::InvalidArgument("body is not valid UTF-8");
  if (error != simdjson::SUCCESS) {
    return Status::InvalidArgument(std::string("body is not valid JSON: ") +
                                   simdjson::error_message(error));
  }
  if (root.get_object().get(obj_) != simdjson::SUCCESS) return Status::InvalidArgument("body must be a JSON object");
  if (auto key = DuplicateKey(root)) {
    return Status::InvalidArgument("duplicate key '" + *key + "' in the body: each key may appear only once");
  }
  for (auto field : obj_) {
    if (std::find(allowed.begin(), allowed.end(), field.key) == allowed.end()) {
      return Status::InvalidArgument("unknown field '" + std::string(field.key.substr(0, 64)) + "'");
    }
  }
  return Status::Ok();
}

Result<std::optional<std::string>> RequestBody::Str(std::string_view key, bool required) {
  simdjson::dom::element e;
  if (obj_[key].get(e) != simdjson::SUCCESS) {
    if (!required) return std::optional<std::string>();
    return Status::InvalidArgument("field '" + std::string(key) + "' is required");
  }
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) {
    return Status::InvalidArgument("field '" + std::string(key) + "' must be a string");
  }
  return std::optional<std::string>(std::string(s));
}

Result<std::optional<uint64_t>> RequestBody::UInt(std::string_view key) {
  simdjson::dom::element e;
  if (obj_[key].get(e) != simdjson::SUCCESS || e.is_null()) return std::optional<uint64_t>();
  uint64_t v;
  if (e.get_uint64().get(v) != simdjson::SUCCESS || v > (1ull << 53)) {
    return Status::InvalidArgument("field '" + std::string(key) + "' must be a non-negative integer");
  }
  return std::optional<uint64_t>(v);
}

}  // namespace pb::server
