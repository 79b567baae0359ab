// restore/: restoring a snapshot into a directory — into a staging
// directory on the target's file system first (restore/placement.h), every
// blob checked against its id, owners and modes as recorded
// (restore/ownership.h), the ledger cut back in time on request
// (restore/at_time.h) and verified, then put in place, so the target is
// either untouched or complete.
// The stages: the trees are walked (restore/tree_walker.h) while workers
// fetch the files' blobs (restore/blob_fetcher.h) and write them
// (restore/file_writer.h); once the files the ledger reads are written, the
// ledger is finished (restore/ledger_finish.h) on a thread of its own while
// the other files are; then the .env is written and the staged directory
// put in place.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "repo/repository.h"
#include "restore/wal_replay.h"

namespace pb::restore {

struct RestoreOptions {
  std::string target;  // absolute path of the directory to create or replace
  bool force = false;  // a non-empty target is moved aside (never deleted)
  // The ledger as of this time, whatever snapshot of the data directory is
  // given (ChooseSourceAt picks the one restored; CheckReachedAt refuses a
  // time that cannot be reached exactly).
  std::optional<int64_t> at_ms;
  std::string env_to;  // where to write the snapshot's .env, or empty
  // Extend the journal with the records shipped after the snapshot
  // (ReplayWal) before the verify; with at_ms, the shipped records may be
  // used to reach it.
  bool apply_wal = false;
  std::optional<repo::Owner> owner;  // --owner: every entry, the root included, gets it (root only)
  int workers = 0;     // 0 = one per CPU, or the backend's PreferredReaders when more
};

// What a restore is doing: writing the snapshot's files, then (with
// apply_wal) applying the shipped journal.
enum class RestoreStage { kFiles, kShippedJournal };
struct RestoreProgress {
  RestoreStage stage = RestoreStage::kFiles;
  uint64_t bytes_total = 0;  // kFiles: of the snapshot's files
  uint64_t bytes_done = 0;
  WalReplayProgress wal;     // kShippedJournal
};
using RestoreProgressFn = std::function<void(const RestoreProgress&)>;

struct RestoreResult {
  std::string snapshot_id;  // the snapshot restored: with at_ms, the one ChooseSourceAt picked
  uint64_t files = 0;
  uint64_t bytes = 0;
  std::string moved_aside;  // where the old target went, with --force
  bool verified = false;    // paymentsctl verify ran and passed
  bool python_era = false;  // ... on a Python-era directory (no journal: its JSON files were checked)
  // Set when nothing could be verified: the snapshot holds no payments data
  // directory (ledger::ClassifyDataDir). Callers print it as a warning.
  std::string warning;
  uint64_t journal_seq = 0; // last journal record after the restore (and --at)
  int64_t at_last_ts_ms = 0; // with at_ms: the ts of that record
  std::string env_written;  // path of the restored .env, if any
  bool env_skipped = false; // the snapshot has a .env but env_to was empty
  WalReplayReport wal;      // with apply_wal; lost_* set when shipped records could not be applied
  std::string owner_note;   // what a non-root restore could not reproduce: owners (OwnerPolicy::Note), the root's mode and time
};

// Restores `snapshot` from `repo` (index loaded) as options.target (with
// at_ms: the ledger of its data directory as of that time).
// Errors: InvalidArgument for a non-empty target without force, a target
// that is not a directory, --owner without root, or an --at that cannot be
// reached exactly (with the reachable range); Corruption listing
// the affected files when blobs are missing or damaged, or when the
// restored ledger fails verification; ReplayWal's errors (a shipped record
// that is missing or damaged is not an error: the restore stops before it
// and result.wal says what was lost); IOError naming the path. On any error
// the staging directory is removed and the target is untouched (unless
// PlaceStaged says otherwise). `progress` (may be empty) is called one call
// at a time: from the calling thread after each entry of the snapshot is
// created and each blob of the files written last (the access log,
// docker.db) is queued, and from the thread of the ledger steps while the
// shipped journal is applied, which may be meanwhile.
Result<RestoreResult> RunRestore(repo::Repository* repo, const repo::SnapshotRef& snapshot,
                                 const RestoreOptions& options, const RestoreProgressFn& progress);

}  // namespace pb::restore
