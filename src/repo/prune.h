// repo/: prune — deletes the data no snapshot needs any more. Only prune
// deletes repository data; it runs under the exclusive lock, in an order
// that leaves a valid repository when interrupted at any point: new packs,
// then new index files, then removal of the old index files, then removal
// of unused packs, then of the shipped journal runs no snapshot needs.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "repo/repository.h"

namespace pb::repo {

// A pack is rewritten (its used blobs copied to a new pack) when more than
// this fraction of its bytes is unused; below, it is kept as it is.
inline constexpr double kRepackUnusedFraction = 0.2;

struct PruneReport {
  uint64_t packs_removed = 0;    // unused whole, or left by interrupted backups
  uint64_t packs_rewritten = 0;  // partly used, copied then removed
  uint64_t packs_kept = 0;
  uint64_t blobs_removed = 0;
  uint64_t bytes_freed = 0;      // before the rewritten packs' new copies
  uint64_t bytes_copied = 0;     // stored bytes copied into new packs
  uint64_t wal_removed = 0;      // wal objects the oldest snapshot covers (WalObjectsToPrune)
};

// Computes (dry_run) or carries out the pruning of `repo`.
// REQUIRES: the exclusive lock is held and the index is loaded
// (Repository::LoadIndex after taking the lock). Errors: Corruption when a snapshot
// or tree cannot be read (prune refuses to delete anything then: run
// `paymentsctl check`); backend errors.
Result<PruneReport> Prune(Repository* repo, bool dry_run);

}  // namespace pb::repo
