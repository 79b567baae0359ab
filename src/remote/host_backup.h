#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "backup/selection.h"
#include "common/status.h"
#include "remote/host_stack.h"
#include "remote/report.h"
#include "remote/ssh_session.h"
#include "repo/repository.h"

namespace pb::remote {

// One repository shared by the targets of a run: its uses are serialized.
// REQUIRES: locked and its index loaded by the caller.
struct SharedRepo {
  repo::Repository* repo = nullptr;
  std::mutex mu;
};

struct HostBackupOptions {
  backup::BackupMode mode = backup::BackupMode::kEssential;
  bool include_env = false;  // also remote_path/.env, encrypted in the snapshot
  std::vector<std::string> tags;
  std::string staging_root;  // empty: DefaultStagingRoot()
  bool allow_empty = false;       // backup::BackupOptions' guards
  bool allow_regression = false;
};

// ${XDG_CACHE_HOME:-~/.cache}/paymentsctl/hosts
std::string DefaultStagingRoot();
// Creates (mode 0700, like `root`) and returns <root>/<target>-<8 hex naming
// user, host, port and remote_path>: where the target's staging copy
// (data/) and restore scratch directories live. `root` empty: the default.
Result<std::string> TargetCacheDir(const std::string& root, const Target& target);

// Steps "fetch" and "backup" (docs/remote-operations.md, "Backup from a
// host"): the target's data/ into its staging copy, then a snapshot of it
// recorded as host = target name, path = remote_path/data. Sets
// report->snapshot_id. Returns the first failure.
Status BackupHost(SshSession* session, HostStack* stack, SharedRepo* shared, const HostBackupOptions& options,
                  TargetReport* report);

// Step "connect": opens the session.
Result<std::unique_ptr<SshSession>> Connect(const Target& target, const SshOptions& ssh, TargetReport* report);
// Whether CheckHost also reads the host's .env.
enum class HostEnv { kLeave, kRead };
// Step "check": remote_path is a directory on the host; with HostEnv::kRead,
// its .env is read in the same remote command (and kept by `stack`).
Status CheckHost(HostStack* stack, HostEnv env, TargetReport* report);

}  // namespace pb::remote
