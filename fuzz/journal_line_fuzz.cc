// Fuzz target: journal lines — each line of the input through the record
// parser (DecodeBody) and the chain check from the start of a journal; and
// the body reader that skips the JSON parser (common/flat_json.h) against
// simdjson: whatever it accepts, simdjson must read as the same members.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/flat_json.h"
#include "ledger/journal.h"
#include "ledger/record.h"

namespace {

void CheckFlatReaderAgrees(std::string_view body) {
  pb::FlatMember members[12];
  int n = pb::ScanFlatObject(body, members, 12);
  if (n < 0) return;
  static simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(std::string(body)).get_object().get(obj) != simdjson::SUCCESS) __builtin_trap();
  int i = 0;
  for (auto field : obj) {
    if (i == n || field.key != members[i].key) __builtin_trap();
    std::string_view text;
    uint64_t number;
    bool same = members[i].is_string
                    ? field.value.get_string().get(text) == simdjson::SUCCESS && text == members[i].text
                    : field.value.get_uint64().get(number) == simdjson::SUCCESS && number == members[i].number;
    if (!same) __builtin_trap();
    ++i;
  }
  if (i != n) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pb::ledger;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ChainPoint point;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    Record record;
    if (!CheckChainedLine(line, &point, &record).ok()) {
      (void)DecodeBody(line.size() > 65 ? line.substr(65) : line);
    }
    CheckFlatReaderAgrees(line.size() > 65 ? line.substr(65) : line);
  }
  return 0;
}
