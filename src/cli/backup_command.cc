// paymentsctl backup.
#include <filesystem>
#include <iostream>
#include <memory>

#include "backup/archiver.h"
#include "cli/job_metrics.h"
#include "cli/remote_commands.h"
#include "cli/repo_access.h"
#include "cli/repo_commands.h"
#include "common/json_text.h"

namespace pb::cli {
namespace {

struct Options : RepoOptions {
  RemoteOptions remote;
  std::string data_dir = "./data";
  std::string mode = "essential";
  std::string include_env;
  std::vector<std::string> tags;
  std::string host;
  bool force_read = false;
  bool allow_empty = false;
  bool allow_regression = false;
  bool json = false;
  std::string metrics_file;
};

// The backup itself; returns the exit code. The snapshot's stored bytes and
// time go to `report` for --metrics-file.
int Backup(const Options& opts, bool include_env, bool data_dir_given, JobReport* report) {
  if (IsRemote(opts.remote)) {
    if (data_dir_given || !opts.include_env.empty() || !opts.host.empty()) {
      return ReportError("backup", Status::InvalidArgument(
                                       "with --inventory the data directory, host name and .env are the target's: "
                                       "drop --data-dir and --host, give --include-env without a file"));
    }
    remote::HostBackupOptions options;
    backup::ParseMode(opts.mode, &options.mode);
    options.include_env = include_env;
    options.tags = opts.tags;
    options.staging_root = StagingRoot(opts.remote);
    options.allow_empty = opts.allow_empty;
    options.allow_regression = opts.allow_regression;
    RemoteOptions remote = opts.remote;
    remote.json = opts.json;
    return RunRemoteBackup(remote, opts, options);
  }
  backup::BackupOptions options;
  options.data_dir = std::filesystem::absolute(opts.data_dir).lexically_normal().string();
  if (options.data_dir.size() > 1 && options.data_dir.back() == '/') options.data_dir.pop_back();
  backup::ParseMode(opts.mode, &options.mode);
  if (include_env) {
    std::string env = opts.include_env.empty() ? options.data_dir + "/../.env" : opts.include_env;
    options.env_file = std::filesystem::absolute(env).lexically_normal().string();
  }
  options.tags = opts.tags;
  options.host = opts.host;
  options.force_read = opts.force_read;
  options.allow_empty = opts.allow_empty;
  options.allow_regression = opts.allow_regression;
  auto opened = OpenRepo(opts, repo::LockMode::kAppend, "backup", /*load_index=*/true);
  if (!opened.ok()) return ReportError("backup", opened.status());
  ProgressLine progress;
  auto result = backup::RunBackup(opened->repo.get(), options, [&](const backup::BackupProgress& p) {
    progress.Update(p.bytes_done, p.bytes_total);
  });
  progress.Finish();
  if (!result.ok()) return ReportError("backup", result.status());
  const repo::Snapshot& s = result->snapshot;
  report->Set("added_bytes", "Bytes the last successful backup added to the repository (compressed, encrypted).",
              static_cast<double>(s.stats.stored_bytes));
  report->Set("snapshot_timestamp_seconds", "Time of the snapshot the last successful backup wrote (Unix time).",
              static_cast<double>(s.time_ms) / 1000.0);
  if (opts.json) {
    std::string out;
    JsonObject o(&out);
    o.Str("snapshot_id", result->snapshot_id)
        .Str("parent_id", result->parent_id)
        .Str("mode", s.mode)
        .UInt("files", s.stats.files)
        .UInt("files_unchanged", result->files_unchanged)
        .UInt("files_grown", result->files_grown)
        .UInt("files_read", result->files_read)
        .UInt("bytes", s.stats.bytes)
        .UInt("bytes_read", result->bytes_read)
        .UInt("bytes_hashed", result->bytes_hashed)
        .UInt("bytes_chunked", result->bytes_chunked)
        .UInt("new_bytes", s.stats.new_bytes)
        .UInt("stored_bytes", s.stats.stored_bytes)
        .Bool("include_env", s.env.has_value());
    if (s.ledger) o.UInt("journal_seq", s.ledger->seq).UInt("checkpoint_seq", s.ledger->checkpoint_seq);
    o.Close();
    std::cout << out << "\n";
    return 0;
  }
  std::cerr << "files: " << s.stats.files << " (" << result->files_unchanged << " unchanged, " << result->files_grown
            << " appended to, " << result->files_read << " read whole), " << HumanBytes(s.stats.bytes) << "; read "
            << HumanBytes(result->bytes_read) << " (" << HumanBytes(result->bytes_hashed)
            << " compared with the parent's chunks), new " << HumanBytes(s.stats.new_bytes) << ", stored "
            << HumanBytes(s.stats.stored_bytes) << "\n";
  if (s.ledger) std::cerr << "ledger: journal through seq " << s.ledger->seq << "\n";
  std::cout << result->snapshot_id << "\n";
  return 0;
}

}  // namespace

void AddBackupCommand(CLI::App* app, int* exit_code) {
  auto opts = std::make_shared<Options>();
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
  cmd->add_flag("--json", opts->json, "print the result as JSON");
  AddRemoteOptions(cmd, &opts->remote, /*required=*/false);
  AddMetricsFileOption(cmd, &opts->metrics_file);
  cmd->callback([opts, exit_code, cmd] {
    const bool include_env = cmd->count("--include-env") > 0;
    const bool data_dir_given = cmd->count("--data-dir") > 0;
    const JobLabels labels = {{"repo", RepoLabel(opts->repo)},
                              {"data_dir", IsRemote(opts->remote) ? "" : AbsoluteDir(opts->data_dir)},
                              {"target", opts->remote.target}};
    *exit_code = RunJob("backup", opts->metrics_file, labels, [&](JobReport* report) {
      return Backup(*opts, include_env, data_dir_given, report);
    });
  });
}

}  // namespace pb::cli
