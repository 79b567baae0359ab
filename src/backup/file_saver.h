// backup/: saving one regular file — reusing the parent snapshot's content
// when the file is unchanged, or only the chunks before its last one when
// it is an append-only log that was appended to; otherwise reading it,
// cutting chunks (only where it changed, when the parent holds it) and
// handing them to the chunk pipeline, with the file's holes recorded as holes.
// (restic's file_saver.)
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <deque>
#include <string>

#include "backup/chunk_pipeline.h"
#include "backup/progress_meter.h"
#include "common/sha256.h"
#include "common/status.h"
#include "repo/chunker.h"
#include "repo/tree.h"

namespace pb::backup {

enum class ReadKind {
  kPlain,       // may be rewritten anywhere
  kAppendOnly,  // an append-only log (ledger::IsAppendOnlyLog), saved whole
  kLog,         // an append-only log saved up to the end of its last complete line
};

// How a file's content was obtained. Exactly one per saved file, so the
// counts of BackupResult add up to the snapshot's file count.
enum class SavedAs {
  kUnchanged,  // the parent's content, nothing read
  kAppended,   // an append-only log: the parent's content but its last chunk, read from there on
  kReadWhole,  // read from its first byte
};

// A regular file being saved. The content stays a deque until the pipeline
// is drained: its workers write into the entries, which push_back never moves.
struct FileState {
  repo::Node node;
  std::deque<repo::ContentEntry> content;
  SavedAs saved_as = SavedAs::kReadWhole;
};

class FileSaver {
 public:
  // Every pointer must outlive the saver. `force_read`: never reuse the
  // parent's content.
  FileSaver(const repo::MasterKey& key, repo::Chunker chunker, ChunkPipeline* pipeline, ProgressMeter* progress,
            bool force_read);

  // Replaces *fs with the file at absolute path `abs` (named by its base
  // name), whose content in the parent snapshot is `parent` (may be null).
  // The parent's content is reused when the file has the parent's inode
  // and `hash` is null: all of it when size, mtime and ctime are the
  // parent's; all but its last chunk when `kind` is not kPlain (an
  // append-only log: only its new bytes can differ), the file grew and its
  // first and last chunks still hash to their blob ids (which a log cut
  // back and written again, or replaced, no longer does). A kPlain file
  // that grew may have changed anywhere. Otherwise, when it has the
  // parent's inode and `hash` is null (a file rewritten in place, as SQLite
  // does), each of the parent's chunk ranges is read and hashed: a range
  // that still hashes to its blob id is reused, the others (and what lies
  // past the parent's last chunk) are chunked and stored; the file then
  // counts as read whole. `hash` (may be null) gets the
  // SHA-256 of every byte saved. The content entries are final only after
  // Drain. NotFound "<abs> disappeared during the backup" when it is gone;
  // InvalidArgument when it is no longer a regular file; IOError naming it.
  Status Save(const std::string& abs, const repo::Node* parent, ReadKind kind, Sha256* hash, FileState* fs);
  // Replaces *fs with `text` as the whole content of the file named `name`
  // whose stat (taken after `text` was read) is `st`.
  Status SaveText(const std::string& name, const struct stat& st, const std::string& text, FileState* fs);
  // Waits until the content entries of every file saved so far are final;
  // the pipeline's first error, if any.
  Status Drain() { return pipeline_->Drain(); }
  // Bytes read from the files saved so far (a file saved twice counts
  // twice): bytes_hashed() + bytes_chunked().
  uint64_t bytes_read() const { return bytes_hashed_ + bytes_chunked_; }
  // Bytes read and hashed to be compared with the parent's chunks (of files
  // rewritten in place); a chunk that no longer matches is then chunked
  // too, and counts in both.
  uint64_t bytes_hashed() const { return bytes_hashed_; }
  // Bytes cut into chunks and handed to the pipeline (hashed, compressed
  // and stored if new).
  uint64_t bytes_chunked() const { return bytes_chunked_; }

 private:
  // Whether the parent's chunks of a grown append-only log still match it:
  // its first and last chunks are read again and hashed.
  Result<bool> PrefixUnchanged(int fd, const std::string& abs, const repo::Node& parent);
  // How much of `parent` *fs reuses (see Save); the offset to read from.
  Result<uint64_t> Reuse(int fd, const std::string& abs, const repo::Node* parent, ReadKind kind, Sha256* hash,
                         FileState* fs);
  // Saves bytes [0, end) of `fd`, rewritten in place since `parent`: see
  // Save.
  Status SaveInPlace(int fd, const std::string& abs, const repo::Node& parent, uint64_t end, uint64_t allocated,
                     FileState* fs);
  // Whether bytes [offset, offset + e.length) of `fd` still hash to e.blob
  // (false for a hole: it is chunked again, which finds holes cheaply).
  Result<bool> ChunkUnchanged(int fd, const std::string& abs, uint64_t offset, const repo::ContentEntry& e);
  // Saves bytes [begin, end) of `fd`: chunks of its data, holes for the
  // rest. `allocated` is the file's allocated bytes (st_blocks * 512).
  Status StoreRange(int fd, const std::string& abs, uint64_t begin, uint64_t end, uint64_t allocated, FileState* fs,
                    Sha256* hash);
  // Chunks [ext_begin, ext_end) of `fd`, which holds data.
  Status StoreExtent(int fd, const std::string& abs, uint64_t ext_begin, uint64_t ext_end, FileState* fs,
                     Sha256* hash);
  void StoreHole(uint64_t length, FileState* fs, Sha256* hash);
  Status Emit(repo::PooledBuffer chunk, FileState* fs);

  const repo::MasterKey& key_;
  repo::Chunker chunker_;
  ChunkPipeline* pipeline_;
  ProgressMeter* progress_;
  const bool force_read_;
  std::string compare_buf_;
  uint64_t bytes_hashed_ = 0;
  uint64_t bytes_chunked_ = 0;
};

}  // namespace pb::backup
