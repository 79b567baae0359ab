// Fuzz target: a pack header's plaintext. The first two bytes give the size
// of the blob area; the rest is sealed as the header, the way PackBuilder
// lays out a pack, and read back with ReadPackHeader.
#include <cstddef>
#include <cstdint>
#include <string>

#include "repo/crypto.h"
#include "repo/pack.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pb::repo;
  if (size < 2) return 0;
  static const MasterKey key = MasterKey::Generate();
  size_t blobs = size_t{data[0]} | size_t{data[1]} << 8;
  std::string header = Seal(key, std::string_view(reinterpret_cast<const char*>(data) + 2, size - 2));
  std::string pack(blobs, 'b');
  pack += header;
  for (int i = 0; i < 4; ++i) pack.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  (void)ReadPackHeader(key, pack, "fuzz");
  return 0;
}
