#include "repo/json_fields.h"

namespace pb::repo {

Status JsonFields::Bad(std::string_view detail) const {
  return Status::Corruption(what_ + ": " + std::string(detail));
}

bool JsonFields::Has(std::string_view key) const {
  simdjson::dom::element e;
  return obj_[key].get(e) == simdjson::SUCCESS;
}

Status JsonFields::Get(std::string_view key, simdjson::dom::element* out) const {
  if (obj_[key].get(*out) != simdjson::SUCCESS) return Bad("field " + std::string(key) + " is missing");
  return Status::Ok();
}

Status JsonFields::Str(std::string_view key, std::string* out) const {
  simdjson::dom::element e;
  PB_RETURN_IF_ERROR(Get(key, &e));
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return Bad("field " + std::string(key) + " is not a string");
  out->assign(s);
  return Status::Ok();
}

Status JsonFields::OptStr(std::string_view key, std::string* out) const {
  return Has(key) ? Str(key, out) : Status::Ok();
}

Status JsonFields::UInt(std::string_view key, uint64_t* out) const {
  simdjson::dom::element e;
  PB_RETURN_IF_ERROR(Get(key, &e));
  if (e.get_uint64().get(*out) != simdjson::SUCCESS) {
    return Bad("field " + std::string(key) + " is not a non-negative integer");
  }
  return Status::Ok();
}

Status JsonFields::OptUInt(std::string_view key, uint64_t* out) const {
  return Has(key) ? UInt(key, out) : Status::Ok();
}

Status JsonFields::Int(std::string_view key, int64_t* out) const {
  simdjson::dom::element e;
  PB_RETURN_IF_ERROR(Get(key, &e));
  if (e.get_int64().get(*out) != simdjson::SUCCESS) return Bad("field " + std::string(key) + " is not an integer");
  return Status::Ok();
}

Status JsonFields::OptBool(std::string_view key, bool* out) const {
  if (!Has(key)) return Status::Ok();
  simdjson::dom::element e;
  PB_RETURN_IF_ERROR(Get(key, &e));
  if (e.get_bool().get(*out) != simdjson::SUCCESS) return Bad("field " + std::string(key) + " is not a boolean");
  return Status::Ok();
}

Status JsonFields::Hex(std::string_view key, Digest* out) const {
  std::string s;
  PB_RETURN_IF_ERROR(Str(key, &s));
  if (!FromHex(s, out)) return Bad("field " + std::string(key) + " is not 64 hex digits");
  return Status::Ok();
}

Status JsonFields::OptHex(std::string_view key, Digest* out, bool* present) const {
  *present = Has(key);
  return *present ? Hex(key, out) : Status::Ok();
}

Status JsonFields::Array(std::string_view key, simdjson::dom::array* out) const {
  simdjson::dom::element e;
  PB_RETURN_IF_ERROR(Get(key, &e));
  if (e.get_array().get(*out) != simdjson::SUCCESS) return Bad("field " + std::string(key) + " is not an array");
  return Status::Ok();
}

Status JsonFields::OptArray(std::string_view key, simdjson::dom::array* out, bool* present) const {
  *present = Has(key);
  return *present ? Array(key, out) : Status::Ok();
}

Status JsonFields::OptObject(std::string_view key, simdjson::dom::object* out, bool* present) const {
  *present = Has(key);
  if (!*present) return Status::Ok();
  simdjson::dom::element e;
  PB_RETURN_IF_ERROR(Get(key, &e));
  if (e.get_object().get(*out) != simdjson::SUCCESS) return Bad("field " + std::string(key) + " is not an object");
  return Status::Ok();
}

Result<simdjson::dom::object> ParseObject(simdjson::dom::parser& parser, std::string_view json,
                                          std::string_view what) {
  simdjson::dom::object obj;
  if (parser.parse(json.data(), json.size()).get_object().get(obj) != simdjson::SUCCESS) {
    return Status::Corruption(std::string(what) + " is not a JSON object");
  }
  return obj;
}

}  // namespace pb::repo
