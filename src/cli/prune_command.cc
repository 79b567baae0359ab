// paymentsctl prune [--dry-run], and the prune plan's text and JSON that
// forget --prune prints too.
#include "cli/prune_command.h"

#include <memory>

#include "cli/command_line.h"
#include "cli/repo_access.h"
#include "cli/repo_commands.h"
#include "common/json_text.h"

namespace pb::cli {
namespace {

uint64_t StoredBytes(const std::vector<repo::PackEntry>& blobs) {
  uint64_t bytes = 0;
  for (const repo::PackEntry& e : blobs) bytes += e.length;
  return bytes;
}

// One line per pack or wal object the plan removes or rewrites.
std::string PlanLines(const repo::PrunePlan& plan) {
  std::string out;
  for (const repo::IndexedPack& p : plan.remove) {
    out += "  remove  pack " + ToHex(p.pack) + "  " + std::to_string(p.blobs.size()) + " blob(s), " +
           HumanBytes(StoredBytes(p.blobs)) + ": no snapshot uses them\n";
  }
  for (const repo::PackRewrite& r : plan.rewrite) {
    out += "  rewrite pack " + ToHex(r.pack) + "  keeps " + std::to_string(r.keep.size()) + " of " +
           std::to_string(r.blobs) + " blob(s), " + HumanBytes(StoredBytes(r.keep)) + " of " + HumanBytes(r.bytes) +
           "\n";
  }
  for (const std::string& name : plan.orphans) {
    out += "  remove  pack " + name + "  no index file lists it (left by an interrupted backup)\n";
  }
  for (const std::string& name : plan.wal) out += "  remove  wal  " + name + "\n";
  return out;
}

struct PruneOptions : RepoOptions {
  bool dry_run = false;
  OutputOptions output;
};

// Text: PrunePlanText. JSON: dry_run, and prune (PrunePlanJson).
class PrunePrinter : public Report {
 public:
  PrunePrinter(const repo::PrunePlan& plan, bool dry_run) : plan_(plan), dry_run_(dry_run) {}
  void Json(JsonObject& o) const override { o.Bool("dry_run", dry_run_).Raw("prune", PrunePlanJson(plan_)); }
  void Text(std::ostream& out) const override { out << PrunePlanText(plan_, dry_run_); }

 private:
  const repo::PrunePlan& plan_;
  bool dry_run_;
};

// Plans the prune of opts' repository under the exclusive lock and, unless
// --dry-run, carries it out; prints the plan.
Status RunPrune(const PruneOptions& opts, Output& out) {
  // Prune reads every snapshot's trees, which are blobs: it needs the index.
  PB_ASSIGN_OR_RETURN(
      OpenedRepo opened,
      OpenRepo(opts, {.mode = repo::LockMode::kExclusive, .operation = "prune", .load_index = true}, &out));
  PB_ASSIGN_OR_RETURN(const repo::PrunePlan plan, repo::PlanPrune(opened.repo.get(), {}));
  if (!opts.dry_run) PB_RETURN_IF_ERROR(repo::ExecutePrune(opened.repo.get(), plan));
  out.Print(PrunePrinter(plan, opts.dry_run));
  return Status::Ok();
}

}  // namespace

std::string PrunePlanText(const repo::PrunePlan& plan, bool dry_run) {
  std::string out = dry_run ? PlanLines(plan) + "would prune: " : "pruned: ";
  out += std::to_string(plan.packs_removed()) + " pack(s) removed, " + std::to_string(plan.rewrite.size()) +
         " rewritten, " + std::to_string(plan.keep.size()) + " kept; " + std::to_string(plan.blobs_removed) +
         " blob(s), " + HumanBytes(plan.bytes_freed) + " freed, " + HumanBytes(plan.bytes_copied) + " copied; " +
         std::to_string(plan.wal.size()) + " wal object(s) removed\n";
  return out;
}

std::string PrunePlanJson(const repo::PrunePlan& plan) {
  std::vector<std::string> removed, rewritten;
  for (const repo::IndexedPack& p : plan.remove) removed.push_back(ToHex(p.pack));
  for (const repo::PackRewrite& r : plan.rewrite) rewritten.push_back(ToHex(r.pack));
  std::string out;
  JsonObject(&out)
      .UInt("packs_removed", plan.packs_removed())
      .UInt("packs_rewritten", plan.rewrite.size())
      .UInt("packs_kept", plan.keep.size())
      .UInt("blobs_removed", plan.blobs_removed)
      .UInt("bytes_freed", plan.bytes_freed)
      .UInt("bytes_copied", plan.bytes_copied)
      .UInt("wal_removed", plan.wal.size())
      .Raw("removed_packs", JsonStringArray(removed))
      .Raw("rewritten_packs", JsonStringArray(rewritten))
      .Raw("orphan_packs", JsonStringArray(plan.orphans))
      .Raw("removed_wal", JsonStringArray(plan.wal))
      .Close();
  return out;
}

void AddPruneCommand(CLI::App* app, int* exit_code) {
  auto opts = std::make_shared<PruneOptions>();
  CLI::App* cmd = app->add_subcommand(
      "prune", "delete the data no snapshot uses (after forget), under the exclusive lock; --dry-run prints the plan");
  AddRepoOptions(cmd, opts.get());
  cmd->add_flag("--dry-run", opts->dry_run, "only print the plan: each pack and wal object to remove or rewrite");
  AddOutputOptions(cmd, &opts->output, "print the plan as JSON");
  Bind(cmd, opts, exit_code, RunPrune);
}

}  // namespace pb::cli
