// Fuzz target: journal lines — each line of the input through the record
// parser (DecodeBody) and the chain check from the start of a journal.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ledger/journal.h"
#include "ledger/record.h"

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
  }
  return 0;
}
