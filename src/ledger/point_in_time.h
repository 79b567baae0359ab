// Point-in-time restore: cutting a restored data directory back to the state
// it had at a given time (paymentsctl restore --at).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace pb::ledger {

// What CutLedgerAt kept and removed.
struct CutReport {
  uint64_t last_kept_seq = 0;     // the last record kept (the journal's last when nothing was cut)
  int64_t last_kept_ts_ms = 0;    // its ts
  int64_t first_ts_ms = 0;        // ts of record 1: no earlier state can be restored
  uint64_t records_removed = 0;   // 0: `at` is at or after the last record, nothing was changed
  uint64_t segments_removed = 0;  // segment files deleted whole
};

// Whether CutLedgerAt rebuilds the mirrors and the checkpoint when `at_ms`
// removes no record (see below).
enum class RebuildViews { kOnlyWhenCut, kAlways };

// Cuts the ledger in `data_dir` back to its state as of `at_ms` (ms since the
// epoch): keeps the journal records before the first one whose ts is after
// `at_ms` (records are in ts order by construction; if they are not, later
// records with an earlier ts are removed too).
// It holds the directory's DataDirLock while it reads and changes it, so it
// refuses (Conflict naming the holder) a directory a service runs on.
//
// The whole journal is read and checked first (chain from seq 1, and replay
// of the kept records) without changing anything. Then, in this order, so
// that an interruption leaves either a journal not cut yet (call again) or a
// cut one without a checkpoint (the service rebuilds from seq 1):
//   1. journal/CHECKPOINT is removed (the service then rebuilds from seq 1);
//   2. audit/ledger-events.log and audit/registry.log are cut after their
//      last line that is kept: a line with a "seq" is kept when seq <= the
//      last kept seq; a line without one (Python-era history from before
//      adoption) when its "timestamp" is at or before `at_ms`. Lines before
//      the last kept one stay whatever they hold;
//   3. segments after the one holding the cut are deleted, newest first, and
//      that segment is truncated after the last kept record (fsynced);
//   4. mirror lines missing for kept records are appended, the mirrors
//      fsynced, and a checkpoint of the kept state is written and committed
//      (registry.json, balances.json, workloads.json, journal/CHECKPOINT).
// Afterwards VerifyDataDir(data_dir) passes. When `at_ms` is at or after the
// last record nothing is changed, the checkpoint included, unless `views`
// is kAlways: then steps 1 and 4 run all the same (after records were
// appended to a restored journal, so the mirrors and the checkpoint cover
// them).
//
// Errors, all before anything is changed: NotFound when there is no
// journal/ (a Python-era directory); Conflict when another process holds
// the DataDirLock; InvalidArgument when `at_ms` is before
// the first record; Corruption from the journal reader or the replay naming
// the file, seq and byte offset. An IOError during the steps leaves one of
// the states described above.
Result<CutReport> CutLedgerAt(const std::string& data_dir, int64_t at_ms,
                              RebuildViews views = RebuildViews::kOnlyWhenCut);

}  // namespace pb::ledger
