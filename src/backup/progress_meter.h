// backup/: the backup's progress counts and how often the caller hears of
// them.
#pragma once

#include <chrono>

#include "backup/archiver.h"

namespace pb::backup {

class ProgressMeter {
 public:
  // `fn` may be empty (nobody listens); it must outlive the meter.
  explicit ProgressMeter(const ProgressFn& fn) : fn_(fn) {}

  // The counts the stages advance (the walk the totals, the file saver the
  // done counts).
  BackupProgress& counts() { return counts_; }
  // Calls fn with the counts when `force`, or when ~200 ms passed since the
  // last call. Call from the backup's own thread only.
  void Tick(bool force);

 private:
  const ProgressFn& fn_;
  BackupProgress counts_;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace pb::backup
