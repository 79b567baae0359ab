// repo/: reading the JSON of repository files (index, trees, snapshots,
// locks, config) with simdjson. Every accessor names the file kind and the
// field in its error, so a damaged file is reported precisely.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/sha256.h"
#include "common/status.h"

namespace pb::repo {

// Typed access to the fields of one JSON object. `what` names the object in
// messages ("snapshot abcd1234", "tree node 3"). Every getter returns
// Corruption "<what>: field <key> ..." when the field is missing (for the
// non-Opt variants) or has the wrong type; the Opt variants leave *out
// unchanged when the field is absent.
class JsonFields {
 public:
  JsonFields(simdjson::dom::object obj, std::string what) : obj_(obj), what_(std::move(what)) {}

  Status Str(std::string_view key, std::string* out) const;
  Status OptStr(std::string_view key, std::string* out) const;
  Status UInt(std::string_view key, uint64_t* out) const;
  Status OptUInt(std::string_view key, uint64_t* out) const;
  Status Int(std::string_view key, int64_t* out) const;
  Status OptBool(std::string_view key, bool* out) const;
  // A 64-hex-digit SHA-256 / blob id.
  Status Hex(std::string_view key, Digest* out) const;
  Status OptHex(std::string_view key, Digest* out, bool* present) const;
  Status Array(std::string_view key, simdjson::dom::array* out) const;
  Status OptArray(std::string_view key, simdjson::dom::array* out, bool* present) const;
  Status OptObject(std::string_view key, simdjson::dom::object* out, bool* present) const;
  bool Has(std::string_view key) const;

  // Corruption "<what>: <detail>".
  Status Bad(std::string_view detail) const;
  const std::string& what() const { return what_; }

 private:
  Status Get(std::string_view key, simdjson::dom::element* out) const;
  simdjson::dom::object obj_;
  std::string what_;
};

// Parses `json` as one object into `parser`'s document. Corruption naming
// `what` if it is not a JSON object.
Result<simdjson::dom::object> ParseObject(simdjson::dom::parser& parser, std::string_view json,
                                          std::string_view what);

}  // namespace pb::repo
