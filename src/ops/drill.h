// ops/: paymentsctl drill — proof that a snapshot restores into a service
// that starts, answers /health, verifies and holds the balances that were
// backed up, with the time each step took.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "repo/repository.h"
#include "repo/snapshot.h"

namespace pb::ops {

struct DrillOptions {
  std::string backend;     // the payments-backend executable (a path, or a name searched in PATH)
  std::string work_root;   // the temporary directory is created in here
  int health_timeout_ms = 120000;  // start-up (journal replay) until /health answers ok
  int stop_timeout_ms = 60000;     // SIGTERM until exit (the final checkpoint is written)
  // Restore as `restore latest` does: the snapshot plus the journal records
  // shipped after it (restore::RestoreOptions::apply_wal).
  bool apply_wal = false;
  // Asked before each step and while waiting for the service: true stops the
  // drill (a failed step "interrupted"), then cleans up. May be empty.
  std::function<bool()> interrupted;
};

struct DrillStep {
  std::string name;  // restore, start, balances, stop, verify, cleanup
  int64_t ms = 0;
  bool ok = false;
  std::string detail;  // what was checked, or what failed
};

struct DrillReport {
  std::string snapshot_id;
  std::vector<DrillStep> steps;  // in order; the first failed one is the last run before cleanup
  // Restore start until the service answered with the expected balances:
  // the recovery time an operator would wait for this snapshot.
  int64_t recovery_ms = 0;
  // Where the expected totals came from: "snapshot" (recorded at backup),
  // "journal" (shipped records were applied: the restored journal's scan
  // through its last record), "replay" (an older snapshot: the restored
  // journal's replay), or "skipped" (a Python-era snapshot without journal).
  std::string totals_source;
  std::string temp_dir;       // where it ran (removed at the end)
  bool temp_removed = false;
  bool ok() const;
};

// Runs the drill of `snapshot` from `repo` (index loaded, shared lock held):
// restores it as a disaster restore would (every blob checked, with
// apply_wal the shipped records after it, ledger verified) into a new
// temporary directory under options.work_root — failing when shipped
// records could not be applied or when the result is no payments data
// directory — starts options.backend on it on a free 127.0.0.1 port with a
// one-time admin token, waits for /health "ok", compares the orchestrator
// and workload counts of /health and the sum of /api/balances with the
// expected totals (see totals_source), stops the service with SIGTERM,
// runs verify on the directory it left, and removes the temporary directory
// in every case (a service still running is killed first). Never throws;
// every failure is a failed step with its reason.
DrillReport RunDrill(repo::Repository* repo, const repo::SnapshotRef& snapshot, const DrillOptions& options);

}  // namespace pb::ops
