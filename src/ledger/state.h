#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/money.h"
#include "common/string_arena.h"
#include "common/status.h"
#include "ledger/record.h"
#include "ledger/sharded_index.h"
#include "ledger/stable_vector.h"

namespace pb::ledger {

struct Orchestrator {
  std::string id;
  std::string address;
  uint64_t registration_count = 0;
  bool eligible_for_payments = true;
  bool denylisted = false;
  int64_t registered_at_ms = 0;
  int64_t last_registered_at_ms = 0;
  // Further members of an adopted Python-era record, as JSON text
  // ("\"k\":v,\"k2\":v2", no braces), re-emitted in registry.json.
  std::string extra_members;
};

// Kept compact: there may be millions. The id's bytes live in the state's
// arena; the orchestrator id points at the registered orchestrator's id.
struct Workload {
  std::string_view id;
  const std::string* orchestrator_id = nullptr;  // null for adopted Python-era records
  Wei amount = 0;
  int64_t credited_at_ms = 0;
  uint64_t seq = 0;
  std::optional<uint64_t> duration_ms;
  // Set for an adopted Python-era workload: its JSON object verbatim.
  std::unique_ptr<std::string> raw_record;
};

// A consistent image of the state for writing the JSON files from another
// thread: orchestrators and balances are copied (they change in place), the
// append-only workloads are a view.
// Balance entries (orchestrator_id, wei) in first-seen order.
using BalanceList = std::deque<std::pair<std::string, Wei>>;

struct StateImage {
  std::vector<Orchestrator> orchestrators;
  BalanceList balances;
  StableVector<Workload>::View workloads;
};

// The in-memory payments state: orchestrators, balances and workloads.
// Single-threaded: the owner serialises all calls. Apply() is the only
// mutator and is used both for live requests and for replay, so both follow
// the same rules.
class LedgerState {
 public:
  // Checks that `r` is valid against the current state (see the table in
  // docs/journal-format.md) and applies it. On a non-ok Status nothing changed.
  // For workload/adjustment records the recorded `balance` must equal the
  // computed one.
  Status Apply(const Record& r);
  // Starts loading the memory Apply(r) looks at first (replay calls it a few
  // records ahead); changes nothing.
  void Prefetch(const Record& r) const {
    if (r.type == RecordType::kWorkload) workload_index_.Prefetch(r.workload_id);
  }

  // Balance that a credit/adjustment of `delta` would produce, or
  // InvalidArgument when it would go below zero or above the maximum.
  Result<Wei> BalanceAfter(std::string_view orchestrator_id, Wei delta) const;

  const Orchestrator* FindOrchestrator(std::string_view id) const;
  const Workload* FindWorkload(std::string_view id) const;
  Wei Balance(std::string_view orchestrator_id) const;

  // Iteration in first-seen order (stable across restarts).
  const std::deque<Orchestrator>& orchestrators() const { return orchestrators_; }
  const StableVector<Workload>& workloads() const { return workloads_; }
  // Balance entries in first-seen order, as (orchestrator_id, wei).
  const BalanceList& balances() const { return balances_; }

  // O(orchestrators + balances); the workloads are not copied.
  StateImage Image() const;

  uint64_t credited_workloads() const { return credited_workloads_; }
  Wei total_credited() const { return total_credited_; }

  // Pre-sizes the workload containers for about `workloads` entries (replay
  // of a large journal avoids rehashing).
  void ReserveWorkloads(size_t workloads) { workload_index_.Reserve(workloads); }
  // On for a start-up's bulk load: workload storage mapped from then on uses
  // huge pages (far fewer page faults). Off (the default) before serving.
  void SetBulkLoad(bool on) {
    PageSize pages = on ? PageSize::kHuge : PageSize::kSmall;
    workload_ids_.SetPageSize(pages);
    workloads_.SetPageSize(pages);
  }

  // Adds a loaded checkpoint entry (no journal record); used by the checkpoint
  // loader only. REQUIRES: the id is not present yet.
  void LoadOrchestrator(Orchestrator o);
  // Interns `id` and stores `w` under it.
  void LoadWorkload(std::string_view id, Workload w);
  void LoadBalance(std::string id, Wei balance);

 private:
  // Whether MutableBalance adds an entry (of 0 wei) for an id without one.
  enum class BalanceEntry { kExisting, kCreate };
  // The balance of `id`; null when it has none and `entry` is kExisting.
  Wei* MutableBalance(std::string_view id, BalanceEntry entry);
  // BalanceAfter(r.orchestrator_id, delta), which must equal the balance
  // `r` records (Corruption otherwise).
  Result<Wei> RecordedBalanceAfter(const Record& r, Wei delta) const;
  // Apply, by kind of record.
  Status ApplyRegister(const Record& r);
  Status ApplyWorkload(const Record& r);
  Status ApplyAdjustment(const Record& r);
  Status ApplyImportOrchestrator(const Record& r);
  Status ApplyImportWorkload(const Record& r);

  std::deque<Orchestrator> orchestrators_;
  std::unordered_map<std::string_view, size_t> orchestrator_index_;
  StringArena workload_ids_;
  StableVector<Workload> workloads_;
  ShardedIndex workload_index_{[this](uint32_t position) { return workloads_[position].id; }};
  BalanceList balances_;
  std::unordered_map<std::string_view, size_t> balance_index_;
  uint64_t credited_workloads_ = 0;
  Wei total_credited_ = 0;
};

}  // namespace pb::ledger
