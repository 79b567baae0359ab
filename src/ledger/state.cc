#include "ledger/state.h"

#include "ledger/state_json.h"

namespace pb::ledger {

const Orchestrator* LedgerState::FindOrchestrator(std::string_view id) const {
  auto it = orchestrator_index_.find(id);
  return it == orchestrator_index_.end() ? nullptr : &orchestrators_[it->second];
}

const Workload* LedgerState::FindWorkload(std::string_view id) const {
  auto position = workload_index_.Find(id);
  return position ? &workloads_[*position] : nullptr;
}

StateImage LedgerState::Image() const {
  StateImage image;
  image.orchestrators.assign(orchestrators_.begin(), orchestrators_.end());
  image.balances.assign(balances_.begin(), balances_.end());
  image.workloads = workloads_.Snapshot();
  return image;
}

Wei LedgerState::Balance(std::string_view id) const {
  auto it = balance_index_.find(id);
  return it == balance_index_.end() ? 0 : balances_[it->second].second;
}

Wei* LedgerState::MutableBalance(std::string_view id, BalanceEntry entry) {
  auto it = balance_index_.find(id);
  if (it != balance_index_.end()) return &balances_[it->second].second;
  if (entry == BalanceEntry::kExisting) return nullptr;
  balances_.emplace_back(std::string(id), 0);
  balance_index_.emplace(balances_.back().first, balances_.size() - 1);
  return &balances_.back().second;
}

Result<Wei> LedgerState::BalanceAfter(std::string_view id, Wei delta) const {
  Wei after = Balance(id) + delta;
  if (after < 0) {
    return Status::InvalidArgument("balance of '" + std::string(id) + "' would become negative (" +
                                   FormatEth(after) + " ETH)");
  }
  if (after > kMaxAmountWei) {
    return Status::InvalidArgument("balance of '" + std::string(id) + "' would exceed the maximum of 10^12 ETH");
  }
  return after;
}

void LedgerState::LoadOrchestrator(Orchestrator o) {
  orchestrators_.push_back(std::move(o));
  orchestrator_index_.emplace(orchestrators_.back().id, orchestrators_.size() - 1);
}

void LedgerState::LoadWorkload(std::string_view id, Workload w) {
  w.id = workload_ids_.Intern(id);
  if (!w.raw_record) {
    ++credited_workloads_;
    total_credited_ += w.amount;
  }
  workloads_.push_back(std::move(w));
  workload_index_.Insert(workloads_.back().id, static_cast<uint32_t>(workloads_.size() - 1));
}

void LedgerState::LoadBalance(std::string id, Wei balance) { *MutableBalance(id, BalanceEntry::kCreate) = balance; }

Result<Wei> LedgerState::RecordedBalanceAfter(const Record& r, Wei delta) const {
  PB_ASSIGN_OR_RETURN(const Wei after, BalanceAfter(r.orchestrator_id, delta));
  if (after != r.balance) {
    return Status::Corruption("record seq " + std::to_string(r.seq) + " says balance " + FormatWei(r.balance) +
                              " wei but replay computes " + FormatWei(after));
  }
  return after;
}

Status LedgerState::ApplyRegister(const Record& r) {
  if (const Orchestrator* found = FindOrchestrator(r.orchestrator_id)) {
    auto& o = orchestrators_[orchestrator_index_[found->id]];
    o.address = r.address;
    ++o.registration_count;
    o.last_registered_at_ms = r.ts_ms;
    return Status::Ok();
  }
  Orchestrator o;
  o.id = r.orchestrator_id;
  o.address = r.address;
  o.registration_count = 1;
  o.registered_at_ms = o.last_registered_at_ms = r.ts_ms;
  LoadOrchestrator(std::move(o));
  return Status::Ok();
}

Status LedgerState::ApplyWorkload(const Record& r) {
  const Orchestrator* orchestrator = FindOrchestrator(r.orchestrator_id);
  if (orchestrator == nullptr) return Status::NotFound("orchestrator '" + r.orchestrator_id + "' is not registered");
  if (FindWorkload(r.workload_id) != nullptr) {
    return Status::Conflict("workload '" + r.workload_id + "' is already recorded; it must not be credited twice");
  }
  if (r.amount <= 0) return Status::InvalidArgument("workload amount must be positive");
  PB_ASSIGN_OR_RETURN(const Wei after, RecordedBalanceAfter(r, r.amount));
  *MutableBalance(r.orchestrator_id, BalanceEntry::kCreate) = after;
  Workload w;
  w.orchestrator_id = &orchestrator->id;
  w.amount = r.amount;
  w.duration_ms = r.duration_ms;
  w.credited_at_ms = r.ts_ms;
  w.seq = r.seq;
  LoadWorkload(r.workload_id, std::move(w));
  return Status::Ok();
}

Status LedgerState::ApplyAdjustment(const Record& r) {
  if (FindOrchestrator(r.orchestrator_id) == nullptr &&
      MutableBalance(r.orchestrator_id, BalanceEntry::kExisting) == nullptr) {
    return Status::NotFound("orchestrator '" + r.orchestrator_id + "' has no balance and is not registered");
  }
  PB_ASSIGN_OR_RETURN(const Wei after, RecordedBalanceAfter(r, r.delta));
  *MutableBalance(r.orchestrator_id, BalanceEntry::kCreate) = after;
  return Status::Ok();
}

Status LedgerState::ApplyImportOrchestrator(const Record& r) {
  if (FindOrchestrator(r.orchestrator_id) != nullptr) {
    return Status::Conflict("orchestrator '" + r.orchestrator_id + "' imported twice");
  }
  PB_ASSIGN_OR_RETURN(Orchestrator o, ParseRegistryEntry(r.orchestrator_id, r.raw_record));
  LoadOrchestrator(std::move(o));
  return Status::Ok();
}

Status LedgerState::ApplyImportWorkload(const Record& r) {
  if (FindWorkload(r.workload_id) != nullptr) return Status::Conflict("workload '" + r.workload_id + "' imported twice");
  Workload w;
  w.raw_record = std::make_unique<std::string>(r.raw_record);
  LoadWorkload(r.workload_id, std::move(w));
  return Status::Ok();
}

Status LedgerState::Apply(const Record& r) {
  switch (r.type) {
    case RecordType::kRegister: return ApplyRegister(r);
    case RecordType::kWorkload: return ApplyWorkload(r);
    case RecordType::kAdjustment: return ApplyAdjustment(r);
    case RecordType::kImportOrchestrator: return ApplyImportOrchestrator(r);
    case RecordType::kImportBalance:
      if (r.balance < 0 || r.balance > kMaxAmountWei) return Status::InvalidArgument("imported balance out of range");
      *MutableBalance(r.orchestrator_id, BalanceEntry::kCreate) = r.balance;
      return Status::Ok();
    case RecordType::kImportWorkload: return ApplyImportWorkload(r);
  }
  return Status::InvalidArgument("unknown record type");
}

}  // namespace pb::ledger
