#include "remote/report.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>

#include "common/json_text.h"

namespace pb::remote {

namespace {

std::mutex& LogMutex() {
  static std::mutex mu;
  return mu;
}

// The clock of StepReport::started_ms/ended_ms.
int64_t MsSinceFirstStep(std::chrono::steady_clock::time_point t) {
  static const std::chrono::steady_clock::time_point first = t;
  return std::chrono::duration_cast<std::chrono::milliseconds>(t - first).count();
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

std::string Joined(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

}  // namespace

void TargetReport::Log(const std::string& text) const {
  std::lock_guard<std::mutex> lock(LogMutex());
  std::cerr << "[" << target << "] " << text << "\n";
}

Status TargetReport::Step(const std::string& name, const std::function<Result<std::string>()>& fn) {
  Log(name + ": ...");
  auto start = std::chrono::steady_clock::now();
  const int64_t started_ms = MsSinceFirstStep(start);
  const int commands_before = remote_commands;
  Result<std::string> result = fn();
  auto end = std::chrono::steady_clock::now();
  StepReport step;
  step.step = name;
  step.seconds = std::chrono::duration<double>(end - start).count();
  step.started_ms = started_ms;
  step.ended_ms = MsSinceFirstStep(end);
  step.remote_commands = remote_commands - commands_before;
  step.ok = result.ok();
  step.detail = result.ok() ? *result : result.status().ToString();
  Log(name + ": " + (step.ok ? "" : "FAILED: ") + step.detail + " (" + Seconds(step.seconds) + ")");
  steps.push_back(step);
  if (!result.ok() && ok) {
    ok = false;
    failed_step = name;
    error = result.status().ToString();
  }
  return result.status();
}

std::string SummaryLine(const TargetReport& r) {
  double total = 0;
  for (const StepReport& s : r.steps) total += s.seconds;
  std::string line = r.target + ": ";
  if (r.ok) {
    std::vector<std::string> done;
    for (const StepReport& s : r.steps) done.push_back(s.step);
    line += "ok (" + Joined(done, ", ") + "; " + Seconds(total) + ")";
    if (!r.snapshot_id.empty()) line += ", snapshot " + r.snapshot_id.substr(0, 8);
    return line;
  }
  line += "FAILED at " + r.failed_step + ": " + r.error;
  if (!r.rolled_back.empty()) {
    line += "; rolled back: " + Joined(r.rolled_back, ", ") +
            (r.rollback_healthy ? "; the stack is healthy again" : "; the rolled-back stack is NOT healthy");
  }
  return line;
}

std::string ReportsJson(const std::vector<TargetReport>& reports) {
  std::string out = "{\"targets\":[";
  for (size_t i = 0; i < reports.size(); ++i) {
    const TargetReport& r = reports[i];
    if (i) out += ",";
    JsonObject o(&out);
    o.Str("target", r.target).Bool("ok", r.ok).Str("failed_step", r.failed_step).Str("error", r.error);
    std::string* rb = o.Key("rolled_back");
    rb->push_back('[');
    for (size_t j = 0; j < r.rolled_back.size(); ++j) {
      if (j) rb->push_back(',');
      AppendJsonString(rb, r.rolled_back[j]);
    }
    rb->push_back(']');
    o.Bool("rollback_healthy", r.rollback_healthy).Str("snapshot_id", r.snapshot_id);
    std::string* steps = o.Key("steps");
    steps->push_back('[');
    for (size_t j = 0; j < r.steps.size(); ++j) {
      const StepReport& s = r.steps[j];
      if (j) steps->push_back(',');
      char secs[32];
      std::snprintf(secs, sizeof secs, "%.3f", s.seconds);
      JsonObject(steps)
          .Str("step", s.step)
          .Bool("ok", s.ok)
          .Raw("seconds", secs)
          .Raw("started_ms", std::to_string(s.started_ms))
          .Raw("ended_ms", std::to_string(s.ended_ms))
          .Raw("remote_commands", std::to_string(s.remote_commands))
          .Str("detail", s.detail)
          .Close();
    }
    steps->push_back(']');
    o.Close();
  }
  out += "]}";
  return out;
}

std::vector<TargetReport> ForEachTarget(const std::vector<Target>& targets,
                                        const std::function<void(const Target&, TargetReport*)>& fn) {
  std::vector<TargetReport> reports(targets.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < targets.size(); ++i) {
    reports[i].target = targets[i].name;
    threads.emplace_back([&, i] { fn(targets[i], &reports[i]); });
  }
  for (std::thread& t : threads) t.join();
  return reports;
}

}  // namespace pb::remote
