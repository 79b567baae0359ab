#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pb::ledger {

// Result of the offline check of a data directory (paymentsctl verify).
struct VerifyReport {
  bool python_era = false;          // no journal yet: the Python-era checks ran
  uint64_t journal_seq = 0;         // last valid record
  uint64_t checkpoint_seq = 0;      // seq the JSON files claim to reflect
  uint64_t orchestrators = 0, workloads = 0;
  std::vector<std::string> problems;  // each one makes the check fail
  std::vector<std::string> notes;     // facts worth knowing that are not failures
  bool ok() const { return problems.empty(); }
};

// Checks, without modifying anything: the journal chain from seq 1 (syntax,
// seq continuity, hashes), that every record replays (no workload credited
// twice, no negative balance), that the JSON files match journal/CHECKPOINT
// and that balances.json equals the replayed balances at the checkpoint seq.
// A Python-era directory (no journal) is checked for parseable files,
// non-negative balances and no workload credited twice in
// audit/ledger-events.log. Anything else (missing, empty, someone else's
// files, a backup repository: ClassifyDataDir) is a problem: there is no
// ledger to vouch for.
VerifyReport VerifyDataDir(const std::string& data_dir);

// The report as text lines for an operator (paymentsctl verify renders
// its JSON, cli/verify_command.cc).
std::string VerifyReportText(const VerifyReport& report);

}  // namespace pb::ledger
