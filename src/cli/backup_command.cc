// paymentsctl backup.
#include <memory>

#include "backup/archiver.h"
#include "cli/command_line.h"
#include "cli/job_metrics.h"
#include "cli/remote_commands.h"
#include "cli/repo_access.h"
#include "cli/repo_commands.h"

namespace pb::cli {
namespace {

struct BackupCliOptions : RepoOptions {
  RemoteOptions remote;
  std::string data_dir = "./data";
  std::string mode = "essential";
  std::string include_env;      // --include-env FILE; "" with --include-env alone
  bool env_given = false;       // --include-env was given
  bool data_dir_given = false;  // --data-dir was given
  std::vector<std::string> tags;
  std::string host;
  bool force_read = false;
  bool allow_empty = false;
  bool allow_regression = false;
  std::string metrics_file;
  OutputOptions output;

  void Complete(const CLI::App& cmd) {
    env_given = cmd.count("--include-env") > 0;
    data_dir_given = cmd.count("--data-dir") > 0;
  }
};

Status CheckBackup(const BackupCliOptions& o) {
  if (IsRemote(o.remote) && (o.data_dir_given || !o.include_env.empty() || !o.host.empty())) {
    return Status::InvalidArgument(
        "with --inventory the data directory, host name and .env are the target's: drop --data-dir and --host, "
        "give --include-env without a file");
  }
  return Status::Ok();
}

class BackupPrinter : public Report {
 public:
  explicit BackupPrinter(const backup::BackupResult& r) : r_(r) {}
  void Json(JsonObject& o) const override {
    const repo::Snapshot& s = r_.snapshot;
    o.Str("snapshot_id", r_.snapshot_id)
        .Str("parent_id", r_.parent_id)
        .Str("mode", s.mode)
        .UInt("files", s.stats.files)
        .UInt("files_unchanged", r_.files_unchanged)
        .UInt("files_grown", r_.files_grown)
        .UInt("files_read", r_.files_read)
        .UInt("bytes", s.stats.bytes)
        .UInt("bytes_read", r_.bytes_read)
        .UInt("bytes_hashed", r_.bytes_hashed)
        .UInt("bytes_chunked", r_.bytes_chunked)
        .UInt("new_bytes", s.stats.new_bytes)
        .UInt("stored_bytes", s.stats.stored_bytes)
        .Bool("include_env", s.env.has_value());
    if (s.ledger) o.UInt("journal_seq", s.ledger->seq).UInt("checkpoint_seq", s.ledger->checkpoint_seq);
  }
  void Text(std::ostream& out) const override { out << r_.snapshot_id << "\n"; }
  // What the text adds on stderr (a note: -q leaves it out).
  std::string Summary() const {
    const repo::Snapshot& s = r_.snapshot;
    std::string text = "files: " + std::to_string(s.stats.files) + " (" + std::to_string(r_.files_unchanged) +
                       " unchanged, " + std::to_string(r_.files_grown) + " appended to, " +
                       std::to_string(r_.files_read) + " read whole), " + HumanBytes(s.stats.bytes) + "; read " +
                       HumanBytes(r_.bytes_read) + " (" + HumanBytes(r_.bytes_hashed) +
                       " compared with the parent's chunks), new " + HumanBytes(s.stats.new_bytes) + ", stored " +
                       HumanBytes(s.stats.stored_bytes);
    if (s.ledger) text += "\nledger: journal through seq " + std::to_string(s.ledger->seq);
    return text;
  }

 private:
  const backup::BackupResult& r_;
};

backup::BackupOptions LocalOptions(const BackupCliOptions& o) {
  backup::BackupOptions options;
  options.data_dir = AbsoluteDir(o.data_dir);
  backup::ParseMode(o.mode, &options.mode);
  if (o.env_given) {
    options.env_file = AbsoluteDir(o.include_env.empty() ? options.data_dir + "/../.env" : o.include_env);
  }
  options.tags = o.tags;
  options.host = o.host;
  options.force_read = o.force_read;
  options.allow_empty = o.allow_empty;
  options.allow_regression = o.allow_regression;
  return options;
}

// The backup of a local data directory; the snapshot's stored bytes and
// time go to `report` for --metrics-file.
Status LocalBackup(const BackupCliOptions& o, Output& out, JobReport* report) {
  const backup::BackupOptions options = LocalOptions(o);
  PB_ASSIGN_OR_RETURN(OpenedRepo opened,
                      OpenRepo(o, {.mode = repo::LockMode::kAppend, .operation = "backup", .load_index = true}, &out));
  auto result = backup::RunBackup(opened.repo.get(), options, [&](const backup::BackupProgress& p) {
    out.progress().Update(p.bytes_done, p.bytes_total);
  });
  if (!result.ok()) return result.status();
  const repo::Snapshot& s = result->snapshot;
  report->Set("added_bytes", "Bytes the last successful backup added to the repository (compressed, encrypted).",
              static_cast<double>(s.stats.stored_bytes));
  report->Set("snapshot_timestamp_seconds", "Time of the snapshot the last successful backup wrote (Unix time).",
              static_cast<double>(s.time_ms) / 1000.0);
  const BackupPrinter printer(*result);
  if (!out.json()) out.Note(printer.Summary());
  out.Print(printer);
  return Status::Ok();
}

Status RunBackup(const BackupCliOptions& o, Output& out) {
  const JobLabels labels = {{"repo", RepoLabel(o.repo)},
                            {"data_dir", IsRemote(o.remote) ? "" : AbsoluteDir(o.data_dir)},
                            {"target", o.remote.target}};
  return RunJob("backup", o.metrics_file, labels, out, [&](JobReport* report) {
    if (!IsRemote(o.remote)) return LocalBackup(o, out, report);
    remote::HostBackupOptions options;
    backup::ParseMode(o.mode, &options.mode);
    options.include_env = o.env_given;
    options.tags = o.tags;
    options.staging_root = StagingRoot(o.remote);
    options.allow_empty = o.allow_empty;
    options.allow_regression = o.allow_regression;
    return RunRemoteBackup(o.remote, o, options, out);
  });
}

}  // namespace

void AddBackupCommand(CLI::App* app, int* exit_code) {
  auto opts = std::make_shared<BackupCliOptions>();
  CLI::App* cmd = app->add_subcommand("backup", "back up a data directory; prints the snapshot id");
  AddRepoOptions(cmd, opts.get());
  cmd->add_option("--data-dir", opts->data_dir, "data directory")->capture_default_str();
  cmd->add_option("--mode", opts->mode,
                  "essential: state, journal and ledger/registry logs (never audit/payments-audit.log or "
                  "audit/docker.db*); full: all of the data directory")
      ->check(CLI::IsMember({"essential", "full"}))
      ->capture_default_str();
  cmd->add_option("--include-env", opts->include_env,
                  "also back up a .env file, encrypted like the rest (default: the .env beside the data directory, "
                  "or the host's with --inventory)")
      ->expected(0, 1);
  cmd->add_option("--tag", opts->tags, "tag the snapshot (repeatable)");
  cmd->add_option("--host", opts->host,
                  "record this host name instead of this machine's (the snapshot's group is host + data directory)");
  cmd->add_flag("--allow-empty", opts->allow_empty,
                "back up a directory that is not a payments data directory (no journal/, no Python-era files)");
  cmd->add_flag("--allow-regression", opts->allow_regression,
                "back up a ledger that is behind, or another than, the newest snapshot of its data directory");
  cmd->add_flag("--force-read", opts->force_read, "read every file whole instead of trusting unchanged metadata");
  AddRemoteOptions(cmd, &opts->remote, Presence::kOptional);
  AddMetricsFileOption(cmd, &opts->metrics_file);
  AddOutputOptions(cmd, &opts->output);
  Bind(cmd, opts, exit_code, RunBackup, CheckBackup);
}

}  // namespace pb::cli
