// repo/: prune — deletes the data no snapshot needs any more, in two steps
// (restic's PlanPrune / PrunePlan.Execute): PlanPrune reads and decides,
// changing nothing, and returns the plan as a value (`prune --dry-run`
// prints it); ExecutePrune carries it out. Only prune deletes repository
// data; it runs under the exclusive lock, in an order that leaves a valid
// repository when interrupted at any point: new packs, then new index
// files, then removal of the old index files, then removal of unused
// packs, then of the shipped journal runs no snapshot needs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "repo/index.h"
#include "repo/repository.h"

namespace pb::repo {

// A pack is rewritten (its used blobs copied to a new pack) when more than
// this fraction of its bytes is unused; below, it is kept as it is.
inline constexpr double kRepackUnusedFraction = 0.2;

// A pack partly used: `keep` (the used blobs, each placed by no other kept
// pack) is copied into new packs, then the pack is removed.
struct PackRewrite {
  Digest pack{};
  std::vector<PackEntry> keep;
  uint64_t blobs = 0;  // blobs the pack holds, used or not
  uint64_t bytes = 0;  // stored bytes of those blobs
};

// What a prune will do. Packs are in the order of their names.
struct PrunePlan {
  // The snapshots the plan counts as already forgotten (PlanPrune's
  // `forgotten`); ExecutePrune refuses while any of them is still there.
  std::vector<std::string> forgotten;
  std::vector<std::string> index_files;  // index/ names the new index files replace
  std::vector<IndexedPack> keep;         // packs kept as they are
  std::vector<PackRewrite> rewrite;      // packs partly used
  std::vector<IndexedPack> remove;       // packs no remaining snapshot uses
  std::vector<std::string> orphans;      // data/ names no index file lists (interrupted backups)
  std::vector<std::string> wal;          // wal/ names the oldest snapshot of their data directory covers
  uint64_t blobs_removed = 0;            // of `remove` and `rewrite`
  uint64_t bytes_freed = 0;              // stored bytes of those blobs (orphans not counted)
  uint64_t bytes_copied = 0;             // stored bytes of the blobs `rewrite` keeps

  // Packs removed whole (`remove` and `orphans`; the rewritten ones apart).
  uint64_t packs_removed() const { return remove.size() + orphans.size(); }
  // True when executing the plan changes nothing.
  bool empty() const { return remove.empty() && rewrite.empty() && orphans.empty() && wal.empty(); }
};

// Plans the pruning of `repo` as if the snapshots `forgotten` (full ids)
// were already removed, so that `forget --prune --dry-run` shows what the
// real run would free. Changes nothing.
// REQUIRES: the exclusive lock is held and the index is loaded
// (Repository::LoadIndex after taking the lock). Errors: Corruption when a
// snapshot or tree cannot be read (prune refuses to delete anything then:
// run `paymentsctl check`); backend errors.
Result<PrunePlan> PlanPrune(Repository* repo, const std::vector<std::string>& forgotten);

// Carries out `plan`, in the order of the header comment, then removes the
// temporary files of interrupted writes.
// REQUIRES: `plan` came from PlanPrune on this repository under the same
// exclusive lock, still held. Errors: InvalidArgument, before any change,
// when a snapshot of plan.forgotten is still in the repository (remove it
// first: ExecuteForget); Corruption when a blob to copy does not read back
// as stored (nothing deleted yet: run `paymentsctl check --read-data`);
// backend errors.
Status ExecutePrune(Repository* repo, const PrunePlan& plan);

}  // namespace pb::repo
