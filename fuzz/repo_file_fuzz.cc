// Fuzz targets: the plaintext of a repository file (after decryption; a key
// file is plain JSON on disk) through its parser. One executable per parser:
// CMakeLists.txt sets PB_FUZZ_PARSER to one of the functions below.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "repo/crypto.h"
#include "repo/index.h"
#include "repo/repository.h"
#include "repo/snapshot.h"
#include "repo/tree.h"

namespace {

// Only one of these is used per executable.
[[maybe_unused]] void Snapshot(std::string_view text) { (void)pb::repo::DecodeSnapshot(text, "fuzz"); }
[[maybe_unused]] void Index(std::string_view text) { (void)pb::repo::DecodeIndexFile(text, "fuzz"); }
[[maybe_unused]] void Tree(std::string_view text) { (void)pb::repo::DecodeTree(text, "fuzz"); }
[[maybe_unused]] void Config(std::string_view text) { (void)pb::repo::DecodeConfig(text); }
[[maybe_unused]] void KeyFile(std::string_view text) { (void)pb::repo::DecodeKeyFile(text, "fuzz password"); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  PB_FUZZ_PARSER(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
