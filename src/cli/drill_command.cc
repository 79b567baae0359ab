// paymentsctl drill.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "cli/command_line.h"
#include "cli/job_metrics.h"
#include "cli/ops_commands.h"
#include "cli/repo_access.h"
#include "cli/snapshot_options.h"
#include "ops/drill.h"
#include "restore/wal_default.h"

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

struct DrillCliOptions : RepoOptions {
  SnapshotFilterOptions filter;
  std::string snapshot = "latest";
  std::optional<bool> wal;  // --wal, --no-wal, or neither (restore::AppliesShippedJournal)
  std::string backend;
  std::string work_dir;
  int health_timeout_s = 120;
  std::string metrics_file;
  OutputOptions output;
};

// A step as the remote reports key theirs: step, ok, seconds, detail.
void StepJson(std::string* out, const ops::DrillStep& s) {
  JsonObject(out)
      .Str("step", s.name)
      .Bool("ok", s.ok)
      .Raw("seconds", FixedSeconds(static_cast<double>(s.ms) / 1000.0))
      .Str("detail", s.detail)
      .Close();
}

class DrillPrinter : public Report {
 public:
  explicit DrillPrinter(const ops::DrillReport& r) : r_(r) {}
  bool ok() const override { return r_.ok(); }
  void Json(JsonObject& o) const override {
    o.Str("snapshot_id", r_.snapshot_id).Raw("steps", JsonArray(r_.steps, StepJson));
    if (r_.ok()) o.Raw("recovery_seconds", FixedSeconds(static_cast<double>(r_.recovery_ms) / 1000.0));
    o.Str("totals_source", r_.totals_source).Str("temp_dir", r_.temp_dir).Bool("temp_removed", r_.temp_removed);
  }
  void Text(std::ostream& out) const override {
    out << "drill of snapshot " << r_.snapshot_id.substr(0, 8) << "\n";
    char line[64];
    for (const ops::DrillStep& s : r_.steps) {
      std::snprintf(line, sizeof line, "  %-6s %-9s %9s s  ", s.ok ? "ok" : "FAILED", s.name.c_str(),
                    FixedSeconds(static_cast<double>(s.ms) / 1000.0).c_str());
      out << line << s.detail << "\n";
    }
    if (r_.ok()) {
      out << "recovery time: " << FixedSeconds(static_cast<double>(r_.recovery_ms) / 1000.0)
          << " s (restore + start + balances)\ndrill passed\n";
    } else {
      out << "drill FAILED\n";
    }
  }

 private:
  const ops::DrillReport& r_;
};

// The drill itself. The recovery time of a drill that passed goes to
// `report` for --metrics-file; a stop signal makes the exit code 128 + N.
Status Drill(const DrillCliOptions& o, Output& out, JobReport* report) {
  ops::DrillOptions options;
  options.backend = o.backend.empty() ? DefaultBackend() : o.backend;
  const char* tmp = std::getenv("TMPDIR");
  options.work_root = AbsoluteDir(!o.work_dir.empty() ? o.work_dir : tmp && *tmp ? tmp : "/tmp");
  options.health_timeout_ms = o.health_timeout_s * 1000;
  PB_ASSIGN_OR_RETURN(OpenedRepo opened, OpenRepo(o, {.mode = repo::LockMode::kRead, .operation = "drill",
                                                      .load_index = true},
                                                  &out));
  PB_ASSIGN_OR_RETURN(const repo::SnapshotRef snap,
                      ChooseSnapshot(opened.repo.get(), o.snapshot, o.filter.Filter(), std::nullopt, out));
  options.apply_wal = restore::AppliesShippedJournal(o.wal, o.snapshot, std::nullopt);
  options.interrupted = [] { return g_signal != 0; };
  CatchStopSignals();
  const ops::DrillReport result = ops::RunDrill(opened.repo.get(), snap, options);
  out.Print(DrillPrinter(result));
  if (g_signal != 0) out.SetInterrupted(g_signal);
  if (result.ok()) {
    report->Set("recovery_seconds", "Recovery time of the last drill that passed: restore, start, balances.",
                static_cast<double>(result.recovery_ms) / 1000.0);
  }
  return Status::Ok();
}

Status RunDrill(const DrillCliOptions& o, Output& out) {
  const JobLabels labels = {{"repo", RepoLabel(o.repo)},
                            {"host", o.filter.host},
                            {"path", o.filter.path.empty() ? "" : AbsoluteDir(o.filter.path)}};
  return RunJob("drill", o.metrics_file, labels, out, [&](JobReport* report) { return Drill(o, out, report); });
}

}  // namespace

void AddDrillCommand(CLI::App* app, int* exit_code) {
  auto opts = std::make_shared<DrillCliOptions>();
  CLI::App* cmd = app->add_subcommand(
      "drill", "restore a snapshot as a disaster restore would (latest: with the shipped journal) into a temporary "
               "directory, run the service on it, check it, and time it");
  AddRepoOptions(cmd, opts.get());
  cmd->add_option("snapshot", opts->snapshot,
                  "snapshot id (a unique prefix), or latest: the newest of the only data directory, or of the one "
                  "--host/--path name")
      ->capture_default_str();
  AddSnapshotFilterOptions(cmd, &opts->filter);
  AddWalOptions(cmd, &opts->wal, "with latest, not with a snapshot id, as restore");
  cmd->add_option("--backend", opts->backend, "the payments-backend executable (default: beside paymentsctl, else PATH)");
  cmd->add_option("--work-dir", opts->work_dir, "where the temporary directory is made (default: $TMPDIR or /tmp)");
  cmd->add_option("--health-timeout-seconds", opts->health_timeout_s, "how long the service may take to start")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  AddMetricsFileOption(cmd, &opts->metrics_file);
  AddOutputOptions(cmd, &opts->output, "print the report as one JSON object (errors too)");
  Bind(cmd, opts, exit_code, RunDrill);
}

}  // namespace pb::cli
