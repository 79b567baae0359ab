// paymentsctl restore.
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/remote_commands.h"
#include "cli/repo_access.h"
#include "cli/repo_commands.h"
#include "cli/snapshot_options.h"
#include "common/json_text.h"
#include "common/time_util.h"
#include "repo/lock.h"
#include "restore/ownership.h"
#include "restore/restorer.h"

namespace pb::cli {
namespace {

// Exit code of a restore that put the directory in place: 1, with the lost
// records named on stderr, when shipped records could not be applied.
int ReportWalLoss(const restore::WalReplayReport& wal) {
  if (wal.lost_from == 0) return 0;
  std::cerr << "paymentsctl restore: WARNING: the restored directory stops at seq " << wal.lost_from - 1
            << ": the shipped records " << wal.lost_from << "-" << wal.lost_to << " are LOST to this restore ("
            << wal.lost_reason << "); run `paymentsctl check` on the repository\n";
  return 1;
}

}  // namespace

void AddRestoreCommand(CLI::App* app, int* exit_code) {
  struct Options : RepoOptions {
    RemoteOptions remote;
    SnapshotFilterOptions filter;
    int timeout_s = 120;
    std::string openapi_path;
    std::string snapshot;
    std::string to;
    std::string at;
    std::string env_to;
    std::string owner;
    bool force = false;
    bool json = false;
    int wal = 0;  // +1 --wal, -1 --no-wal, 0 the default
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app->add_subcommand(
      "restore", "restore a snapshot into a directory (checked and verified before it is put in place)");
  AddRepoOptions(cmd, opts.get());
  cmd->add_option("snapshot", opts->snapshot,
                  "snapshot id (a unique prefix), or latest: the newest of the target's data directory, or of the "
                  "only one")
      ->required();
  AddSnapshotFilterOptions(cmd, &opts->filter);
  cmd->add_option("--to", opts->to, "directory to create (must be empty unless --force)");
  cmd->add_option("--at", opts->at,
                  "the ledger as of this UTC time (2026-11-24T13:00:00Z), from whichever snapshot or shipped "
                  "journal of the snapshot's data directory holds it; refused when it cannot be reached exactly");
  cmd->add_option("--env-to", opts->env_to, "write the snapshot's .env (if any) to this file");
  cmd->add_flag("--force", opts->force,
                "move a non-empty target aside (kept as <dir>.before-restore-<time>, or inside a mount point as "
                "<dir>/.before-restore-<time>)");
  cmd->add_option("--owner", opts->owner,
                  "give every restored entry this owner, UID:GID (as root; default: the owners the snapshot records)");
  cmd->add_flag("--json", opts->json, "print the result as JSON");
  cmd->add_flag("--wal,!--no-wal", opts->wal,
                "also apply the journal records shipped after the snapshot by paymentsctl replicate "
                "(default: with latest or --at, not with a snapshot id)");
  AddRemoteOptions(cmd, &opts->remote, /*required=*/false);
  cmd->add_option("--timeout-seconds", opts->timeout_s, "with --inventory: how long to wait for health")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_option("--expect-openapi-path", opts->openapi_path,
                  "with --inventory: a path the service's /openapi.json must list");
  cmd->callback([opts, exit_code] {
    if (IsRemote(opts->remote) == !opts->to.empty()) {
      *exit_code = ReportError("restore", Status::InvalidArgument(
                                              "give either --to DIR (restore to a directory here) or --inventory "
                                              "FILE --target NAME (restore to a host)"));
      return;
    }
    if (IsRemote(opts->remote)) {
      if (!opts->env_to.empty() || opts->force || !opts->owner.empty()) {
        *exit_code = ReportError("restore", Status::InvalidArgument(
                                                "--env-to, --force and --owner are for restores to a directory; a "
                                                "host's data/ is always moved aside to backups/ and its .env is kept"));
        return;
      }
      remote::HostRestoreOptions options;
      options.ssh = SshOptionsOf(opts->remote);
      options.timeout_s = opts->timeout_s;
      options.openapi_path = opts->openapi_path;
      options.staging_root = StagingRoot(opts->remote);
      if (!opts->at.empty()) {
        auto at = ParseUtcTime(opts->at);
        if (!at.ok()) {
          *exit_code = ReportError("restore", at.status());
          return;
        }
        options.at_ms = *at;
      }
      opts->remote.json = opts->json;
      *exit_code = RunRemoteRestore(opts->remote, *opts, opts->snapshot, opts->filter.Filter(), options);
      return;
    }
    restore::RestoreOptions options;
    options.target = std::filesystem::absolute(opts->to).lexically_normal().string();
    while (options.target.size() > 1 && options.target.back() == '/') options.target.pop_back();
    options.force = opts->force;
    if (!opts->env_to.empty()) options.env_to = std::filesystem::absolute(opts->env_to).lexically_normal().string();
    if (!opts->at.empty()) {
      auto at = ParseUtcTime(opts->at);
      if (!at.ok()) {
        *exit_code = ReportError("restore", at.status());
        return;
      }
      options.at_ms = *at;
    }
    if (!opts->owner.empty()) {
      auto owner = restore::ParseOwner(opts->owner);
      if (!owner.ok()) {
        *exit_code = ReportError("restore", owner.status());
        return;
      }
      options.owner = *owner;
    }
    auto opened = OpenRepo(*opts, repo::LockMode::kRead, "restore", /*load_index=*/true);
    if (!opened.ok()) {
      *exit_code = ReportError("restore", opened.status());
      return;
    }
    auto snap = ChooseSnapshot(opened->repo.get(), opts->snapshot, opts->filter.Filter(),
                               repo::SnapshotGroup{repo::HostName(), options.target});
    if (!snap.ok()) {
      *exit_code = ReportError("restore", snap.status());
      return;
    }
    options.apply_wal = opts->wal != 0 ? opts->wal > 0 : opts->snapshot == "latest" || options.at_ms.has_value();
    ProgressLine progress;
    auto result = restore::RunRestore(opened->repo.get(), *snap, options, [&](const restore::RestoreProgress& p) {
      if (p.stage == restore::RestoreStage::kFiles) {
        progress.Update(p.bytes_done, p.bytes_total);
      } else {
        progress.Show("applying the shipped journal: " + std::to_string(p.wal.objects_done) + " / " +
                      std::to_string(p.wal.objects_total) + " wal object(s), at seq " + std::to_string(p.wal.seq));
      }
    });
    progress.Finish();
    if (!result.ok()) {
      *exit_code = ReportError("restore", result.status());
      return;
    }
    if (!result->owner_note.empty()) std::cerr << "paymentsctl restore: note: " << result->owner_note << "\n";
    if (opts->json) {
      std::string out;
      JsonObject(&out)
          .Str("snapshot_id", result->snapshot_id)
          .Str("target", options.target)
          .UInt("files", result->files)
          .UInt("bytes", result->bytes)
          .Bool("verified", result->verified)
          .Bool("python_era", result->python_era)
          .Str("warning", result->warning)
          .UInt("journal_seq", result->journal_seq)
          .Str("moved_aside", result->moved_aside)
          .Str("env_written", result->env_written)
          .Bool("env_skipped", result->env_skipped)
          .UInt("wal_objects", result->wal.objects)
          .UInt("wal_objects_listed", result->wal.listed)
          .UInt("wal_objects_read", result->wal.read)
          .UInt("wal_first_seq", result->wal.first_seq)
          .UInt("wal_last_seq", result->wal.last_seq)
          .UInt("wal_lost_from", result->wal.lost_from)
          .UInt("wal_lost_to", result->wal.lost_to)
          .Str("wal_lost_reason", result->wal.lost_reason)
          .Str("at_last_record", result->at_last_ts_ms ? FormatIso8601(result->at_last_ts_ms) : "")
          .Str("owner_note", result->owner_note)
          .Close();
      std::cout << out << "\n";
      if (!result->warning.empty()) std::cerr << "paymentsctl restore: WARNING: " << result->warning << "\n";
      *exit_code = ReportWalLoss(result->wal);
      return;
    }
    std::cout << "restored snapshot " << result->snapshot_id.substr(0, 8) << " to " << options.target << ": "
              << result->files << " file(s), " << HumanBytes(result->bytes) << "\n";
    if (result->verified && result->python_era) {
      std::cout << "verified: a Python-era data directory (no journal): its JSON files parse, no balance is "
                   "negative, no workload was credited twice\n";
    } else if (result->verified) {
      std::cout << "verified: ledger journal through seq " << result->journal_seq << "\n";
    }
    if (options.at_ms) {
      std::cout << "the ledger as of " << FormatIso8601(*options.at_ms) << ": its last record is seq "
                << result->journal_seq << " at " << FormatIso8601(result->at_last_ts_ms) << "\n";
    }
    if (!result->warning.empty()) std::cerr << "paymentsctl restore: WARNING: " << result->warning << "\n";
    if (!result->moved_aside.empty()) std::cout << "the previous directory was moved to " << result->moved_aside << "\n";
    if (!result->env_written.empty()) std::cout << ".env written to " << result->env_written << "\n";
    if (result->env_skipped) std::cout << "the snapshot holds a .env: restore it with --env-to FILE\n";
    if (result->wal.objects > 0) {
      std::cout << "applied shipped journal records " << result->wal.first_seq << "-" << result->wal.last_seq
                << " from " << result->wal.objects << " wal object(s) (of " << result->wal.listed
                << " listed)\n";
    }
    *exit_code = ReportWalLoss(result->wal);
  });
}

}  // namespace pb::cli
