// repo/: pack files — blobs written together into one write-once file with
// a sealed header at its end (docs/repository-format.md, "Blobs and packs").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/sha256.h"
#include "common/status.h"
#include "repo/crypto.h"

namespace pb::repo {

enum class BlobType : uint8_t { kData = 0, kTree = 1 };

// "data" / "tree", and back (false for anything else).
const char* BlobTypeName(BlobType type);
bool ParseBlobType(std::string_view name, BlobType* out);

// Plaintext limits per blob type (readers refuse larger blobs).
inline constexpr size_t kMaxDataBlob = size_t{8} << 20;
inline constexpr size_t kMaxTreeBlob = size_t{64} << 20;
size_t MaxBlobSize(BlobType type);

// A pack is closed once it holds at least this many bytes.
inline constexpr size_t kPackTargetBytes = size_t{16} << 20;
// Bytes per header entry: type, stored length, plaintext length, id.
inline constexpr size_t kPackEntryBytes = 1 + 4 + 4 + 32;

// One blob in a pack.
struct PackEntry {
  Digest id{};
  BlobType type = BlobType::kData;
  uint64_t offset = 0;        // of the stored blob in the pack
  uint32_t length = 0;        // stored (sealed) length
  uint32_t plain_length = 0;  // plaintext length
};

// Accumulates stored blobs into one pack. Not thread-safe; not copyable.
class PackBuilder {
 public:
  PackBuilder() = default;
  PackBuilder(const PackBuilder&) = delete;
  PackBuilder& operator=(const PackBuilder&) = delete;

  // Appends a stored blob (the sealed, compressed plaintext).
  void Add(const Digest& id, BlobType type, std::string_view stored, uint32_t plain_length);
  size_t bytes() const { return data_.size(); }
  bool empty() const { return entries_.empty(); }

  // Appends the sealed header and its length; returns the whole pack and its
  // entries (the builder is empty afterwards). REQUIRES: !empty().
  std::string Finish(const MasterKey& key, std::vector<PackEntry>* entries);

 private:
  std::string data_;
  std::vector<PackEntry> entries_;
};

// Reads the header at the end of a whole pack and checks it against the
// pack's size: Corruption (naming `what`) when the length field, the seal
// or the entry layout is damaged or the blobs do not fill the pack exactly.
Result<std::vector<PackEntry>> ReadPackHeader(const MasterKey& key, std::string_view pack, std::string_view what);

}  // namespace pb::repo
