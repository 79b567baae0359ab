// cli/: the options of every command that takes a snapshot (--host,
// --path, --tag; restore and drill also --wal/--no-wal) and the one call
// that resolves its snapshot argument through repo::SelectSnapshot
// (repo/snapshot_select.h owns the rules).
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "cli/output.h"
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

// Adds --wal and --no-wal (they exclude each other): *wal is true, false,
// or unset for the default, which `default_help` states
// (restore::AppliesShippedJournal decides it).
void AddWalOptions(CLI::App* cmd, std::optional<bool>* wal, const std::string& default_help);

// The snapshot `query` ("latest" or an id prefix) names among the readable
// snapshots of `repo` (repo::SelectSnapshot with `filter` and `target`),
// its note, if any, through `out`.
Result<repo::SnapshotRef> ChooseSnapshot(repo::Repository* repo, const std::string& query,
                                         const repo::SnapshotFilter& filter,
                                         const std::optional<repo::SnapshotGroup>& target, Output& out);

// The JSON members that name a snapshot, the same in every report: id,
// short_id, time (ISO 8601 UTC), host, data_dir.
void SnapshotNameJson(JsonObject& o, const repo::SnapshotRef& s);

}  // namespace pb::cli
