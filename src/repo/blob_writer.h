// repo/: storing new blobs — deduplication against the index, compression,
// sealing, packing into write-once pack files and writing index files for
// them (docs/repository-format.md, "Blobs and packs", "Index").
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "repo/buffer_pool.h"
#include "repo/index.h"
#include "repo/repository.h"

namespace pb::repo {

// Index files are written after this many packs (and at Flush).
inline constexpr size_t kPacksPerIndexFile = 64;

// Packs waiting for the writing threads; Store blocks when more are queued.
inline constexpr size_t kMaxQueuedPacks = 2;

// Threads writing packs: with a remote backend (S3) several uploads overlap.
inline constexpr int kPackWriters = 3;

// Thread-safe: any number of threads may call Store concurrently. Full packs
// are hashed and written by kPackWriters threads of their own, so storing
// goes on while packs are written (fsynced, uploaded). A pack is named in an
// index file only once its Write returned Ok, so an index never names a pack
// that is not durable. The repository's index must not change while a
// BlobWriter is in use.
class BlobWriter {
 public:
  // `level` is the zstd level for data blobs.
  BlobWriter(Repository* repo, int level);
  // Stops the writing threads; packs not yet written are dropped (the
  // repository stays valid: nothing refers to them).
  ~BlobWriter();
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;

  // Stores `plaintext` as blob `id` (REQUIRES: id = BlobId(plaintext)) unless
  // the repository or this writer already holds it. Returns true when the
  // blob was new. Errors of earlier pack writes are returned here too.
  Result<bool> Store(const Digest& id, BlobType type, std::string_view plaintext);

  // True if the index or this writer has the blob.
  bool Has(const Digest& id);

  // Writes the open pack and an index file for every pack not yet indexed.
  // After Flush returns Ok every stored blob is durable and indexed.
  Status Flush();

  uint64_t new_plain_bytes() const { return new_plain_bytes_; }
  uint64_t stored_bytes() const { return stored_bytes_; }

 private:
  struct FullPack {
    std::string bytes;
    std::vector<PackEntry> entries;
  };
  // Hands a finished pack to the writing threads (waits while the queue is full).
  Status Enqueue(FullPack pack);
  void WriteLoop();
  // Which packs waiting for an index file WriteIndex indexes: a batch of
  // kPacksPerIndexFile (none when fewer wait), or all of them (Flush).
  enum class IndexBatch { kFull, kAll };
  // Writes `pack` and queues its index entry; writes an index file when
  // kPacksPerIndexFile packs are waiting.
  Status WritePack(FullPack pack);
  Status WriteIndex(IndexBatch batch);

  Repository* repo_;
  int level_;
  // Where Store compresses and seals a blob before the pack takes a copy:
  // reused, never zeroed (one buffer per thread storing at once).
  BufferPool scratch_{4};
  std::mutex mu_;  // guards claimed_ and builder_
  std::unordered_set<Digest, DigestHash> claimed_;
  PackBuilder builder_;
  std::mutex index_mu_;  // guards unindexed_
  std::vector<IndexedPack> unindexed_;
  std::mutex queue_mu_;  // guards the write queue below
  std::condition_variable queue_cv_;
  std::deque<FullPack> queue_;
  int writing_ = 0;  // packs being written
  bool stopping_ = false;
  Status write_error_;
  std::vector<std::thread> writers_;
  std::atomic<uint64_t> new_plain_bytes_{0};
  std::atomic<uint64_t> stored_bytes_{0};
};

}  // namespace pb::repo
