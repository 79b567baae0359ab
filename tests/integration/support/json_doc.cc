#include "support/json_doc.h"

#include <simdjson.h>

namespace pb::integration {

struct JsonDoc::Impl {
  simdjson::padded_string padded;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  bool ok = false;
};

JsonDoc::JsonDoc(const std::string& text) : impl_(std::make_unique<Impl>()) {
  impl_->padded = simdjson::padded_string(text);
  impl_->ok = impl_->parser.parse(impl_->padded).get(impl_->root) == simdjson::SUCCESS;
}

JsonDoc::~JsonDoc() = default;

bool JsonDoc::ok() const { return impl_->ok; }

bool JsonDoc::HasArray(std::string_view list) const {
  simdjson::dom::array items;
  return ok() && impl_->root[list].get_array().get(items) == simdjson::SUCCESS;
}

simdjson::dom::element JsonDoc::root() const { return impl_->root; }

uint64_t JsonDoc::UInt(std::string_view key) const {
  uint64_t v = 0;
  return ok() && impl_->root[key].get_uint64().get(v) == simdjson::SUCCESS ? v : UINT64_MAX;
}

std::string JsonDoc::Str(std::string_view key) const {
  std::string_view v;
  return ok() && impl_->root[key].get_string().get(v) == simdjson::SUCCESS ? std::string(v) : "";
}

bool JsonDoc::Bool(std::string_view key) const {
  bool v = false;
  return ok() && impl_->root[key].get_bool().get(v) == simdjson::SUCCESS && v;
}

double JsonDoc::Number(std::string_view key) const {
  double v = 0;
  return ok() && impl_->root[key].get_double().get(v) == simdjson::SUCCESS ? v : -1;
}

std::vector<std::string> JsonDoc::Strings(std::string_view list, std::string_view key) const {
  std::vector<std::string> out;
  simdjson::dom::array items;
  if (!ok() || impl_->root[list].get_array().get(items) != simdjson::SUCCESS) return out;
  for (auto item : items) {
    std::string_view v;
    if (item[key].get_string().get(v) == simdjson::SUCCESS) out.emplace_back(v);
  }
  return out;
}

}  // namespace pb::integration
