// cli/: --metrics-file of paymentsctl backup, drill and doctor: a
// node-exporter textfile (metrics/textfile.h) with the outcome of the run,
// rewritten at its end whatever happened, for alerts on backups that stop
// succeeding and drills that fail (ops/prometheus/alerts.yml,
// docs/backups.md "Monitoring").
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/output.h"
#include "common/status.h"

namespace pb::cli {

// What a job adds to its textfile: gauges named payments_<job>_<suffix>,
// with the job's labels.
class JobReport {
 public:
  void Set(std::string suffix, std::string help, double value) {
    gauges_.push_back({std::move(suffix), std::move(help), value});
  }

  struct Gauge {
    std::string suffix, help;
    double value;
  };
  const std::vector<Gauge>& gauges() const { return gauges_; }

 private:
  std::vector<Gauge> gauges_;
};

// Adds --metrics-file PATH to `cmd`; a path that cannot take a textfile
// (metrics::CheckTextfilePath: not *.prom, no such directory, not
// writable) is a usage error before the job starts.
void AddMetricsFileOption(CLI::App* cmd, std::string* path);

// Label names and values that tell one job's series from another's (two
// files with the same series make node_exporter reject both).
using JobLabels = std::vector<std::pair<std::string, std::string>>;

// The repository as a label: a local directory made absolute (the same
// series from any working directory), an s3:// URL as given.
std::string RepoLabel(const std::string& repo);

// Runs `body` (it may add gauges) and, when `path` is not empty, writes
// there, for job "backup", "drill" or "doctor":
//   payments_<job>_success                      1 when the run succeeds (exit 0), else 0
//   payments_<job>_duration_seconds             how long the run took
//   payments_<job>_end_timestamp_seconds        when it ended (Unix time)
//   payments_<job>_last_success_timestamp_seconds  this run's end when it
//       succeeded, else what the file held for the same labels (0: never)
// and the report's gauges, all with `labels`. The run succeeds when `body`
// returns Ok and `out` printed no report that is not ok and was not
// interrupted. Returns the body's status; when the file cannot be written,
// an IOError saying so (or, after a failed body, a warning through `out`).
Status RunJob(const std::string& job, const std::string& path, const JobLabels& labels, Output& out,
              const std::function<Status(JobReport*)>& body);

}  // namespace pb::cli
