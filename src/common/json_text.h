// Writing JSON text by hand into a std::string (hot paths: journal records,
// responses, checkpoints). Parsing uses simdjson directly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pb {

// Appends `s` as a quoted JSON string, escaping quotes, backslashes and
// control characters. Well-formed UTF-8 is copied as it is; a byte that is
// not part of one becomes \ufffd, so the text is always valid JSON (an id
// from a URL path may hold any byte).
void AppendJsonString(std::string* out, std::string_view s);

// A JSON array of the strings `items` (each as AppendJsonString writes it).
std::string JsonStringArray(const std::vector<std::string>& items);

// Builds one JSON object: JsonObject(&out).Str("a", "x").Int("n", 1).Close().
// Keys are written as given (callers use literal, safe keys).
class JsonObject {
 public:
  explicit JsonObject(std::string* out) : out_(out) { out_->push_back('{'); }
  JsonObject& Str(std::string_view key, std::string_view value);
  JsonObject& Int(std::string_view key, int64_t value);
  JsonObject& UInt(std::string_view key, uint64_t value);
  JsonObject& Bool(std::string_view key, bool value);
  // Appends already-serialized JSON (an object, array, number...).
  JsonObject& Raw(std::string_view key, std::string_view json);
  // Opens a key whose value the caller appends next to *out.
  std::string* Key(std::string_view key);
  void Close() { out_->push_back('}'); }

 private:
  void Sep(std::string_view key);
  std::string* out_;
  bool first_ = true;
};

}  // namespace pb
