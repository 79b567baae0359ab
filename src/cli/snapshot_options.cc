#include "cli/snapshot_options.h"

#include "cli/repo_access.h"
#include "common/time_util.h"

namespace pb::cli {

repo::SnapshotFilter SnapshotFilterOptions::Filter() const {
  return repo::SnapshotFilter{host, path.empty() ? "" : AbsoluteDir(path), tags};
}

void AddSnapshotFilterOptions(CLI::App* cmd, SnapshotFilterOptions* options) {
  cmd->add_option("--host", options->host, "only snapshots recorded with this host (see `paymentsctl snapshots`)");
  cmd->add_option("--path", options->path, "only snapshots of this data directory (an absolute path as recorded)");
  cmd->add_option("--tag", options->tags, "only snapshots with this tag (repeatable: any of them)");
}

void AddWalOptions(CLI::App* cmd, std::optional<bool>* wal, const std::string& default_help) {
  auto* with = cmd->add_flag_callback(
      "--wal", [wal] { *wal = true; },
      "also apply the journal records shipped after the snapshot by paymentsctl replicate (default: " + default_help +
          ")");
  auto* without = cmd->add_flag_callback(
      "--no-wal", [wal] { *wal = false; }, "restore the snapshot alone, without the journal shipped after it");
  with->excludes(without);
}

Result<repo::SnapshotRef> ChooseSnapshot(repo::Repository* repo, const std::string& query,
                                         const repo::SnapshotFilter& filter,
                                         const std::optional<repo::SnapshotGroup>& target, Output& out) {
  PB_ASSIGN_OR_RETURN(const std::vector<repo::SnapshotRef> all, ReadableSnapshots(repo, out));
  PB_ASSIGN_OR_RETURN(repo::SelectedSnapshot chosen, repo::SelectSnapshot(all, query, filter, target));
  if (!chosen.note.empty()) out.Note(chosen.note);
  out.Detail("snapshot " + chosen.snapshot.id.substr(0, 8) + " of " + chosen.snapshot.snapshot.host + ":" +
             chosen.snapshot.snapshot.data_dir);
  return std::move(chosen.snapshot);
}

void SnapshotNameJson(JsonObject& o, const repo::SnapshotRef& s) {
  o.Str("id", s.id)
      .Str("short_id", s.id.substr(0, 8))
      .Str("time", FormatIso8601(s.snapshot.time_ms))
      .Str("host", s.snapshot.host)
      .Str("data_dir", s.snapshot.data_dir);
}

}  // namespace pb::cli
