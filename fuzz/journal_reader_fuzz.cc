// Fuzz target: the journal reader on a segment holding the input (read-only,
// then with the repair of a torn last record).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "ledger/journal.h"

namespace {

// A journal directory of this process, removed at exit. In memory (/dev/shm)
// where there is one: rewriting a file on a disk file system is ~100 times slower.
std::filesystem::path ScratchBase() {
  std::error_code ec;
  return std::filesystem::is_directory("/dev/shm", ec) ? std::filesystem::path("/dev/shm")
                                                        : std::filesystem::temp_directory_path();
}
struct ScratchDir {
  ScratchDir() : path((ScratchBase() / ("pb-fuzz-journal-" + std::to_string(::getpid()))).string()) {
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
  const std::string path;
};
const ScratchDir scratch;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pb::ledger;
  const std::string path = SegmentPath(scratch.path, 1);
  for (bool repair : {false, true}) {
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    (void)ReadJournal(scratch.path, ChainPoint{}, repair, [](const Record&, std::string_view) { return pb::Status::Ok(); });
  }
  return 0;
}
