#include "common/json_text.h"

#include <cstdio>

#include "common/utf8.h"

namespace pb {

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out->append(buf);
        } else if (c < 0x80) {
          out->push_back(static_cast<char>(c));
        } else if (char32_t cp = 0; size_t n = DecodeUtf8(s.substr(i), &cp)) {
          out->append(s.substr(i, n));
          i += n - 1;
        } else {
          out->append("\\ufffd");
        }
    }
  }
  out->push_back('"');
}

void JsonObject::Sep(std::string_view key) {
  if (!first_) out_->push_back(',');
  first_ = false;
  out_->push_back('"');
  out_->append(key);
  out_->append("\":");
}

std::string JsonStringArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out.push_back(',');
    AppendJsonString(&out, items[i]);
  }
  out.push_back(']');
  return out;
}

JsonObject& JsonObject::Str(std::string_view key, std::string_view value) {
  Sep(key);
  AppendJsonString(out_, value);
  return *this;
}

JsonObject& JsonObject::Int(std::string_view key, int64_t value) {
  Sep(key);
  out_->append(std::to_string(value));
  return *this;
}

JsonObject& JsonObject::UInt(std::string_view key, uint64_t value) {
  Sep(key);
  out_->append(std::to_string(value));
  return *this;
}

JsonObject& JsonObject::Bool(std::string_view key, bool value) {
  Sep(key);
  out_->append(value ? "true" : "false");
  return *this;
}

JsonObject& JsonObject::Raw(std::string_view key, std::string_view json) {
  Sep(key);
  out_->append(json);
  return *this;
}

std::string* JsonObject::Key(std::string_view key) {
  Sep(key);
  return out_;
}

}  // namespace pb
