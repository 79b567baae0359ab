// paymentsctl forget [--prune].
#include <algorithm>
#include <iostream>
#include <map>
#include <memory>

#include "cli/repo_access.h"
#include "cli/repo_commands.h"
#include "cli/snapshot_options.h"
#include "common/json_text.h"
#include "common/time_util.h"
#include "repo/prune.h"
#include "repo/retention.h"
#include "repo/snapshot_select.h"

namespace pb::cli {

void AddForgetCommand(CLI::App* app, int* exit_code) {
  struct Options : RepoOptions {
    repo::RetentionPolicy policy;
    SnapshotFilterOptions filter;
    std::vector<std::string> ids;
    bool prune = false;
    bool dry_run = false;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app->add_subcommand(
      "forget",
      "remove snapshots by a retention policy, per data directory (host and path), never the one holding a data "
      "directory's longest ledger; or the snapshots named by id; --prune frees their data");
  AddRepoOptions(cmd, opts.get());
  cmd->add_option("snapshot", opts->ids, "snapshot ids (unique prefixes) to remove, instead of a --keep-* policy");
  AddSnapshotFilterOptions(cmd, &opts->filter);
  cmd->add_option("--keep-last", opts->policy.keep_last, "keep the N newest snapshots");
  cmd->add_option("--keep-hourly", opts->policy.keep_hourly, "keep the newest snapshot of each of the last N hours");
  cmd->add_option("--keep-daily", opts->policy.keep_daily, "... of each of the last N days");
  cmd->add_option("--keep-weekly", opts->policy.keep_weekly, "... of each of the last N ISO weeks");
  cmd->add_option("--keep-monthly", opts->policy.keep_monthly, "... of each of the last N months");
  cmd->add_option("--keep-yearly", opts->policy.keep_yearly, "... of each of the last N years");
  cmd->add_option("--keep-tag", opts->policy.keep_tags, "keep every snapshot with this tag (repeatable)");
  cmd->add_flag("--prune", opts->prune, "then delete the data no remaining snapshot uses");
  cmd->add_flag("--dry-run", opts->dry_run, "only print what would be removed");
  cmd->add_flag("--json", opts->json, "print the result as JSON");
  cmd->callback([opts, exit_code] {
    if (!opts->ids.empty() && !opts->policy.empty()) {
      *exit_code = ReportError("forget", Status::InvalidArgument(
                                             "give either snapshot ids or --keep-* options, not both"));
      return;
    }
    Status valid = opts->ids.empty() ? repo::ValidateRetentionPolicy(opts->policy) : Status::Ok();
    if (!valid.ok()) {
      *exit_code = ReportError("forget", valid);
      return;
    }
    // Prune reads every snapshot's trees, which are blobs: it needs the index.
    auto opened = OpenRepo(*opts, {.mode = opts->prune ? repo::LockMode::kExclusive : repo::LockMode::kAppend,
                                   .operation = "forget",
                                   .load_index = opts->prune});
    if (!opened.ok()) {
      *exit_code = ReportError("forget", opened.status());
      return;
    }
    auto all = opened->repo->ListSnapshots();
    if (!all.ok()) {
      *exit_code = ReportError("forget", all.status());
      return;
    }
    std::vector<repo::GroupRetention> groups;
    if (opts->ids.empty()) {
      auto decided = repo::DecideRetentionPerGroup(*all, opts->filter.Filter(), opts->policy);
      if (!decided.ok()) {
        *exit_code = ReportError("forget", decided.status());
        return;
      }
      groups = std::move(decided).value();
    } else {
      std::map<repo::SnapshotGroup, std::vector<repo::RetentionDecision>> named;
      for (const std::string& id : opts->ids) {
        auto found = id == "latest" ? Result<repo::SelectedSnapshot>(Status::InvalidArgument(
                                          "forget removes snapshots named by id, not `latest`"))
                                    : repo::SelectSnapshot(*all, id, opts->filter.Filter(), std::nullopt);
        if (!found.ok()) {
          *exit_code = ReportError("forget", found.status());
          return;
        }
        const repo::SnapshotRef& s = found->snapshot;
        named[repo::GroupOf(s.snapshot)].push_back({s.id, s.snapshot.time_ms, false, {}});
      }
      for (auto& [group, decisions] : named) groups.push_back({group, std::move(decisions)});
    }
    const std::string policy = opts->ids.empty() ? repo::DescribePolicy(opts->policy) : "named by id";
    std::vector<std::string> removed;
    std::string decisions_json = "[";
    for (const repo::GroupRetention& g : groups) {
      if (!opts->json) std::cout << repo::DescribeGroup(g.group) << " (" << policy << "):\n";
      for (const repo::RetentionDecision& d : g.decisions) {
        std::string reasons;
        for (const std::string& r : d.reasons) reasons += (reasons.empty() ? "" : ", ") + r;
        if (!opts->json) {
          std::cout << "  " << (d.keep ? "keep   " : "remove ") << d.id.substr(0, 8) << "  " << FormatIso8601(d.time_ms)
                    << (d.keep ? "  " + reasons : "") << "\n";
        } else {
          if (decisions_json.size() > 1) decisions_json.push_back(',');
          JsonObject(&decisions_json).Str("id", d.id).Bool("keep", d.keep).Str("reasons", reasons).Close();
        }
        if (!d.keep && std::find(removed.begin(), removed.end(), d.id) == removed.end()) removed.push_back(d.id);
      }
    }
    decisions_json.push_back(']');
    if (!opts->dry_run) {
      for (const std::string& id : removed) {
        Status st = opened->repo->backend().Remove(repo::PathOf("snapshots", id));
        if (!st.ok()) {
          *exit_code = ReportError("forget", st);
          return;
        }
      }
    }
    std::string prune_json = "null";
    if (opts->prune) {
      auto report = repo::Prune(opened->repo.get(), opts->dry_run);
      if (!report.ok()) {
        *exit_code = ReportError("forget --prune", report.status());
        return;
      }
      prune_json.clear();
      JsonObject(&prune_json)
          .UInt("packs_removed", report->packs_removed)
          .UInt("packs_rewritten", report->packs_rewritten)
          .UInt("packs_kept", report->packs_kept)
          .UInt("blobs_removed", report->blobs_removed)
          .UInt("bytes_freed", report->bytes_freed)
          .UInt("bytes_copied", report->bytes_copied)
          .UInt("wal_removed", report->wal_removed)
          .Close();
      if (!opts->json) {
        std::cout << (opts->dry_run ? "would prune: " : "pruned: ") << report->packs_removed << " pack(s) removed, "
                  << report->packs_rewritten << " rewritten, " << report->packs_kept << " kept; "
                  << HumanBytes(report->bytes_freed) << " freed; " << report->wal_removed
                  << " wal object(s) removed\n";
      }
    }
    if (opts->json) {
      std::string out;
      JsonObject(&out)
          .Bool("dry_run", opts->dry_run)
          .Raw("snapshots", decisions_json)
          .UInt("removed", removed.size())
          .Raw("prune", prune_json)
          .Close();
      std::cout << out << "\n";
    } else {
      std::cout << (opts->dry_run ? "would remove " : "removed ") << removed.size() << " snapshot(s)\n";
    }
  });
}

}  // namespace pb::cli
