// cli/: the options of every command that takes a snapshot (--host,
// --path, --tag) and the one call that resolves its snapshot argument
// through repo::SelectSnapshot (repo/snapshot_select.h owns the rules).
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "repo/repository.h"
#include "repo/snapshot_select.h"

namespace pb::cli {

struct SnapshotFilterOptions {
  std::string host;
  std::string path;  // made absolute by Filter()
  std::vector<std::string> tags;

  repo::SnapshotFilter Filter() const;
};

// Adds --host, --path and --tag: the snapshots the command considers
// (repo::SnapshotFilter).
void AddSnapshotFilterOptions(CLI::App* cmd, SnapshotFilterOptions* options);

// The snapshot `query` ("latest" or an id prefix) names among the readable
// snapshots of `repo` (repo::SelectSnapshot with `filter` and `target`),
// printing its note, if any, on stderr.
Result<repo::SnapshotRef> ChooseSnapshot(repo::Repository* repo, const std::string& query,
                                         const repo::SnapshotFilter& filter,
                                         const std::optional<repo::SnapshotGroup>& target);

}  // namespace pb::cli
