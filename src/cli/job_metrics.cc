#include "cli/job_metrics.h"

#include "cli/repo_access.h"
#include "common/file_util.h"
#include "common/time_util.h"
#include "metrics/exposition.h"
#include "metrics/registry.h"
#include "metrics/textfile.h"
#include "repo/location.h"

namespace pb::cli {
namespace {

// The last success the previous file recorded for these labels (0: none).
double PreviousLastSuccess(const std::string& path, const std::string& series) {
  auto previous = ReadFile(path);
  if (!previous.ok()) return 0;
  return metrics::FindSample(*previous, series).value_or(0);
}

}  // namespace

void AddMetricsFileOption(CLI::App* cmd, std::string* path) {
  cmd->add_option("--metrics-file", *path,
                  "write the outcome, duration and end time of this run to FILE.prom for node_exporter's textfile "
                  "collector (replaced atomically at the end of every run)")
      ->check(CLI::Validator(
          [](std::string& value) {
            Status st = metrics::CheckTextfilePath(value);
            return st.ok() ? std::string() : st.message();
          },
          "FILE.prom"));
}

std::string RepoLabel(const std::string& repo) { return repo::IsRemote(repo::Location{repo}) ? repo : AbsoluteDir(repo); }

Status RunJob(const std::string& job, const std::string& path, const JobLabels& labels, Output& out,
              const std::function<Status(JobReport*)>& body) {
  const int64_t started_us = MonotonicMicros();
  JobReport report;
  const Status status = body(&report);
  if (path.empty()) return status;
  const bool success = status.ok() && out.report_ok() && !out.interrupted();
  const double duration = static_cast<double>(MonotonicMicros() - started_us) / 1e6;
  const double end = static_cast<double>(NowMillis()) / 1000.0;

  std::vector<std::string> names, values;
  for (const auto& [name, value] : labels) {
    names.push_back(name);
    values.push_back(value);
  }
  const std::vector<std::string_view> value_views(values.begin(), values.end());
  const std::string prefix = "payments_" + job + "_";
  const std::string last_success = prefix + "last_success_timestamp_seconds";
  const double previous = PreviousLastSuccess(path, metrics::SeriesKey(last_success, "", names, values));
  metrics::Registry registry;
  auto set = [&](const std::string& name, std::string help, double value) {
    registry.AddGauge(name, std::move(help), names).Labels(value_views).Set(value);
  };
  set(prefix + "success", "1 when the last paymentsctl " + job + " succeeded (exit 0), else 0.", success ? 1 : 0);
  set(prefix + "duration_seconds", "How long the last paymentsctl " + job + " took.", duration);
  set(prefix + "end_timestamp_seconds", "When the last paymentsctl " + job + " ended (Unix time).", end);
  set(last_success, "When a paymentsctl " + job + " last succeeded (Unix time; 0: not known to have succeeded).",
      success ? end : previous);
  for (const JobReport::Gauge& g : report.gauges()) set(prefix + g.suffix, g.help, g.value);

  Status written = metrics::WriteTextfile(path, registry);
  if (written.ok()) return status;
  const std::string what = "--metrics-file " + path + " could not be written: " + written.message();
  if (!status.ok()) {
    out.Warn(what);
    return status;
  }
  return Status::IOError("the " + job + " " + (success ? "succeeded" : "failed") + " but " + what);
}

}  // namespace pb::cli
