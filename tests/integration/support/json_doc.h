// One JSON document printed by paymentsctl --json, for tests. Parsing lives
// in json_doc.cc so that the many tests which only read a few fields do not
// compile simdjson; a test that walks the document includes <simdjson.h>.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace simdjson::dom {
class element;
}  // namespace simdjson::dom

namespace pb::integration {

// Accessors give UINT64_MAX / "" / false / -1 when a field is absent or
// has another type.
class JsonDoc {
 public:
  explicit JsonDoc(const std::string& text);
  ~JsonDoc();
  JsonDoc(const JsonDoc&) = delete;
  JsonDoc& operator=(const JsonDoc&) = delete;

  bool ok() const;
  // True when the member `list` is an array.
  bool HasArray(std::string_view list) const;
  // The parsed document (valid while *this is). REQUIRES: ok().
  simdjson::dom::element root() const;
  uint64_t UInt(std::string_view key) const;
  std::string Str(std::string_view key) const;
  bool Bool(std::string_view key) const;
  double Number(std::string_view key) const;
  // The array member `list` of the document (every --json report is an
  // object; its lists are members such as "snapshots" or "keys"): the
  // string `key` of each of its objects that has one, in order.
  std::vector<std::string> Strings(std::string_view list, std::string_view key) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pb::integration
