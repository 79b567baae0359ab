// repo/: the shipped journal (wal/) under `check` and `forget --prune`
// (docs/repository-format.md, "Shipped journal").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "repo/repository.h"
#include "repo/wal.h"

namespace pb::repo {

struct WalCheck {
  uint64_t objects = 0;  // wal objects listed
  uint64_t opened = 0;   // of them, read, decrypted and checked
  std::vector<std::string> problems;
  std::vector<std::string> notes;
};

// Checks the wal objects of every stream through its cover (wal_cover.h):
// a gap between cover objects is a problem when it lies after the newest
// snapshot of the stream's data directory (restore latest would stop
// there), a note before it; an overlapping object is a problem, a redundant
// one (held by a merged object) a note. The cover objects after that
// snapshot (all of them with `read_data`, and then the redundant and
// overlapping ones too) are read and checked (DecodeWalObject), each cover
// object continuing the chain of the one before. A stream whose object
// vanishes while it is read (a compaction replaced it) is listed and checked
// again. `check_records` checks each read object's records (wal.h).
// Errors: only when wal/ or snapshots/ cannot be listed.
Result<WalCheck> CheckWal(Repository* repo, bool read_data, const WalRecordsCheck& check_records);

// The names of the wal objects that the oldest of `snapshots` (the ones
// that remain, sorted oldest first as ListSnapshots returns them) of their
// data directory covers wholly (last seq <= its ledger seq): nothing can
// need them. Streams without any snapshot keep
// everything. Errors: when wal/ cannot be listed or holds a foreign name.
Result<std::vector<std::string>> WalObjectsToPrune(Repository* repo, const std::vector<SnapshotRef>& snapshots);

}  // namespace pb::repo
