// restore/: walking a snapshot's trees into the staging directory (see
// restorer.h): each directory is created (its owner, mode and time given at
// the end, deepest first), each symlink created with its owner and time, and
// each file created with its blobs queued for fetching
// (restore/blob_fetcher.h), which writes them (restore/file_writer.h).
// The files the ledger steps read (what an `essential` backup selects,
// backup/selection.h) are queued as they are walked; the others (the access
// log, docker.db: most of the bytes) are created then, but their blobs are
// queued after the walk (QueueDeferred), so the ledger steps can run while
// those are written.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "repo/repository.h"
#include "restore/blob_fetcher.h"
#include "restore/file_writer.h"
#include "restore/ownership.h"

namespace pb::restore {

// Not thread-safe: one thread walks. Every pointer outlives the walker.
class TreeWalker {
 public:
  // `tick` (may be empty) is called after each entry is created.
  TreeWalker(repo::Repository* repo, WriteContext* files, BlobFetcher* fetcher, OwnerPolicy* policy,
             std::function<void()> tick)
      : repo_(repo), files_(files), fetcher_(fetcher), policy_(policy), tick_(std::move(tick)) {}

  // Creates the entries of the tree `id` at `rel` below the staging
  // directory ("" for its root), recursively, and queues the blobs of the
  // files the ledger steps read, which are counted in ledger_files().
  // Errors: the repository's for a tree that is missing or damaged; IOError
  // naming the path (an entry that exists already included).
  Status Walk(const Digest& id, const std::string& rel);
  // After Walk: queues the blobs of the other files, calling `tick` after
  // each blob. Called once.
  void QueueDeferred();
  // The files whose blobs Walk queued: the ledger steps wait for them.
  FileGroup& ledger_files() { return ledger_files_; }
  // Once every file is finished: fsyncs each directory created and gives it
  // its owner, mode and mtime, deepest first, then fsyncs the staging
  // directory. IOError naming the path.
  Status ApplyDirMetadata();

  uint64_t files() const { return files_created_; }
  // Every path the walked trees list, relative to the staging directory.
  const std::unordered_set<std::string>& listed() const { return listed_; }

 private:
  struct DirMeta {
    std::string rel;
    uint32_t mode;
    int64_t mtime_ns;
    std::optional<repo::Owner> owner;
  };
  // A file whose blobs QueueDeferred queues.
  struct Deferred {
    std::shared_ptr<RestoredFile> file;
    std::vector<repo::ContentEntry> content;
  };
  Status StartFile(const repo::Node& node, const std::string& rel);
  // Whether QueueBlobs calls the progress tick once per queued blob (the
  // deferred files, queued after the walk) or not at all (during the walk).
  enum class TickPerBlob { kNo, kYes };
  // Queues the blobs `content` of `file`, then AllPlaced.
  void QueueBlobs(const std::shared_ptr<RestoredFile>& file, const std::vector<repo::ContentEntry>& content,
                  TickPerBlob tick);

  repo::Repository* repo_;
  WriteContext* files_;
  BlobFetcher* fetcher_;
  OwnerPolicy* policy_;
  std::function<void()> tick_;
  std::vector<DirMeta> dirs_;
  FileGroup ledger_files_;
  std::vector<Deferred> deferred_;  // each holds an open file: at most kMaxDeferredFiles
  std::unordered_set<std::string> listed_;
  uint64_t files_created_ = 0;
};

}  // namespace pb::restore
