// cli/: the commands that work on hosts over SSH (docs/remote-operations.md).
// `backup` and `restore` take the same --inventory/--target options and are
// registered in repo_commands.h; their remote halves are here.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/remote_options.h"
#include "cli/repo_access.h"
#include "remote/host_backup.h"
#include "remote/host_restore.h"
#include "repo/snapshot_select.h"

namespace pb::cli {

void AddDeployCommand(CLI::App* app, int* exit_code);

// paymentsctl backup --inventory …: the targets' reports through `out`
// (not ok when a target failed); errors before any target started.
Status RunRemoteBackup(const RemoteOptions& remote, const RepoOptions& repo, const remote::HostBackupOptions& options,
                       Output& out);

// paymentsctl restore --inventory …: `snapshot` is an id prefix or "latest":
// the newest snapshot of the target's group (host = the target's name, path
// = its remote_path/data, as its backups record them) unless `filter` names
// a host or path. Reports as RunRemoteBackup.
Status RunRemoteRestore(const RemoteOptions& remote, const RepoOptions& repo, const std::string& snapshot,
                        const repo::SnapshotFilter& filter, const remote::HostRestoreOptions& options, Output& out);

}  // namespace pb::cli
