// paymentsctl replicate: continuous journal shipping (src/replicate/), and
// its --status.
#include <signal.h>

#include <filesystem>
#include <memory>

#include "cli/command_line.h"
#include "cli/repo_access.h"
#include "cli/repo_commands.h"
#include "common/time_util.h"
#include "replicate/replicator.h"

namespace pb::cli {
namespace {

struct ReplicateOptions : RepoOptions {
  std::string data_dir;
  std::string interval = "1s";
  std::string snapshot_every = "1h";
  bool status = false;
  bool compact = true;
  OutputOptions output;
};

Status CheckReplicate(const ReplicateOptions& o) {
  if (o.status) return Status::Ok();
  if (o.repo.empty()) return Status::InvalidArgument("--repo is required (unless --status)");
  for (const auto& [flag, text] :
       {std::pair{"--interval", &o.interval}, std::pair{"--snapshot-every", &o.snapshot_every}}) {
    auto ms = ParseDurationMillis(*text);
    if (!ms.ok()) return Status::InvalidArgument(std::string(flag) + ": " + ms.status().message());
  }
  return Status::Ok();
}

// "" for a time that never was, else ISO 8601 UTC.
std::string IsoOrEmpty(int64_t ms) { return ms > 0 ? FormatIso8601(ms) : ""; }

// The replicator's status (replicate/status.h) as paymentsctl reports it:
// durations in seconds and times in ISO 8601, like every --json report.
class StatusPrinter : public Report {
 public:
  StatusPrinter(const replicate::ReplicationStatus& s, int64_t now) : s_(s), now_(now) {}
  bool ok() const override { return replicate::Healthy(s_); }
  void Json(JsonObject& o) const override {
    o.Str("state", s_.state)
        .Int("pid", s_.pid)
        .Str("host", s_.host)
        .Str("data_dir", s_.data_dir)
        .Str("repository", s_.repository)
        .Raw("interval_seconds", FixedSeconds(static_cast<double>(s_.interval_ms) / 1000.0))
        .Raw("lag_seconds", FixedSeconds(static_cast<double>(s_.lag_ms) / 1000.0))
        .UInt("shipped_seq", s_.shipped_seq)
        .UInt("journal_seq", s_.journal_seq)
        .Str("last_success", IsoOrEmpty(s_.last_success_ms))
        .Str("last_contact", IsoOrEmpty(s_.last_contact_ms))
        .Str("last_error", s_.last_error)
        .Str("last_error_at", IsoOrEmpty(s_.last_error_ms))
        .Str("last_snapshot_id", s_.last_snapshot_id)
        .Str("last_snapshot", IsoOrEmpty(s_.last_snapshot_ms))
        .Str("last_snapshot_error", s_.last_snapshot_error)
        .Str("last_compaction", IsoOrEmpty(s_.last_compaction_ms))
        .Str("last_compaction_error", s_.last_compaction_error)
        .Str("updated", IsoOrEmpty(s_.updated_ms));
  }
  void Text(std::ostream& out) const override {
    out << "state:         " << s_.state << "\n"
        << "data dir:      " << s_.data_dir << "\n"
        << "repository:    " << s_.repository << "\n"
        << "lag:           " << FixedSeconds(static_cast<double>(s_.lag_ms) / 1000.0) << " s (interval "
        << FixedSeconds(static_cast<double>(s_.interval_ms) / 1000.0) << " s)\n"
        << "shipped seq:   " << s_.shipped_seq << " of " << s_.journal_seq << "\n"
        << "last success:  " << Ago(s_.last_success_ms) << "\n"
        << "last snapshot: " << Ago(s_.last_snapshot_ms)
        << (s_.last_snapshot_id.empty() ? "" : " " + s_.last_snapshot_id.substr(0, 8)) << "\n"
        << "last compaction: " << Ago(s_.last_compaction_ms) << "\n";
    if (!s_.last_error.empty()) out << "last error:    " << s_.last_error << "\n";
    if (!s_.last_snapshot_error.empty()) out << "snapshot error: " << s_.last_snapshot_error << "\n";
    if (!s_.last_compaction_error.empty()) out << "compaction error: " << s_.last_compaction_error << "\n";
  }

 private:
  std::string Ago(int64_t ms) const {
    if (ms <= 0) return "never";
    return FormatIso8601(ms) + " (" + std::to_string((now_ - ms) / 1000) + " s ago)";
  }

  const replicate::ReplicationStatus& s_;
  int64_t now_;
};

Status PrintStatus(const std::string& data_dir, Output& out) {
  const int64_t now = NowMillis();
  PB_ASSIGN_OR_RETURN(const replicate::ReplicationStatus s, replicate::ReadStatusFile(data_dir, now));
  const StatusPrinter printer(s, now);
  out.Print(printer);
  if (!printer.ok()) {
    out.Warn("replication of " + data_dir + " is " + s.state +
             (s.state == "stopped" ? " (no replicator is running)" : ""));
  }
  return Status::Ok();
}

// Ships until SIGTERM or SIGINT, then stops cleanly with a final ship.
Status Replicate(const ReplicateOptions& o, const std::string& data_dir) {
  if (!std::filesystem::is_directory(data_dir + "/journal")) {
    return Status::NotFound(data_dir + "/journal does not exist: give the data directory of a service that has "
                                       "started once");
  }
  // Block the stop signals before anything slow (the key's KDF) and before
  // any thread starts: a stop that comes during start-up waits, and the
  // replicator then stops cleanly with a final ship instead of dying.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  PB_ASSIGN_OR_RETURN(auto repo, UnlockRepo(o));
  replicate::ReplicatorOptions options;
  options.data_dir = data_dir;
  options.interval = std::chrono::milliseconds(*ParseDurationMillis(o.interval));  // CheckReplicate parsed it
  options.snapshot_every = std::chrono::milliseconds(*ParseDurationMillis(o.snapshot_every));
  options.compact = o.compact;
  replicate::Replicator replicator(std::move(repo), options);
  replicator.Start();
  int sig = 0;
  sigwait(&stop, &sig);
  return replicator.Stop();
}

Status RunReplicate(const ReplicateOptions& o, Output& out) {
  const std::string data_dir = AbsoluteDir(o.data_dir);
  return o.status ? PrintStatus(data_dir, out) : Replicate(o, data_dir);
}

}  // namespace

void AddReplicateCommand(CLI::App* app, int* exit_code) {
  auto opts = std::make_shared<ReplicateOptions>();
  CLI::App* cmd = app->add_subcommand(
      "replicate", "ship the journal continuously into a repository and take snapshots on a schedule "
                   "(runs until SIGTERM/SIGINT); --status shows how it is doing");
  AddRepoOptions(cmd, opts.get(), Presence::kOptional);
  cmd->add_option("--data-dir", opts->data_dir, "the service's data directory")->required();
  cmd->add_option("--interval", opts->interval, "the most a complete record waits before it is in the repository")
      ->capture_default_str();
  cmd->add_option("--snapshot-every", opts->snapshot_every, "time between full snapshots")->capture_default_str();
  cmd->add_flag("--compact,!--no-compact", opts->compact,
                "merge what was shipped into levels in the background (the default; --no-compact leaves it to "
                "`paymentsctl compact`)");
  cmd->add_flag("--status", opts->status, "print the running replicator's status; exit 1 when stalled or stopped");
  AddOutputOptions(cmd, &opts->output, "with --status: print it as one JSON object (errors too)");
  Bind(cmd, opts, exit_code, RunReplicate, CheckReplicate);
}

}  // namespace pb::cli
