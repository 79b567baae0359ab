// repo/: storing new blobs — deduplication against the index, compression,
// sealing, packing into write-once pack files and writing index files for
// them (docs/repository-format.md, "Blobs and packs", "Index").
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "repo/index.h"
#include "repo/repository.h"

namespace pb::repo {

// Index files are written after this many packs (and at Flush).
inline constexpr size_t kPacksPerIndexFile = 64;

// Thread-safe: any number of threads may call Store concurrently. The
// repository's index must not change while a BlobWriter is in use.
class BlobWriter {
 public:
  // `level` is the zstd level for data blobs.
  BlobWriter(Repository* repo, int level) : repo_(repo), level_(level) {}
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;

  // Stores `plaintext` as blob `id` (REQUIRES: id = BlobId(plaintext)) unless
  // the repository or this writer already holds it. Returns true when the
  // blob was new. A full pack is written before Store returns.
  Result<bool> Store(const Digest& id, BlobType type, std::string_view plaintext);

  // True if the index or this writer has the blob.
  bool Has(const Digest& id);

  // Writes the open pack and an index file for every pack not yet indexed.
  // After Flush returns Ok every stored blob is durable and indexed.
  Status Flush();

  uint64_t new_plain_bytes() const { return new_plain_bytes_; }
  uint64_t stored_bytes() const { return stored_bytes_; }

 private:
  // Writes `pack` and queues its index entry; writes an index file when
  // kPacksPerIndexFile packs are waiting (or `force` and any are).
  Status WritePack(std::string pack, std::vector<PackEntry> entries);
  Status WriteIndex(bool force);

  Repository* repo_;
  int level_;
  std::mutex mu_;  // guards claimed_ and builder_
  std::unordered_set<Digest, DigestHash> claimed_;
  PackBuilder builder_;
  std::mutex index_mu_;  // guards unindexed_
  std::vector<IndexedPack> unindexed_;
  std::atomic<uint64_t> new_plain_bytes_{0};
  std::atomic<uint64_t> stored_bytes_{0};
};

}  // namespace pb::repo
