// restore/: restore --at T, the ledger as of T whatever snapshot was named
// (docs/backups.md, "An operator's mistake"). The snapshots of one data
// directory (its host and path) hold the same journal, each up to its time,
// and its shipped journal (wal/) continues them. The journal's records are in
// ts order, so a journal that holds a record after T holds every record up
// to T, and cutting it after its last record at or before T gives the ledger
// as of T exactly. This file owns which source is restored for T and whether
// T was reached; ledger/point_in_time.h does the cut.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "ledger/point_in_time.h"
#include "repo/repository.h"
#include "restore/wal_replay.h"

namespace pb::restore {

struct AtTimeSource {
  repo::SnapshotRef snapshot;  // the base: restored, extended (apply_wal), then cut at T
  bool apply_wal = false;      // extend it with the shipped journal up to T first
};

// Chooses the source of the ledger as of `at_ms` of the data directory that
// `named` was taken of (its host and data_dir): the earliest of its
// snapshots taken after at_ms whose journal holds a record after at_ms
// (their journals' last records are read from the repository, one or two
// blobs each, oldest first until one qualifies); else its newest snapshot,
// extended with the shipped journal when `wal_allowed`.
// Errors, before anything is restored: InvalidArgument when no snapshot of
// that data directory holds a journal, or when at_ms is before its first
// record (naming the reachable range); the repository's errors.
Result<AtTimeSource> ChooseSourceAt(repo::Repository* repo, const repo::SnapshotRef& named, int64_t at_ms,
                                    bool wal_allowed);

// After the restore of `source`, the shipped records applied (`wal`) and the
// cut at at_ms (`cut`): Ok when the restored ledger is the ledger as of
// at_ms, that is when the journal held a record after at_ms (the cut removed
// some, or the next shipped object begins after it), or when the snapshot
// was taken after at_ms (it holds every record acknowledged before it
// started). Otherwise at_ms is after everything the repository holds of
// that data directory, or in shipped records it lost: InvalidArgument
// naming the last record held and the range of times that can be restored
// exactly; the caller must not put the restore in place.
Status CheckReachedAt(const AtTimeSource& source, int64_t at_ms, const ledger::CutReport& cut,
                      const WalReplayReport& wal);

}  // namespace pb::restore
