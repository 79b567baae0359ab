// Ledger totals: the few numbers that say a restored ledger is the one that
// was backed up (recorded in snapshots, compared by paymentsctl drill).
#pragma once

#include <cstdint>
#include <string>

#include "common/money.h"
#include "common/status.h"

namespace pb::ledger {

struct LedgerTotals {
  uint64_t orchestrators = 0;
  uint64_t workloads = 0;
  Wei balance_wei = 0;  // sum of all balances
  bool operator==(const LedgerTotals&) const = default;
};

// Replays the journal in `journal_dir` from seq 1 through record `through_seq`
// (later records are read and chain-checked but not applied) and returns the
// totals of that state. Errors: Corruption from the journal reader or a
// record that does not replay, naming the seq; InvalidArgument when the
// journal ends before `through_seq`.
Result<LedgerTotals> ReplayTotals(const std::string& journal_dir, uint64_t through_seq);

// "3 orchestrators, 10 workloads, 0.5 ETH total balance".
std::string DescribeTotals(const LedgerTotals& totals);

}  // namespace pb::ledger
