// Ledger totals: the few numbers that say a restored ledger is the one that
// was backed up (recorded in snapshots, compared by paymentsctl drill).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/money.h"
#include "common/status.h"

namespace pb::ledger {

struct LedgerTotals {
  uint64_t orchestrators = 0;
  uint64_t workloads = 0;
  Wei balance_wei = 0;  // sum of all balances
  bool operator==(const LedgerTotals&) const = default;
};

// The totals of the state after record `through_seq` of the journal in
// `journal_dir`, from a scan of its complete records: the orchestrators named
// by register and import_orchestrator records, the workload and
// import_workload records, and each orchestrator's last recorded balance (the
// `balance` field of workload, adjustment and import_balance records). Unlike
// a replay it checks neither the hash chain nor the effects of the records
// (`paymentsctl verify` does); it reads four fields per record, so a backup
// can afford it on every run. Errors: Corruption naming the segment and byte
// offset of a line that does not parse; InvalidArgument when the journal ends
// before `through_seq`; IOError when a segment cannot be read.
Result<LedgerTotals> ScanTotals(const std::string& journal_dir, uint64_t through_seq);

// "3 orchestrators, 10 workloads, 0.5 ETH total balance".
std::string DescribeTotals(const LedgerTotals& totals);

// The totals as a snapshot records them (docs/repository-format.md,
// "Snapshots": ledger.totals), a JSON object
// {"orchestrators":N,"workloads":N,"balance_wei":"<decimal wei>"}. The
// repository stores this text without interpreting it.
std::string EncodeTotals(const LedgerTotals& totals);
// Corruption saying which field is missing or malformed.
Result<LedgerTotals> DecodeTotals(std::string_view json);

}  // namespace pb::ledger
