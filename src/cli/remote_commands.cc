// paymentsctl backup / restore with --inventory: the host halves.
#include "cli/remote_commands.h"

#include <iostream>

#include "cli/snapshot_options.h"
#include "remote/host_stack.h"

namespace pb::cli {

namespace {

// The snapshot `query` names for `target`: `latest` is the newest of the
// target's group, unless `filter` names a host or a path.
Result<repo::SnapshotRef> SnapshotFor(repo::Repository* repo, const std::string& query,
                                      const repo::SnapshotFilter& filter, const remote::Target& target) {
  const repo::SnapshotGroup group{target.name, target.DataDir()};
  repo::SnapshotFilter f = filter;
  if (query == "latest" && f.host.empty() && f.path.empty()) {
    f.host = group.host;
    f.path = group.data_dir;
  }
  return ChooseSnapshot(repo, query, f, group);
}

}  // namespace

int RunRemoteBackup(const RemoteOptions& remote, const RepoOptions& repo_options,
                    const remote::HostBackupOptions& options) {
  auto targets = ResolveRemoteTargets(remote);
  if (!targets.ok()) return ReportError("backup", targets.status());
  auto opened = OpenRepo(repo_options, repo::LockMode::kAppend, "backup", /*load_index=*/true);
  if (!opened.ok()) return ReportError("backup", opened.status());
  remote::SharedRepo shared;
  shared.repo = opened->repo.get();
  remote::SshOptions ssh = SshOptionsOf(remote);
  auto reports = remote::ForEachTarget(*targets, [&](const remote::Target& t, remote::TargetReport* r) {
    auto session = remote::Connect(t, ssh, r);
    if (!session.ok()) return;
    remote::HostStack stack(session->get());
    if (!remote::CheckHost(&stack, options.include_env, r).ok()) return;
    (void)remote::BackupHost(session->get(), &stack, &shared, options, r);
  });
  return PrintReports(reports, remote.json);
}

int RunRemoteRestore(const RemoteOptions& remote, const RepoOptions& repo_options, const std::string& snapshot,
                     const repo::SnapshotFilter& filter, const remote::HostRestoreOptions& options) {
  auto targets = ResolveRemoteTargets(remote);
  if (!targets.ok()) return ReportError("restore", targets.status());
  auto opened = OpenRepo(repo_options, repo::LockMode::kRead, "restore", /*load_index=*/true);
  if (!opened.ok()) return ReportError("restore", opened.status());
  std::vector<repo::SnapshotRef> chosen;
  for (const remote::Target& t : *targets) {
    auto snap = SnapshotFor(opened->repo.get(), snapshot, filter, t);
    if (!snap.ok()) return ReportError("restore", snap.status());
    chosen.push_back(*snap);
  }
  remote::SharedRepo shared;
  shared.repo = opened->repo.get();
  std::vector<remote::Target> ordered = *targets;
  auto reports = remote::ForEachTarget(ordered, [&](const remote::Target& t, remote::TargetReport* r) {
    size_t i = static_cast<size_t>(&t - ordered.data());
    remote::RestoreToHost(t, &shared, chosen[i], options, r);
  });
  return PrintReports(reports, remote.json);
}

}  // namespace pb::cli
