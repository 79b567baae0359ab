// backup/: the backup itself — walks the data directory in the consistent
// order, reuses what the parent snapshot already holds, chunks and stores
// the rest, builds the trees and writes the snapshot. archiver.cc runs the
// stages, one file each: walker (what to back up), parent_files and
// file_saver (one file's content), ledger_reader (the checkpoint group and
// the journal, read consistently), tree_builder, snapshot_assembly (totals
// and the snapshot).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backup/selection.h"
#include "common/status.h"
#include "repo/repository.h"

namespace pb::backup {

struct BackupOptions {
  std::string data_dir;  // absolute path
  // What the snapshot records as its host and data directory (and what the
  // parent is looked up by): this machine and data_dir when empty; a target
  // name and the host's path for a staging copy pulled over SSH.
  std::string host;
  std::string recorded_dir;
  BackupMode mode = BackupMode::kEssential;
  std::string env_file;  // absolute path of .env to include, or empty
  std::vector<std::string> tags;
  bool force_read = false;  // read every file whole, trust no parent metadata
  // The guards of CheckBackupSource (backup/source_check.h), off only on
  // the operator's word (--allow-empty, --allow-regression).
  bool allow_empty = false;
  bool allow_regression = false;
  int workers = 0;          // hashing/compression threads; 0 = one per CPU
  int zstd_level = 1;  // measured: faster and no larger than 3 on JSON-lines logs in 1 MiB blobs
};

struct BackupProgress {
  uint64_t bytes_total = 0;  // of the files found by the walk
  uint64_t bytes_done = 0;   // read, or known unchanged
  uint64_t files_total = 0;
  uint64_t files_done = 0;
};
using ProgressFn = std::function<void(const BackupProgress&)>;

struct BackupResult {
  std::string snapshot_id;
  repo::Snapshot snapshot;
  std::string parent_id;  // empty when there was none
  // How each file of the snapshot was saved: exactly one of the three, so
  // files_unchanged + files_grown + files_read == snapshot.stats.files (the
  // .env is none of them; a file read again because the checkpoint changed
  // counts once).
  uint64_t files_unchanged = 0;  // the parent's content, not read
  uint64_t files_grown = 0;      // an append-only log appended to: read from the start of its last chunk in the parent
  uint64_t files_read = 0;       // read whole (new, changed or grown, --force-read, or the checkpoint group)
  uint64_t bytes_read = 0;       // bytes read to be stored (a group read again counts again) = the two below
  uint64_t bytes_hashed = 0;     // read and compared with the parent's chunks of a file rewritten in place
  uint64_t bytes_chunked = 0;    // cut into chunks (hashed, compressed and stored if new)
};

// Backs up options.data_dir into `repo` and writes the snapshot. The parent
// is the newest snapshot of the same group (recorded host and data
// directory); before anything is read, CheckBackupSource must pass against
// it. The snapshot records the ledger's last seq and its chain hash. `progress`
// (may be empty) is called from this thread every ~200 ms.
// A file of the parent whose blobs are not all in the index is read again.
// REQUIRES: the caller holds a kAppend (or kExclusive) lock and loaded the index.
// Errors: NotFound / InvalidArgument for a missing or non-directory data
// dir, CheckBackupSource's refusals, IOError naming the file, Unavailable when the service's checkpoint
// kept changing; repository errors. A failed backup writes no snapshot; the
// packs it wrote are reused by the next backup or removed by prune.
Result<BackupResult> RunBackup(repo::Repository* repo, const BackupOptions& options, const ProgressFn& progress);

}  // namespace pb::backup
