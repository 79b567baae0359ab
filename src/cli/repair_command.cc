// paymentsctl repair [--dry-run].
#include <iostream>
#include <memory>

#include "cli/repo_access.h"
#include "cli/repo_commands.h"
#include "common/json_text.h"
#include "common/time_util.h"
#include "repo/repair.h"

namespace pb::cli {
namespace {

void PrintJson(const repo::RepairReport& r) {
  std::string losses = "[";
  for (size_t i = 0; i < r.losses.size(); ++i) {
    const repo::SnapshotRef& s = r.losses[i].snapshot;
    if (i) losses.push_back(',');
    JsonObject(&losses)
        .Str("id", s.id)
        .Str("time", FormatIso8601(s.snapshot.time_ms))
        .Str("host", s.snapshot.host)
        .Str("data_dir", s.snapshot.data_dir)
        .Raw("paths", JsonStringArray(r.losses[i].paths))
        .Close();
  }
  losses.push_back(']');
  std::string out;
  JsonObject(&out)
      .Bool("dry_run", r.dry_run)
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
      .Raw("snapshots_with_lost_data", losses)
      .Raw("unreadable_snapshots", JsonStringArray(r.unreadable_snapshots))
      .Close();
  std::cout << out << "\n";
}

void PrintText(const repo::RepairReport& r) {
  const char* would = r.dry_run ? "would be " : "";
  std::cout << "read " << r.packs << " pack(s), " << HumanBytes(r.pack_bytes) << ": " << r.packs_sound << " sound, "
            << r.damaged_packs.size() << " damaged\n";
  for (const std::string& d : r.damaged_packs) std::cout << "DAMAGED pack " << d << " (" << would << "removed)\n";
  for (const std::string& m : r.missing_packs) std::cout << "MISSING pack " << m << "\n";
  for (const std::string& u : r.unreadable_index) {
    std::cout << "UNREADABLE index file " << u << " (" << would << "replaced)\n";
  }
  for (const std::string& u : r.unreadable_snapshots) {
    std::cout << "UNREADABLE snapshot file " << u << " (left as it is)\n";
  }
  if (!r.index_rewritten) {
    std::cout << "the index already matches the packs: nothing " << (r.dry_run ? "to change" : "changed") << "\n";
  } else {
    std::cout << (r.dry_run ? "would rebuild" : "rebuilt") << " the index from the packs: " << r.blobs_indexed
              << " blob(s) in " << r.index_files_written << " index file(s), replacing " << r.index_files_removed
              << "; " << r.blobs_salvaged << " blob(s) copied out of damaged packs, " << r.blobs_dropped
              << " dropped\n";
  }
  if (r.losses.empty()) {
    std::cout << "every snapshot is whole\n";
    return;
  }
  std::cout << r.losses.size() << " snapshot(s) " << (r.dry_run ? "would lack" : "lack")
            << " data that no sound pack holds:\n";
  for (const repo::SnapshotLoss& l : r.losses) {
    const repo::Snapshot& s = l.snapshot.snapshot;
    std::cout << "  " << l.snapshot.id.substr(0, 8) << "  " << FormatIso8601(s.time_ms) << "  " << s.host << ":"
              << s.data_dir << "\n";
    for (const std::string& p : l.paths) std::cout << "      " << p << "\n";
  }
  std::cout << "Next: run `paymentsctl backup` of each data directory: it stores again whatever its files still hold, "
               "which also makes an older snapshot whole again when the lost bytes are unchanged. Then `paymentsctl "
               "check` names the snapshots that stay incomplete; `paymentsctl forget` removes them.\n";
}

}  // namespace

void AddRepairCommand(CLI::App* app, int* exit_code) {
  struct Options : RepoOptions {
    bool dry_run = false;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app->add_subcommand(
      "repair", "rebuild the index from the packs present, dropping damaged or missing data, and list the snapshots "
                "that lost data (reads every pack)");
  AddRepoOptions(cmd, opts.get());
  cmd->add_flag("--dry-run", opts->dry_run, "only read and report what repair would do");
  cmd->add_flag("--json", opts->json, "print the report as JSON");
  cmd->callback([opts, exit_code] {
    auto opened = OpenRepo(*opts, repo::LockMode::kExclusive, "repair", /*load_index=*/false);
    if (!opened.ok()) {
      *exit_code = ReportError("repair", opened.status());
      return;
    }
    ProgressLine progress;
    auto report = repo::Repair(opened->repo.get(), opts->dry_run, progress.ByteCounter());
    progress.Finish();
    if (!report.ok()) {
      *exit_code = ReportError("repair", report.status());
      return;
    }
    if (opts->json) {
      PrintJson(*report);
    } else {
      PrintText(*report);
    }
    // Exit 1 while a snapshot lacks data: the operator has something to do.
    *exit_code = report->losses.empty() && report->unreadable_snapshots.empty() ? 0 : 1;
  });
}

}  // namespace pb::cli
