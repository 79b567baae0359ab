// Fuzz target: a wal object's plaintext (header JSON line + journal records),
// sealed and read back with DecodeWalObject and the shipped-records check; the input also as an object name.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "repo/crypto.h"
#include "repo/repository.h"
#include "repo/wal.h"
#include "replicate/shipped_records.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pb::repo;
  static const MasterKey key = MasterKey::Generate();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)ParseWalName(text);
  (void)DecodeWalObject(key, SealFile(key, text), "", "fuzz", pb::replicate::CheckShippedRecords);
  return 0;
}
