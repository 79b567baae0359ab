// restore/: writing the restored files into the staging directory (like
// restic's fileswriter.go). A file is created at its final size, then its
// blobs are written at their offsets in whatever order the fetching workers
// (restore/blob_fetcher.h) hand them in; after its last blob it is fsynced,
// given its owner, mode and mtime, and closed. A blob is written from the
// buffer it was decoded into: one copy, into the page cache. What went
// wrong is collected as Status values in one WriteOutcome.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/status.h"
#include "repo/buffer_pool.h"
#include "repo/tree.h"

namespace pb::restore {

// Decoded blobs of one file waiting for its writer; a worker that would
// exceed this waits (writing is then the bottleneck), which bounds memory.
inline constexpr size_t kMaxQueuedWrites = 4;

// What writing a restore's files came to. Thread-safe.
class WriteOutcome {
 public:
  // The file `rel` cannot be restored: `why` is the error reading one of its
  // blobs (missing, damaged, or of another length than its tree gives).
  void Damaged(const std::string& rel, const Status& why);
  // An I/O error writing or finishing a file; the first one is kept.
  void Failed(const Status& error);
  // The restore's outcome once every file is finished and the walk returned
  // `walked`: Corruption listing the damaged files (sorted, at most 20, each
  // "<file>: <why>") when there are any, else `walked` when it failed, else
  // the first I/O error, else Ok.
  Status Verdict(const Status& walked) const;

 private:
  mutable std::mutex mu_;
  std::vector<std::string> damaged_;  // "<file>: <why>"
  Status first_error_;
};

// Files that must all be finished before a step may read them (the ledger
// steps, restore/ledger_finish.h, while the other files are still being
// written). Thread-safe.
class FileGroup {
 public:
  void Add();       // a file of the group was created
  void Finished();  // ... and finished (written and given its metadata, or reported damaged)
  // Returns once every file added has finished.
  void Wait();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t open_ = 0;  // guarded by mu_
};

// The staging directory the files are written in, and where their writing
// reports. Outlives every RestoredFile.
struct WriteContext {
  int root_fd = -1;   // the staging directory, open
  std::string root;   // its path, for messages
  WriteOutcome outcome;
  std::atomic<uint64_t> bytes_done{0};  // of the files' sizes: holes, and blobs once written
  std::string Path(const std::string& rel) const { return rel.empty() ? root : root + "/" + rel; }
};

// One file being restored. One fetching worker at a time writes it (the
// writer); the others queue their blob and go back to fetching, rather than
// wait on the inode lock. Not copyable.
class RestoredFile {
 public:
  // Creates `rel` below ctx->root_fd (never following a symlink, failing if
  // it exists) with node.size bytes, all holes, and counts node's holes in
  // ctx->bytes_done. The file expects a Place for each blob of node.content,
  // then AllPlaced. With a `group`, the file is added to it, and reported
  // finished once it is. IOError naming the path.
  static Result<std::shared_ptr<RestoredFile>> Create(WriteContext* ctx, const std::string& rel,
                                                      const repo::Node& node, std::optional<repo::Owner> owner,
                                                      FileGroup* group);
  RestoredFile(const RestoredFile&) = delete;
  RestoredFile& operator=(const RestoredFile&) = delete;

  // Hands in the blob for the file's bytes from `offset`: its bytes, or
  // why it cannot be had (the file is then reported damaged, and never
  // given its metadata). Waits while 4 blobs of this file wait for its
  // writer, which bounds memory. The call that hands in the last blob (or
  // AllPlaced) finishes the file.
  void Place(uint64_t offset, Result<repo::PooledBuffer> data);
  // Called once Place has been called, or queued to be called, for every
  // blob (for a file without blobs: at once).
  void AllPlaced() { Done(); }

 private:
  struct PendingWrite {
    uint64_t offset = 0;
    repo::PooledBuffer data;
  };
  RestoredFile(WriteContext* ctx, std::string rel, ScopedFd fd) : ctx_(ctx), rel_(std::move(rel)), fd_(std::move(fd)) {}
  // Queues the blob; becomes the writer when there is none and writes until
  // the queue is empty. Each written blob counts as Done.
  void Write(uint64_t offset, repo::PooledBuffer data);
  void Done();
  // fsync and metadata, or the file reported damaged; closes it.
  void Finish();

  WriteContext* ctx_;
  const std::string rel_;
  ScopedFd fd_;
  uint32_t mode_ = 0;
  int64_t mtime_ns_ = 0;
  std::optional<repo::Owner> owner_;  // OwnerPolicy::For
  FileGroup* group_ = nullptr;        // or none
  std::atomic<size_t> pending_{0};    // blobs not yet written or failed, +1 until AllPlaced
  std::mutex mu_;
  std::condition_variable writes_cv_;
  std::deque<PendingWrite> writes_;  // guarded by mu_
  bool writing_ = false;             // guarded by mu_: a worker is draining writes_
  Status error_;                     // guarded by mu_: why the first unusable blob is unusable
};

}  // namespace pb::restore
