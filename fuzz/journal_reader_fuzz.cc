// Fuzz target: the journal reader on a segment holding the input (read-only,
// then cutting a torn last record).
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "ledger/journal.h"
#include "support/scratch_dir.h"

const pb::fuzz::ScratchDir scratch("pb-fuzz-journal");

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pb::ledger;
  const std::string path = SegmentPath(scratch.path, 1);
  for (OnTornTail on_torn : {OnTornTail::kReport, OnTornTail::kCut}) {
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    (void)ReadJournal(scratch.path, ChainPoint{}, on_torn,
                      [](const Record&, std::string_view) { return pb::Status::Ok(); });
  }
  return 0;
}
