// paymentsctl forget [ID...] [--keep-*] [--prune] [--dry-run]: RunForget
// plans (repo/forget_plan.h; repo/prune.h with --prune), carries the plan
// out unless --dry-run, and prints it through ForgetPrinter.
#include <memory>
#include <optional>

#include "cli/command_line.h"
#include "cli/prune_command.h"
#include "cli/repo_access.h"
#include "cli/repo_commands.h"
#include "cli/snapshot_options.h"
#include "common/json_text.h"
#include "common/time_util.h"
#include "repo/forget_plan.h"
#include "repo/prune.h"
#include "repo/retention.h"

namespace pb::cli {
namespace {

struct ForgetOptions : RepoOptions {
  repo::RetentionPolicy policy;  // keep_within_hours comes from keep_within
  std::string keep_within;       // --keep-within as given, "" when absent
  SnapshotFilterOptions filter;
  std::vector<std::string> ids;
  bool prune = false;
  bool dry_run = false;
  OutputOptions output;
};

struct ForgetReport {
  bool dry_run = false;
  repo::ForgetPlan plan;
  std::optional<repo::PrunePlan> prune;  // with --prune
};

// The policy opts give: --keep-* with --keep-within read. InvalidArgument
// for a --keep-within that is not a duration, for ids and a policy both,
// and for a policy that keeps nothing when no id is given.
Result<repo::RetentionPolicy> PolicyOf(const ForgetOptions& opts) {
  repo::RetentionPolicy policy = opts.policy;
  if (!opts.keep_within.empty()) {
    PB_ASSIGN_OR_RETURN(policy.keep_within_hours, repo::ParseKeepWithin(opts.keep_within));
  }
  if (!opts.ids.empty() && !policy.empty()) {
    return Status::InvalidArgument("give either snapshot ids or --keep-* options, not both");
  }
  if (opts.ids.empty()) PB_RETURN_IF_ERROR(repo::ValidateRetentionPolicy(policy));
  return policy;
}

// How the options combine (PolicyOf): an error is a usage error.
Status CheckForget(const ForgetOptions& opts) { return PolicyOf(opts).status(); }

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Text: per group a heading, then "keep"/"remove", the short id, the time
// and the reasons of each snapshot; then the count and the prune plan.
// JSON: dry_run, policy, snapshots (each decision), removed, removed_ids,
// prune (PrunePlanJson, or null without --prune).
class ForgetPrinter : public Report {
 public:
  explicit ForgetPrinter(const ForgetReport& r) : r_(r) {}
  void Json(JsonObject& o) const override {
    o.Bool("dry_run", r_.dry_run)
        .Str("policy", r_.plan.policy)
        .Raw("snapshots", SnapshotsJson())
        .UInt("removed", r_.plan.remove.size())
        .Raw("removed_ids", JsonStringArray(r_.plan.remove))
        .Raw("prune", r_.prune ? PrunePlanJson(*r_.prune) : "null");
  }
  void Text(std::ostream& out) const override {
    for (const repo::GroupRetention& g : r_.plan.groups) {
      out << repo::DescribeGroup(g.group) << " (" << r_.plan.policy << "):\n";
      for (const repo::RetentionDecision& d : g.decisions) {
        out << (d.keep ? "  keep   " : "  remove ") << d.id.substr(0, 8) << "  " << FormatIso8601(d.time_ms)
            << (d.keep ? "  " + Joined(d.reasons) : "") << "\n";
      }
    }
    out << (r_.dry_run ? "would remove " : "removed ") << r_.plan.remove.size() << " snapshot(s)"
        << (r_.dry_run ? " (--dry-run: nothing was removed)" : "") << "\n";
    if (r_.prune) out << PrunePlanText(*r_.prune, r_.dry_run);
  }

 private:
  std::string SnapshotsJson() const {
    std::string out = "[";
    for (const repo::GroupRetention& g : r_.plan.groups) {
      for (const repo::RetentionDecision& d : g.decisions) {
        if (out.size() > 1) out.push_back(',');
        JsonObject(&out)
            .Str("id", d.id)
            .Bool("keep", d.keep)
            .Raw("reasons", JsonStringArray(d.reasons))
            .Str("short_id", d.id.substr(0, 8))
            .Str("time", FormatIso8601(d.time_ms))
            .Str("host", g.group.host)
            .Str("data_dir", g.group.data_dir)
            .Close();
      }
    }
    out.push_back(']');
    return out;
  }

  const ForgetReport& r_;
};

// Plans what to forget (and with --prune what to prune, before anything is
// removed: a repository prune cannot read loses no snapshot either), then,
// unless --dry-run, removes the snapshots and prunes; prints the plan.
Status RunForget(const ForgetOptions& opts, Output& out) {
  PB_ASSIGN_OR_RETURN(repo::RetentionPolicy policy, PolicyOf(opts));
  // Prune reads every snapshot's trees, which are blobs: it needs the index.
  PB_ASSIGN_OR_RETURN(OpenedRepo opened,
                      OpenRepo(opts,
                               {.mode = opts.prune ? repo::LockMode::kExclusive : repo::LockMode::kAppend,
                                .operation = "forget",
                                .load_index = opts.prune},
                               &out));
  PB_ASSIGN_OR_RETURN(std::vector<repo::SnapshotRef> all, opened.repo->ListSnapshots());
  const repo::SnapshotFilter filter = opts.filter.Filter();
  ForgetReport report;
  PB_ASSIGN_OR_RETURN(report.plan, opts.ids.empty() ? repo::PlanForgetByPolicy(all, filter, policy)
                                                    : repo::PlanForgetByIds(all, opts.ids, filter));
  report.dry_run = opts.dry_run;
  if (opts.prune) {
    PB_ASSIGN_OR_RETURN(report.prune, repo::PlanPrune(opened.repo.get(), report.plan.remove));
  }
  if (!opts.dry_run) {
    PB_RETURN_IF_ERROR(repo::ExecuteForget(opened.repo.get(), report.plan));
    if (report.prune) PB_RETURN_IF_ERROR(repo::ExecutePrune(opened.repo.get(), *report.prune));
  }
  out.Print(ForgetPrinter(report));
  return Status::Ok();
}

}  // namespace

void AddForgetCommand(CLI::App* app, int* exit_code) {
  auto opts = std::make_shared<ForgetOptions>();
  CLI::App* cmd = app->add_subcommand(
      "forget",
      "remove snapshots by a retention policy, per data directory (host and path), never the one holding a data "
      "directory's longest ledger; or the snapshots named by id; --dry-run prints the plan; --prune frees their data");
  AddRepoOptions(cmd, opts.get());
  cmd->add_option("snapshot", opts->ids,
                  "snapshot ids (unique prefixes) to remove, instead of a --keep-* policy; one that is unknown or "
                  "ambiguous removes nothing");
  AddSnapshotFilterOptions(cmd, &opts->filter);
  cmd->add_option("--keep-last", opts->policy.keep_last, "keep the N newest snapshots");
  cmd->add_option("--keep-within", opts->keep_within,
                  "keep every snapshot newer than the group's newest snapshot minus DURATION (days and/or hours: 7d, "
                  "36h, 2d12h)");
  cmd->add_option("--keep-hourly", opts->policy.keep_hourly, "keep the newest snapshot of each of the last N hours");
  cmd->add_option("--keep-daily", opts->policy.keep_daily, "... of each of the last N days");
  cmd->add_option("--keep-weekly", opts->policy.keep_weekly, "... of each of the last N ISO weeks");
  cmd->add_option("--keep-monthly", opts->policy.keep_monthly, "... of each of the last N months");
  cmd->add_option("--keep-yearly", opts->policy.keep_yearly, "... of each of the last N years");
  cmd->add_option("--keep-tag", opts->policy.keep_tags, "keep every snapshot with this tag (repeatable)");
  cmd->add_flag("--prune", opts->prune, "then delete the data no remaining snapshot uses (as `paymentsctl prune`)");
  cmd->add_flag("--dry-run", opts->dry_run,
                "only print the plan: each snapshot kept (and why) or removed, and with --prune what prune would do");
  AddOutputOptions(cmd, &opts->output, "print the plan (or what was done) as JSON");
  Bind(cmd, opts, exit_code, RunForget, CheckForget);
}

}  // namespace pb::cli
