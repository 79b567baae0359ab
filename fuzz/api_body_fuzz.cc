// Fuzz target: a POST body as the API sees it — parsed as a request body
// (server/json_body.h: one object, no duplicate key at any depth), its string
// fields through the request validation (server/validate.h) and the money
// parser; the raw bytes also as a path segment and a page's query string.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/money.h"
#include "server/json_body.h"
#include "server/pagination.h"
#include "server/validate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pb;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)server::PercentDecode(text);
  (void)server::ParsePage(text);
  {
    server::RequestBody body;
    if (body.Parse(std::string(text), {"orchestrator_id", "amount", "reason", "duration_ms"}).ok()) {
      (void)body.Str("reason", false);
      (void)body.UInt("duration_ms");
    }
  }
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(text.data(), text.size()).get_object().get(obj) != simdjson::SUCCESS) return 0;
  for (auto field : obj) {
    std::string_view value;
    if (field.value.get_string().get(value) != simdjson::SUCCESS) continue;
    (void)server::CheckId(field.key, value);
    (void)server::CheckAddress(value);
    (void)server::CheckTxHash(value);
    (void)server::CheckReason(value);
    (void)ParseEth(value, Sign::kUnsigned);
    (void)ParseEth(value, Sign::kSigned);
  }
  return 0;
}
