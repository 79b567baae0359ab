// restore/: restoring a snapshot into a directory — into a temporary
// directory beside the target first, every blob checked against its id,
// the ledger cut back in time on request and verified, then renamed into
// place, so the target is either untouched or complete.
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
  std::optional<int64_t> at_ms;  // cut the ledger back to this time
  std::string env_to;  // where to write the snapshot's .env, or empty
  // Extend the journal with the records shipped after the snapshot
  // (ReplayWal; up to at_ms when given) before the cut and verify.
  bool apply_wal = false;
  int workers = 0;     // 0 = one per CPU, or the backend's PreferredReaders when more
};

struct RestoreProgress {
  uint64_t bytes_total = 0;
  uint64_t bytes_done = 0;
};
using RestoreProgressFn = std::function<void(const RestoreProgress&)>;

struct RestoreResult {
  uint64_t files = 0;
  uint64_t bytes = 0;
  std::string moved_aside;  // where the old target went, with --force
  bool verified = false;    // paymentsctl verify ran and passed
  bool python_era = false;  // ... on a Python-era directory (no journal: its JSON files were checked)
  // Set when nothing could be verified: the snapshot holds no payments data
  // directory (ledger::ClassifyDataDir). Callers print it as a warning.
  std::string warning;
  uint64_t journal_seq = 0; // last journal record after the restore (and --at)
  std::string env_written;  // path of the restored .env, if any
  bool env_skipped = false; // the snapshot has a .env but env_to was empty
  WalReplayReport wal;      // with apply_wal; lost_* set when shipped records could not be applied
};

// Restores `snapshot` from `repo` (index loaded) as options.target.
// Errors: InvalidArgument for a non-empty target without force, a target
// that is not a directory, or --at before the journal; Corruption listing
// the affected files when blobs are missing or damaged, or when the
// restored ledger fails verification; ReplayWal's errors (a shipped record
// that is missing or damaged is not an error: the restore stops before it
// and result.wal says what was lost); IOError naming the path. On any error
// the temporary directory is removed and the target is untouched.
Result<RestoreResult> RunRestore(repo::Repository* repo, const repo::SnapshotRef& snapshot,
                                 const RestoreOptions& options, const RestoreProgressFn& progress);

}  // namespace pb::restore
