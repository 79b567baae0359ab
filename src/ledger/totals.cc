#include "ledger/totals.h"

#include "ledger/journal.h"
#include "ledger/state.h"

namespace pb::ledger {

Result<LedgerTotals> ReplayTotals(const std::string& journal_dir, uint64_t through_seq) {
  LedgerState state;
  auto read = ReadJournal(journal_dir, ChainPoint{}, /*repair=*/false, [&](const Record& r, std::string_view) {
    if (r.seq > through_seq) return Status::Ok();
    Status st = state.Apply(r);
    if (!st.ok()) return Status::Corruption("record seq " + std::to_string(r.seq) + " does not replay: " + st.message());
    return Status::Ok();
  });
  if (!read.ok()) return read.status();
  if (read->end.seq < through_seq) {
    return Status::InvalidArgument("the journal in " + journal_dir + " ends at seq " + std::to_string(read->end.seq) +
                                   ", before seq " + std::to_string(through_seq));
  }
  LedgerTotals totals;
  totals.orchestrators = state.orchestrators().size();
  totals.workloads = state.workloads().size();
  for (const auto& [id, wei] : state.balances()) totals.balance_wei += wei;
  return totals;
}

std::string DescribeTotals(const LedgerTotals& t) {
  return std::to_string(t.orchestrators) + " orchestrators, " + std::to_string(t.workloads) + " workloads, " +
         FormatEth(t.balance_wei) + " ETH total balance";
}

}  // namespace pb::ledger
