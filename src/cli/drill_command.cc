// paymentsctl drill.
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/job_metrics.h"
#include "cli/ops_commands.h"
#include "cli/repo_access.h"
#include "cli/snapshot_options.h"
#include "ops/drill.h"

namespace pb::cli {
namespace {

volatile std::sig_atomic_t g_signal = 0;
void RecordSignal(int signal) { g_signal = signal; }

// SIGINT, SIGTERM and SIGHUP only mark the drill interrupted, so that it
// stops the service and removes its temporary directory before exiting.
void CatchStopSignals() {
  struct sigaction sa {};
  sa.sa_handler = RecordSignal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(signal, &sa, nullptr);
}

// payments-backend beside this paymentsctl (both install into the same
// directory), else the name, searched in PATH.
std::string DefaultBackend() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    std::string beside = (self.parent_path() / "payments-backend").string();
    if (::access(beside.c_str(), X_OK) == 0) return beside;
  }
  return "payments-backend";
}

struct Options : RepoOptions {
  SnapshotFilterOptions filter;
  std::string snapshot = "latest";
  int wal = 0;  // +1 --wal, -1 --no-wal, 0 the default (as restore)
  std::string backend;
  std::string work_dir;
  int health_timeout_s = 120;
  bool json = false;
  std::string metrics_file;
};

// The drill itself; returns the exit code. The recovery time of a drill that
// passed goes to `report` for --metrics-file.
int Drill(const Options& opts, JobReport* report) {
  ops::DrillOptions options;
  options.backend = opts.backend.empty() ? DefaultBackend() : opts.backend;
  const char* tmp = std::getenv("TMPDIR");
  options.work_root = AbsoluteDir(!opts.work_dir.empty() ? opts.work_dir : tmp && *tmp ? tmp : "/tmp");
  options.health_timeout_ms = opts.health_timeout_s * 1000;
  auto opened = OpenRepo(opts, repo::LockMode::kRead, "drill", /*load_index=*/true);
  if (!opened.ok()) return ReportError("drill", opened.status());
  auto snap = ChooseSnapshot(opened->repo.get(), opts.snapshot, opts.filter.Filter(), std::nullopt);
  if (!snap.ok()) return ReportError("drill", snap.status());
  options.apply_wal = opts.wal != 0 ? opts.wal > 0 : opts.snapshot == "latest";
  options.interrupted = [] { return g_signal != 0; };
  CatchStopSignals();
  ops::DrillReport result = ops::RunDrill(opened->repo.get(), *snap, options);
  std::cout << (opts.json ? ops::DrillReportJson(result) + "\n" : ops::DrillReportText(result)) << std::flush;
  if (result.ok()) {
    report->Set("recovery_seconds", "Recovery time of the last drill that passed: restore, start, balances.",
                static_cast<double>(result.recovery_ms) / 1000.0);
  }
  return g_signal != 0 ? 128 + g_signal : result.ok() ? 0 : 1;
}

}  // namespace

void AddDrillCommand(CLI::App* app, int* exit_code) {
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app->add_subcommand(
      "drill", "restore a snapshot as a disaster restore would (latest: with the shipped journal) into a temporary "
               "directory, run the service on it, check it, and time it");
  AddRepoOptions(cmd, opts.get());
  cmd->add_option("snapshot", opts->snapshot,
                  "snapshot id (a unique prefix), or latest: the newest of the only data directory, or of the one "
                  "--host/--path name")
      ->capture_default_str();
  AddSnapshotFilterOptions(cmd, &opts->filter);
  cmd->add_flag("--wal,!--no-wal", opts->wal,
                "also apply the journal records shipped after the snapshot, as restore does (default: with latest, "
                "not with a snapshot id)");
  cmd->add_option("--backend", opts->backend, "the payments-backend executable (default: beside paymentsctl, else PATH)");
  cmd->add_option("--work-dir", opts->work_dir, "where the temporary directory is made (default: $TMPDIR or /tmp)");
  cmd->add_option("--health-timeout-seconds", opts->health_timeout_s, "how long the service may take to start")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  cmd->add_flag("--json", opts->json, "print the report as JSON");
  AddMetricsFileOption(cmd, &opts->metrics_file);
  cmd->callback([opts, exit_code] {
    const JobLabels labels = {{"repo", RepoLabel(opts->repo)},
                              {"host", opts->filter.host},
                              {"path", opts->filter.path.empty() ? "" : AbsoluteDir(opts->filter.path)}};
    *exit_code = RunJob("drill", opts->metrics_file, labels, [&](JobReport* report) { return Drill(*opts, report); });
  });
}

}  // namespace pb::cli
