// backup/: taking a snapshot of a data directory into the repository. This
// header owns what a backup reads (docs/repository-format.md, "What a backup
// reads, and in which order").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pb::backup {

enum class BackupMode { kEssential, kFull };

const char* ModeName(BackupMode mode);
// "essential" / "full"; false for anything else.
bool ParseMode(std::string_view text, BackupMode* out);

// True when the data-directory-relative path `rel` ("audit/registry.log")
// is backed up in `mode`. Essential mode never selects
// audit/payments-audit.log* or audit/docker.db*; no mode selects in-flight
// checkpoint or temporary files (*.ckpt, *.tmp), the replicator's status
// file (replication-status.json), the writer's lock file (LOCK,
// ledger/data_dir_lock.h), nor what an in-place restore left at the root
// (.before-restore-*, .restore-*).
bool Selected(std::string_view rel, BackupMode mode);
// What Selected() leaves out, as rsync exclude patterns rooted at the data
// directory, so a pull over SSH never transfers what the backup skips.
std::vector<std::string> ExcludePatterns(BackupMode mode);

// A consistent backup reads the checkpoint group first (ledger/datadir.h's
// kStateFiles, then kCheckpointMarker), then kMirrorLogs, then the journal
// segments (IsJournalSegment), then the rest.

}  // namespace pb::backup
