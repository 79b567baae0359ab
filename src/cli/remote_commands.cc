// paymentsctl backup / restore with --inventory: the host halves.
#include "cli/remote_commands.h"

#include "cli/snapshot_options.h"
#include "remote/host_stack.h"

namespace pb::cli {
namespace {

// The snapshot `query` names for `target`: `latest` is the newest of the
// target's group, unless `filter` names a host or a path.
Result<repo::SnapshotRef> SnapshotFor(repo::Repository* repo, const std::string& query,
                                      const repo::SnapshotFilter& filter, const remote::Target& target, Output& out) {
  const repo::SnapshotGroup group{target.name, target.DataDir()};
  repo::SnapshotFilter f = filter;
  if (query == "latest" && f.host.empty() && f.path.empty()) {
    f.host = group.host;
    f.path = group.data_dir;
  }
  return ChooseSnapshot(repo, query, f, group, out);
}

}  // namespace

Status RunRemoteBackup(const RemoteOptions& remote, const RepoOptions& repo_options,
                       const remote::HostBackupOptions& options, Output& out) {
  PB_ASSIGN_OR_RETURN(const std::vector<remote::Target> targets, ResolveRemoteTargets(remote));
  PB_ASSIGN_OR_RETURN(OpenedRepo opened, OpenRepo(repo_options, {.mode = repo::LockMode::kAppend,
                                                                 .operation = "backup", .load_index = true},
                                                  &out));
  remote::SharedRepo shared;
  shared.repo = opened.repo.get();
  const remote::SshOptions ssh = SshOptionsOf(remote);
  const auto reports = remote::ForEachTarget(targets, [&](const remote::Target& t, remote::TargetReport* r) {
    auto session = remote::Connect(t, ssh, r);
    if (!session.ok()) return;
    remote::HostStack stack(session->get());
    const remote::HostEnv env = options.include_env ? remote::HostEnv::kRead : remote::HostEnv::kLeave;
    if (!remote::CheckHost(&stack, env, r).ok()) return;
    (void)remote::BackupHost(session->get(), &stack, &shared, options, r);
  });
  out.Print(TargetsPrinter(reports));
  return Status::Ok();
}

Status RunRemoteRestore(const RemoteOptions& remote, const RepoOptions& repo_options, const std::string& snapshot,
                        const repo::SnapshotFilter& filter, const remote::HostRestoreOptions& options, Output& out) {
  PB_ASSIGN_OR_RETURN(const std::vector<remote::Target> targets, ResolveRemoteTargets(remote));
  PB_ASSIGN_OR_RETURN(OpenedRepo opened, OpenRepo(repo_options, {.mode = repo::LockMode::kRead,
                                                                 .operation = "restore", .load_index = true},
                                                  &out));
  std::vector<repo::SnapshotRef> chosen;
  for (const remote::Target& t : targets) {
    PB_ASSIGN_OR_RETURN(repo::SnapshotRef snap, SnapshotFor(opened.repo.get(), snapshot, filter, t, out));
    chosen.push_back(std::move(snap));
  }
  remote::SharedRepo shared;
  shared.repo = opened.repo.get();
  const auto reports = remote::ForEachTarget(targets, [&](const remote::Target& t, remote::TargetReport* r) {
    const size_t i = static_cast<size_t>(&t - targets.data());
    remote::RestoreToHost(t, &shared, chosen[i], options, r);
  });
  out.Print(TargetsPrinter(reports));
  return Status::Ok();
}

}  // namespace pb::cli
