// paymentsctl repair [--dry-run].
#include <memory>

#include "cli/command_line.h"
#include "cli/repo_access.h"
#include "cli/repo_commands.h"
#include "cli/snapshot_options.h"
#include "common/time_util.h"
#include "repo/repair.h"

namespace pb::cli {
namespace {

struct RepairOptions : RepoOptions {
  bool dry_run = false;
  OutputOptions output;
};

void LossJson(std::string* out, const repo::SnapshotLoss& loss) {
  JsonObject o(out);
  SnapshotNameJson(o, loss.snapshot);
  o.Raw("paths", JsonStringArray(loss.paths)).Close();
}

void ReportJson(JsonObject& o, const repo::RepairReport& r) {
  o.Bool("dry_run", r.dry_run)
      .UInt("packs", r.packs)
      .UInt("pack_bytes", r.pack_bytes)
      .UInt("packs_sound", r.packs_sound)
      .Raw("damaged_packs", JsonStringArray(r.damaged_packs))
      .Raw("missing_packs", JsonStringArray(r.missing_packs))
      .Raw("unreadable_index", JsonStringArray(r.unreadable_index))
      .UInt("blobs_salvaged", r.blobs_salvaged)
      .UInt("blobs_dropped", r.blobs_dropped)
      .UInt("blobs_indexed", r.blobs_indexed)
      .Bool("index_rewritten", r.index_rewritten)
      .UInt("index_files_removed", r.index_files_removed)
      .UInt("index_files_written", r.index_files_written)
      .Raw("snapshots_with_lost_data", JsonArray(r.losses, LossJson))
      .Raw("unreadable_snapshots", JsonStringArray(r.unreadable_snapshots));
}

void ReportText(std::ostream& out, const repo::RepairReport& r) {
  const char* would = r.dry_run ? "would be " : "";
  out << "read " << r.packs << " pack(s), " << HumanBytes(r.pack_bytes) << ": " << r.packs_sound << " sound, "
            << r.damaged_packs.size() << " damaged\n";
  for (const std::string& d : r.damaged_packs) out << "DAMAGED pack " << d << " (" << would << "removed)\n";
  for (const std::string& m : r.missing_packs) out << "MISSING pack " << m << "\n";
  for (const std::string& u : r.unreadable_index) {
    out << "UNREADABLE index file " << u << " (" << would << "replaced)\n";
  }
  for (const std::string& u : r.unreadable_snapshots) {
    out << "UNREADABLE snapshot file " << u << " (left as it is)\n";
  }
  if (!r.index_rewritten) {
    out << "the index already matches the packs: nothing " << (r.dry_run ? "to change" : "changed") << "\n";
  } else {
    out << (r.dry_run ? "would rebuild" : "rebuilt") << " the index from the packs: " << r.blobs_indexed
              << " blob(s) in " << r.index_files_written << " index file(s), replacing " << r.index_files_removed
              << "; " << r.blobs_salvaged << " blob(s) copied out of damaged packs, " << r.blobs_dropped
              << " dropped\n";
  }
  if (r.losses.empty()) {
    out << "every snapshot is whole\n";
    return;
  }
  out << r.losses.size() << " snapshot(s) " << (r.dry_run ? "would lack" : "lack")
            << " data that no sound pack holds:\n";
  for (const repo::SnapshotLoss& l : r.losses) {
    const repo::Snapshot& s = l.snapshot.snapshot;
    out << "  " << l.snapshot.id.substr(0, 8) << "  " << FormatIso8601(s.time_ms) << "  " << s.host << ":"
              << s.data_dir << "\n";
    for (const std::string& p : l.paths) out << "      " << p << "\n";
  }
  out << "Next: run `paymentsctl backup` of each data directory: it stores again whatever its files still hold, "
               "which also makes an older snapshot whole again when the lost bytes are unchanged. Then `paymentsctl "
               "check` names the snapshots that stay incomplete; `paymentsctl forget` removes them.\n";
}

class RepairPrinter : public Report {
 public:
  explicit RepairPrinter(const repo::RepairReport& r) : r_(r) {}
  // Not ok while a snapshot lacks data: the operator has something to do.
  bool ok() const override { return r_.losses.empty() && r_.unreadable_snapshots.empty(); }
  void Json(JsonObject& o) const override { ReportJson(o, r_); }
  void Text(std::ostream& out) const override { ReportText(out, r_); }

 private:
  const repo::RepairReport& r_;
};

Status RunRepair(const RepairOptions& o, Output& out) {
  PB_ASSIGN_OR_RETURN(OpenedRepo opened,
                      OpenRepo(o, {.mode = repo::LockMode::kExclusive, .operation = "repair"}, &out));
  PB_ASSIGN_OR_RETURN(const repo::RepairReport report,
                      repo::Repair(opened.repo.get(), o.dry_run, out.progress().ByteCounter()));
  out.Print(RepairPrinter(report));
  return Status::Ok();
}

}  // namespace

void AddRepairCommand(CLI::App* app, int* exit_code) {
  auto opts = std::make_shared<RepairOptions>();
  CLI::App* cmd = app->add_subcommand(
      "repair", "rebuild the index from the packs present, dropping damaged or missing data, and list the snapshots "
                "that lost data (reads every pack)");
  AddRepoOptions(cmd, opts.get());
  cmd->add_flag("--dry-run", opts->dry_run, "only read and report what repair would do");
  AddOutputOptions(cmd, &opts->output);
  Bind(cmd, opts, exit_code, RunRepair);
}

}  // namespace pb::cli
