#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "remote/host_backup.h"
#include "remote/report.h"
#include "repo/snapshot.h"

namespace pb::remote {

struct HostRestoreOptions {
  SshOptions ssh;
  std::optional<int64_t> at_ms;  // cut the ledger back to this time
  // Apply the journal records shipped after the snapshot
  // (restore::RestoreOptions::apply_wal); lost ones fail the restore step.
  bool apply_wal = false;
  int timeout_s = 120;           // for health
  std::string openapi_path;
  std::string staging_root;  // empty: DefaultStagingRoot()
};

// Restores `snapshot` to the target (docs/remote-operations.md, "Restore to
// a host"): restored and verified locally, copied to
// remote_path/.data.incoming-<stamp>, then the stack is stopped, data/ moved
// to backups/<stamp>/data, the incoming directory renamed to data/, the
// stack started and health awaited. Until the swap the host is untouched.
void RestoreToHost(const Target& target, SharedRepo* shared, const repo::SnapshotRef& snapshot,
                   const HostRestoreOptions& options, TargetReport* report);

}  // namespace pb::remote
