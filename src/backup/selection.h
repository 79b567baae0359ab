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

// The files a consistent backup reads first, in this order.
inline constexpr std::string_view kCheckpointMarker = "journal/CHECKPOINT";
inline constexpr std::string_view kCheckpointFiles[] = {"registry.json", "balances.json", "workloads.json"};
inline constexpr std::string_view kMirrorLogs[] = {"audit/ledger-events.log", "audit/registry.log"};
inline constexpr std::string_view kJournalDir = "journal";
// True for a journal segment "journal/<20 digits>.journal".
bool IsJournalSegment(std::string_view rel);

}  // namespace pb::backup
