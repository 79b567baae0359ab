// paymentsctl restore.
#include <memory>
#include <optional>

#include "cli/command_line.h"
#include "cli/remote_commands.h"
#include "cli/repo_access.h"
#include "cli/repo_commands.h"
#include "cli/snapshot_options.h"
#include "common/time_util.h"
#include "restore/ownership.h"
#include "restore/restorer.h"
#include "restore/wal_default.h"

namespace pb::cli {
namespace {

struct RestoreCliOptions : RepoOptions {
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
  std::optional<bool> wal;  // --wal, --no-wal, or neither (restore::AppliesShippedJournal)
  OutputOptions output;

  std::optional<int64_t> AtMs() const {
    if (at.empty()) return std::nullopt;
    auto ms = ParseUtcTime(at);
    return ms.ok() ? std::optional<int64_t>(*ms) : std::nullopt;
  }
};

Status CheckRestore(const RestoreCliOptions& o) {
  if (IsRemote(o.remote) == !o.to.empty()) {
    return Status::InvalidArgument(
        "give either --to DIR (restore to a directory here) or --inventory FILE --target NAME (restore to a host)");
  }
  if (IsRemote(o.remote) && (!o.env_to.empty() || o.force || !o.owner.empty())) {
    return Status::InvalidArgument(
        "--env-to, --force and --owner are for restores to a directory; a host's data/ is always moved aside to "
        "backups/ and its .env is kept");
  }
  if (!o.at.empty()) PB_RETURN_IF_ERROR(ParseUtcTime(o.at).status());
  if (!o.owner.empty()) PB_RETURN_IF_ERROR(restore::ParseOwner(o.owner).status());
  return Status::Ok();
}

class RestorePrinter : public Report {
 public:
  RestorePrinter(const restore::RestoreResult& r, const restore::RestoreOptions& options) : r_(r), options_(options) {}
  // Not ok when shipped records could not be applied: the directory is in
  // place but stops before them.
  bool ok() const override { return r_.wal.lost_from == 0; }

  void Json(JsonObject& o) const override {
    o.Str("snapshot_id", r_.snapshot_id)
        .Str("target", options_.target)
        .UInt("files", r_.files)
        .UInt("bytes", r_.bytes)
        .Bool("verified", r_.verified)
        .Bool("python_era", r_.python_era)
        .Str("warning", r_.warning)
        .UInt("journal_seq", r_.journal_seq)
        .Str("moved_aside", r_.moved_aside)
        .Str("env_written", r_.env_written)
        .Bool("env_skipped", r_.env_skipped)
        .Bool("wal_applied", options_.apply_wal)
        .UInt("wal_objects", r_.wal.objects)
        .UInt("wal_objects_listed", r_.wal.listed)
        .UInt("wal_objects_read", r_.wal.read)
        .UInt("wal_first_seq", r_.wal.first_seq)
        .UInt("wal_last_seq", r_.wal.last_seq)
        .UInt("wal_lost_from", r_.wal.lost_from)
        .UInt("wal_lost_to", r_.wal.lost_to)
        .Str("wal_lost_reason", r_.wal.lost_reason)
        .Str("at_last_record", r_.at_last_ts_ms ? FormatIso8601(r_.at_last_ts_ms) : "")
        .Str("owner_note", r_.owner_note);
  }

  void Text(std::ostream& out) const override {
    out << "restored snapshot " << r_.snapshot_id.substr(0, 8) << " to " << options_.target << ": " << r_.files
        << " file(s), " << HumanBytes(r_.bytes) << "\n";
    if (r_.verified && r_.python_era) {
      out << "verified: a Python-era data directory (no journal): its JSON files parse, no balance is negative, no "
             "workload was credited twice\n";
    } else if (r_.verified) {
      out << "verified: ledger journal through seq " << r_.journal_seq << "\n";
    }
    if (options_.at_ms) {
      out << "the ledger as of " << FormatIso8601(*options_.at_ms) << ": its last record is seq " << r_.journal_seq
          << " at " << FormatIso8601(r_.at_last_ts_ms) << "\n";
    }
    if (!r_.moved_aside.empty()) out << "the previous directory was moved to " << r_.moved_aside << "\n";
    if (!r_.env_written.empty()) out << ".env written to " << r_.env_written << "\n";
    if (r_.env_skipped) out << "the snapshot holds a .env: restore it with --env-to FILE\n";
    if (r_.wal.objects > 0) {
      out << "applied shipped journal records " << r_.wal.first_seq << "-" << r_.wal.last_seq << " from "
          << r_.wal.objects << " wal object(s)\n";
    }
  }

 private:
  const restore::RestoreResult& r_;
  const restore::RestoreOptions& options_;
};

restore::RestoreOptions LocalOptions(const RestoreCliOptions& o) {
  restore::RestoreOptions options;
  options.target = AbsoluteDir(o.to);
  options.force = o.force;
  if (!o.env_to.empty()) options.env_to = AbsoluteDir(o.env_to);
  options.at_ms = o.AtMs();
  if (!o.owner.empty()) {
    auto owner = restore::ParseOwner(o.owner);
    if (owner.ok()) options.owner = *owner;  // CheckRestore refused it otherwise
  }
  options.apply_wal = restore::AppliesShippedJournal(o.wal, o.snapshot, options.at_ms);
  return options;
}

Status LocalRestore(const RestoreCliOptions& o, Output& out) {
  const restore::RestoreOptions options = LocalOptions(o);
  PB_ASSIGN_OR_RETURN(OpenedRepo opened, OpenRepo(o, {.mode = repo::LockMode::kRead, .operation = "restore",
                                                      .load_index = true},
                                                  &out));
  PB_ASSIGN_OR_RETURN(const repo::SnapshotRef snap,
                      ChooseSnapshot(opened.repo.get(), o.snapshot, o.filter.Filter(),
                                     repo::SnapshotGroup{repo::HostName(), options.target}, out));
  auto result = restore::RunRestore(opened.repo.get(), snap, options, [&](const restore::RestoreProgress& p) {
    if (p.stage == restore::RestoreStage::kFiles) {
      out.progress().Update(p.bytes_done, p.bytes_total);
    } else {
      out.progress().Show("applying the shipped journal: " + std::to_string(p.wal.objects_done) + " / " +
                          std::to_string(p.wal.objects_total) + " wal object(s), at seq " + std::to_string(p.wal.seq));
    }
  });
  if (!result.ok()) return result.status();
  if (!result->owner_note.empty()) out.Note("paymentsctl restore: note: " + result->owner_note);
  const RestorePrinter printer(*result, options);
  out.Print(printer);
  if (!result->warning.empty()) out.Warn(result->warning);
  const restore::WalReplayReport& wal = result->wal;
  if (!printer.ok()) {
    out.Warn("the restored directory stops at seq " + std::to_string(wal.lost_from - 1) + ": the shipped records " +
             std::to_string(wal.lost_from) + "-" + std::to_string(wal.lost_to) + " are LOST to this restore (" +
             wal.lost_reason + "); run `paymentsctl check` on the repository");
  }
  return Status::Ok();
}

Status RunRestore(const RestoreCliOptions& o, Output& out) {
  if (!IsRemote(o.remote)) return LocalRestore(o, out);
  remote::HostRestoreOptions options;
  options.ssh = SshOptionsOf(o.remote);
  options.timeout_s = o.timeout_s;
  options.openapi_path = o.openapi_path;
  options.staging_root = StagingRoot(o.remote);
  options.at_ms = o.AtMs();
  options.apply_wal = restore::AppliesShippedJournal(o.wal, o.snapshot, options.at_ms);
  return RunRemoteRestore(o.remote, o, o.snapshot, o.filter.Filter(), options, out);
}

}  // namespace

void AddRestoreCommand(CLI::App* app, int* exit_code) {
  auto opts = std::make_shared<RestoreCliOptions>();
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
  AddWalOptions(cmd, &opts->wal, "with latest or --at, not with a snapshot id; also with --inventory");
  AddRemoteOptions(cmd, &opts->remote, Presence::kOptional);
  cmd->add_option("--timeout-seconds", opts->timeout_s, "with --inventory: how long to wait for health")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_option("--expect-openapi-path", opts->openapi_path,
                  "with --inventory: a path the service's /openapi.json must list");
  AddOutputOptions(cmd, &opts->output);
  Bind(cmd, opts, exit_code, RunRestore, CheckRestore);
}

}  // namespace pb::cli
