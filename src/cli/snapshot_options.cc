#include "cli/snapshot_options.h"

#include <iostream>

#include "cli/repo_access.h"

namespace pb::cli {

repo::SnapshotFilter SnapshotFilterOptions::Filter() const {
  return repo::SnapshotFilter{host, path.empty() ? "" : AbsoluteDir(path), tags};
}

void AddSnapshotFilterOptions(CLI::App* cmd, SnapshotFilterOptions* options) {
  cmd->add_option("--host", options->host, "only snapshots recorded with this host (see `paymentsctl snapshots`)");
  cmd->add_option("--path", options->path, "only snapshots of this data directory (an absolute path as recorded)");
  cmd->add_option("--tag", options->tags, "only snapshots with this tag (repeatable: any of them)");
}

Result<repo::SnapshotRef> ChooseSnapshot(repo::Repository* repo, const std::string& query,
                                         const repo::SnapshotFilter& filter,
                                         const std::optional<repo::SnapshotGroup>& target) {
  auto all = ReadableSnapshots(repo);
  if (!all.ok()) return all.status();
  auto chosen = repo::SelectSnapshot(*all, query, filter, target);
  if (!chosen.ok()) return chosen.status();
  if (!chosen->note.empty()) std::cerr << chosen->note << "\n";
  return std::move(chosen->snapshot);
}

}  // namespace pb::cli
