// repo/: `paymentsctl repair` — rebuilds the index from the packs present
// (docs/repository-format.md, "Repair"). Every pack is read whole and
// checked as `check --read-data` does; a sound pack is indexed from its own
// header, the sound blobs of a damaged pack are copied into new packs and
// the damaged pack is removed, and blobs whose packs are missing or damaged
// leave the index. The snapshots that needed them are listed: the next
// backup stores their data again (it reads every file whose blobs left the
// index), so a fresh snapshot restores, and an old snapshot whose blobs
// come back this way is whole again.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "repo/repository.h"

namespace pb::repo {

// A snapshot that needs blobs no sound pack holds.
struct SnapshotLoss {
  SnapshotRef snapshot;
  // Paths in the snapshot ("/journal/00000000000000000001.journal"): files
  // with a lost blob, and directories whose listing (tree blob) is lost
  // ("/audit/" — nothing below them can be restored).
  std::vector<std::string> paths;
};

struct RepairReport {
  bool dry_run = false;
  uint64_t packs = 0;        // packs read
  uint64_t pack_bytes = 0;   // bytes read
  uint64_t packs_sound = 0;  // indexed from their header as they are
  // "data/<xx>/<name>: <why>, <n> of <m> blob(s) copied to a new pack": each
  // damaged pack, removed once its sound blobs are in new packs.
  std::vector<std::string> damaged_packs;
  // "data/<xx>/<name>: listed with <n> blob(s)": packs an index names that
  // are not in the repository.
  std::vector<std::string> missing_packs;
  std::vector<std::string> unreadable_index;  // index files that could not be read
  uint64_t blobs_salvaged = 0;  // sound blobs copied out of damaged packs
  uint64_t blobs_dropped = 0;   // blobs of damaged packs that do not read back sound
  uint64_t blobs_indexed = 0;   // blobs in the rebuilt index
  bool index_rewritten = false; // false when the index already matched the packs
  uint64_t index_files_removed = 0, index_files_written = 0;
  std::vector<SnapshotLoss> losses;           // snapshots that lost data, oldest first
  std::vector<std::string> unreadable_snapshots;  // snapshot files that cannot be read (left as they are)
};

// Repairs `repo` (or, with dry_run, only reads it and reports what repair
// would do: the damaged packs are then still where the report says their
// sound blobs would be copied from). `on_pack` (may be empty) is called
// with each pack's size after it is read. Order, so that an interruption
// leaves a repository that a new `repair` completes: new packs, new index
// files, removal of the old index files, removal of the damaged packs.
// Afterwards repo->index() is the rebuilt index.
// REQUIRES: the exclusive lock is held. Errors: backend errors (a pack that
// cannot be read for another reason than damage, a stray entry in data/:
// move it out and run repair again); nothing is removed before the new
// index is durable.
Result<RepairReport> Repair(Repository* repo, bool dry_run, const std::function<void(uint64_t)>& on_pack);

}  // namespace pb::repo
