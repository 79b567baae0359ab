// paymentsctl replicate: continuous journal shipping (src/replicate/), and
// its --status.
#include <signal.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/repo_access.h"
#include "cli/repo_commands.h"
#include "common/time_util.h"
#include "replicate/replicator.h"

namespace pb::cli {
namespace {

std::string Ago(int64_t ms, int64_t now) {
  if (ms <= 0) return "never";
  return FormatIso8601(ms) + " (" + std::to_string((now - ms) / 1000) + " s ago)";
}

int PrintStatus(const std::string& data_dir, bool json) {
  const int64_t now = NowMillis();
  auto s = replicate::ReadStatusFile(data_dir, now);
  if (!s.ok()) return ReportError("replicate --status", s.status());
  if (json) {
    std::cout << replicate::EncodeStatus(*s) << "\n";
  } else {
    std::cout << "state:         " << s->state << "\n"
              << "data dir:      " << s->data_dir << "\n"
              << "repository:    " << s->repository << "\n"
              << "lag:           " << s->lag_ms << " ms (interval " << s->interval_ms << " ms)\n"
              << "shipped seq:   " << s->shipped_seq << " of " << s->journal_seq << "\n"
              << "last success:  " << Ago(s->last_success_ms, now) << "\n"
              << "last snapshot: " << Ago(s->last_snapshot_ms, now)
              << (s->last_snapshot_id.empty() ? "" : " " + s->last_snapshot_id.substr(0, 8)) << "\n"
              << "last compaction: " << Ago(s->last_compaction_ms, now) << "\n";
    if (!s->last_error.empty()) std::cout << "last error:    " << s->last_error << "\n";
    if (!s->last_snapshot_error.empty()) std::cout << "snapshot error: " << s->last_snapshot_error << "\n";
    if (!s->last_compaction_error.empty()) std::cout << "compaction error: " << s->last_compaction_error << "\n";
  }
  if (replicate::Healthy(*s)) return 0;
  std::cerr << "paymentsctl replicate --status: replication of " << data_dir << " is " << s->state
            << (s->state == "stopped" ? " (no replicator is running)" : "") << "\n";
  return 1;
}

}  // namespace

void AddReplicateCommand(CLI::App* app, int* exit_code) {
  struct Options : RepoOptions {
    std::string data_dir;
    std::string interval = "1s";
    std::string snapshot_every = "1h";
    bool status = false;
    bool json = false;
    bool compact = true;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app->add_subcommand(
      "replicate", "ship the journal continuously into a repository and take snapshots on a schedule "
                   "(runs until SIGTERM/SIGINT); --status shows how it is doing");
  AddRepoOptions(cmd, opts.get(), /*required=*/false);
  cmd->add_option("--data-dir", opts->data_dir, "the service's data directory")->required();
  cmd->add_option("--interval", opts->interval, "the most a complete record waits before it is in the repository")
      ->capture_default_str();
  cmd->add_option("--snapshot-every", opts->snapshot_every, "time between full snapshots")->capture_default_str();
  cmd->add_flag("--compact,!--no-compact", opts->compact,
                "merge what was shipped into levels in the background (the default; --no-compact leaves it to "
                "`paymentsctl compact`)");
  cmd->add_flag("--status", opts->status, "print the running replicator's status; exit 1 when stalled or stopped");
  cmd->add_flag("--json", opts->json, "with --status: print it as JSON");
  cmd->callback([opts, exit_code] {
    const std::string data_dir = std::filesystem::absolute(opts->data_dir).lexically_normal().string();
    if (opts->status) {
      *exit_code = PrintStatus(data_dir, opts->json);
      return;
    }
    if (opts->repo.empty()) {
      *exit_code = ReportError("replicate", Status::InvalidArgument("--repo is required (unless --status)"));
      return;
    }
    auto interval = ParseDurationMillis(opts->interval);
    auto every = ParseDurationMillis(opts->snapshot_every);
    for (const auto* d : {&interval, &every}) {
      if (!d->ok()) {
        *exit_code = ReportError("replicate", d->status());
        return;
      }
    }
    if (!std::filesystem::is_directory(data_dir + "/journal")) {
      *exit_code = ReportError("replicate", Status::NotFound(data_dir + "/journal does not exist: give the data "
                                                             "directory of a service that has started once"));
      return;
    }
    // Block the stop signals before anything slow (the key's KDF) and before
    // any thread starts: a stop that comes during start-up waits, and the
    // replicator then stops cleanly with a final ship instead of dying.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    auto repo = UnlockRepo(*opts);
    if (!repo.ok()) {
      *exit_code = ReportError("replicate", repo.status());
      return;
    }
    replicate::ReplicatorOptions options;
    options.data_dir = data_dir;
    options.interval = std::chrono::milliseconds(*interval);
    options.snapshot_every = std::chrono::milliseconds(*every);
    options.compact = opts->compact;
    replicate::Replicator replicator(std::move(repo).value(), options);
    replicator.Start();
    int sig = 0;
    sigwait(&stop, &sig);
    Status st = replicator.Stop();
    if (!st.ok()) *exit_code = ReportError("replicate", st);
  });
}

}  // namespace pb::cli
