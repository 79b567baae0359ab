// backup/: the guards a backup passes before it reads anything — the
// directory is a payments data directory, and its ledger continues the one
// its group's newest snapshot holds — so that a volume that failed to
// mount, an old disk or a wrong --data-dir never becomes the newest
// snapshot of a data directory in silence (docs/backups.md, "What a backup
// refuses").
#pragma once

#include <string>

#include "common/status.h"
#include "repo/snapshot.h"

namespace pb::backup {

struct SourceGuards {
  bool allow_empty = false;       // back up a directory that is not a payments data directory
  bool allow_regression = false;  // back up a ledger behind or apart from the group's newest snapshot
};

// Ok when `data_dir` may become the newest snapshot of the group whose
// newest snapshot now is `newest` (nullptr: the group has none).
// InvalidArgument, saying what was found and the flag that overrides it:
//   - `data_dir` is not a payments data directory (ledger::ClassifyDataDir:
//     empty, someone else's files, a backup repository), unless allow_empty;
//   - unless allow_regression, `newest` holds ledger seq p > 0 and the
//     journal of `data_dir` ends before p (naming both seqs), or its record
//     p has another chain hash than `newest` recorded (another ledger that
//     reached the same seq; only for snapshots that recorded the hash).
// Reads only the tail of the newest segment and, when the ledger grew, the
// segment holding record p. A journal that cannot be read this way is the
// error of ledger::LastJournalRecord / JournalRecordHash.
Status CheckBackupSource(const std::string& data_dir, const repo::SnapshotRef* newest, const SourceGuards& guards);

}  // namespace pb::backup
