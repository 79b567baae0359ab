#include "remote/report.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>


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
