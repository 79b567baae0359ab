// repo/: the index — which blob is stored in which pack, where
// (docs/repository-format.md, "Index"). In memory, one hash table over all
// index files; on disk, sealed JSON files under index/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/sha256.h"
#include "common/status.h"
#include "repo/pack.h"

namespace pb::repo {

struct DigestHash {
  size_t operator()(const Digest& d) const {
    size_t h;
    static_assert(sizeof(h) <= sizeof(Digest));
    __builtin_memcpy(&h, d.data(), sizeof(h));
    return h;
  }
};

// A pack and the blobs it holds, as one index file lists them.
struct IndexedPack {
  Digest pack{};
  std::vector<PackEntry> blobs;
};

// Where one blob is.
struct BlobLocation {
  uint32_t pack = 0;  // Index::PackName(pack)
  BlobType type = BlobType::kData;
  uint64_t offset = 0;
  uint32_t length = 0;
  uint32_t plain_length = 0;
};

// The union of index files. Not thread-safe for writers; concurrent Find
// calls are safe while nobody calls Add.
class Index {
 public:
  // Records the blobs of `pack`. A blob already known keeps its first location.
  void Add(const IndexedPack& pack);
  // nullptr if the blob is unknown.
  const BlobLocation* Find(const Digest& id) const;
  const Digest& PackName(uint32_t pack) const { return packs_[pack]; }
  size_t blob_count() const { return blobs_.size(); }
  size_t pack_count() const { return packs_.size(); }
  const std::unordered_map<Digest, BlobLocation, DigestHash>& blobs() const { return blobs_; }

 private:
  std::vector<Digest> packs_;
  std::unordered_map<Digest, uint32_t, DigestHash> pack_numbers_;
  std::unordered_map<Digest, BlobLocation, DigestHash> blobs_;
};

// The JSON of an index file listing `packs`.
std::string EncodeIndexFile(const std::vector<IndexedPack>& packs);
// Parses an index file; Corruption naming `what` and the field on any damage.
Result<std::vector<IndexedPack>> DecodeIndexFile(std::string_view json, std::string_view what);

}  // namespace pb::repo
