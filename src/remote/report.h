#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "remote/inventory.h"

namespace pb::remote {

struct StepReport {
  std::string step;
  bool ok = false;
  double seconds = 0;
  // When the step began and ended, in ms since this process's first step
  // began (one clock for every target of a run: steps of targets that ran in
  // parallel overlap).
  int64_t started_ms = 0;
  int64_t ended_ms = 0;
  // Remote commands the step ran (see SshSession::CountCommandsIn).
  int remote_commands = 0;
  std::string detail;  // what it did, or why it failed
};

// What happened on one target, step by step (docs/remote-operations.md,
// "Output").
struct TargetReport {
  std::string target;
  bool ok = true;
  std::string failed_step;
  std::string error;
  std::vector<std::string> rolled_back;  // what was put back, in order
  bool rollback_healthy = false;         // meaningful when rolled_back is not empty
  std::string snapshot_id;
  std::vector<StepReport> steps;
  // Remote commands run for this target so far (its SshSession counts them
  // here, see SshSession::CountCommandsIn); Step() records each step's share.
  int remote_commands = 0;

  // Runs `fn` as step `name`: logs "[target] name: detail (N.N s)" on stderr
  // and records it. On error, the first failure is kept as failed_step/error
  // and ok becomes false. Returns fn's status.
  Status Step(const std::string& name, const std::function<Result<std::string>()>& fn);
  // Logs a line "[target] text" on stderr.
  void Log(const std::string& text) const;
};

// Runs `fn` for every target, each on its own thread, and returns the
// reports in the order of `targets`.
std::vector<TargetReport> ForEachTarget(const std::vector<Target>& targets,
                                        const std::function<void(const Target&, TargetReport*)>& fn);

}  // namespace pb::remote
