// repo/: carrying out a compaction plan (wal_compact.h): merged objects
// written durably, then what they hold removed.
#include <set>

#include "repo/wal_compact.h"

namespace pb::repo {
namespace {

std::string Range(const WalMerge& m) {
  return "wal/" + m.inputs.front().name + " .. wal/" + m.inputs.back().name + " into level " +
         std::to_string(m.level);
}

bool IsDamage(const Status& st) {
  return st.kind() == Status::Kind::kCorruption || st.kind() == Status::Kind::kNotFound;
}

class Executor {
 public:
  Executor(Repository* repo, const WalRecordsCheck& check, WalCompactionReport* report)
      : repo_(repo), check_(check), report_(report) {}

  // Removes `redundant.first` once `redundant.second` (which holds it) has
  // been read and checked in this pass.
  Status RemoveRedundant(const std::pair<WalName, WalName>& redundant) {
    const WalName& holder = redundant.second;
    if (verified_.count(holder.name) == 0) {
      auto obj = ReadWalObject(repo_->backend(), repo_->key(), holder, check_);
      if (!obj.ok()) {
        if (!IsDamage(obj.status())) return obj.status();
        report_->problems.push_back("wal/" + redundant.first.name + " is kept: wal/" + holder.name +
                                    ", which holds its records, cannot be read: " + obj.status().message());
        return Status::Ok();
      }
      verified_.insert(holder.name);
    }
    return Remove(redundant.first.name);
  }

  // Reads the inputs of `merge` (from `read` when the planner kept them),
  // writes the merged piece(s), then removes the inputs of each piece.
  Status Merge(const WalMerge& merge, std::map<std::string, WalObject>* read) {
    WalObject piece;
    std::vector<std::string> inputs;  // of `piece`
    for (const WalName& input : merge.inputs) {
      WalObject obj;
      if (auto it = read->find(input.name); it != read->end()) {
        obj = std::move(it->second);
        read->erase(it);
      } else {
        auto r = ReadWalObject(repo_->backend(), repo_->key(), input, check_);
        if (!r.ok()) {
          if (!IsDamage(r.status())) return r.status();
          return Undone(merge, "wal/" + input.name + ": " + r.status().message());
        }
        obj = std::move(r.value());
      }
      if (!inputs.empty()) {
        if (obj.first_seq != piece.last_seq + 1 || obj.prev_hash != piece.last_hash) {
          return Undone(merge, "wal/" + input.name + " does not continue the chain of wal/" + inputs.back());
        }
        const bool same_segment = obj.segment == piece.segment;
        if (same_segment && obj.offset != piece.offset + piece.records.size()) {
          return Undone(merge, "wal/" + input.name + " does not begin where wal/" + inputs.back() + " ends in " +
                                   obj.segment);
        }
        if (!same_segment || piece.records.size() + obj.records.size() > kMaxMergedBytes) {
          PB_RETURN_IF_ERROR(Flush(&piece, &inputs));
        }
      }
      if (inputs.empty()) {
        piece = std::move(obj);
        piece.level = merge.level;
      } else {
        piece.records += obj.records;
        piece.last_seq = obj.last_seq;
        piece.last_hash = obj.last_hash;
        piece.last_ts_ms = obj.last_ts_ms;
      }
      inputs.push_back(input.name);
    }
    return Flush(&piece, &inputs);
  }

 private:
  Status Undone(const WalMerge& merge, const std::string& why) {
    report_->problems.push_back("the merge of " + Range(merge) + " is left undone: " + why);
    return Status::Ok();
  }

  // Writes `piece` (durably), then removes `inputs`; clears both.
  Status Flush(WalObject* piece, std::vector<std::string>* inputs) {
    const std::string name = WalObjectNameOf(*piece);
    const Digest prev = piece->prev_hash, last = piece->last_hash;
    const uint64_t records = piece->last_seq - piece->first_seq + 1;
    Status st = repo_->backend().Write(PathOf(kWalFolder, name), EncodeWalObject(repo_->key(), std::move(*piece)));
    *piece = WalObject{};
    if (st.kind() == Status::Kind::kConflict) st = SameRecords(name, prev, last);
    if (!st.ok()) {
      if (!IsDamage(st)) return st;
      report_->problems.push_back("wal/" + name + " exists with other records; kept its inputs: " + st.message());
      inputs->clear();
      return Status::Ok();
    }
    ++report_->merged_objects;
    report_->records += records;
    for (const std::string& input : *inputs) PB_RETURN_IF_ERROR(Remove(input));
    inputs->clear();
    return Status::Ok();
  }

  // Another compactor wrote `name` first: Ok when it holds the same records
  // (same chain hash before and at its end).
  Status SameRecords(const std::string& name, const Digest& prev, const Digest& last) {
    auto parsed = ParseWalName(name);
    if (!parsed.ok()) return parsed.status();
    auto existing = ReadWalObject(repo_->backend(), repo_->key(), *parsed, check_);
    if (!existing.ok()) return existing.status();
    if (existing->prev_hash != prev || existing->last_hash != last) {
      return Status::Corruption("its records chain to other hashes");
    }
    return Status::Ok();
  }

  // Removes wal/<name>; one already gone (another compactor, prune) is fine.
  Status Remove(const std::string& name) {
    Status st = repo_->backend().Remove(PathOf(kWalFolder, name));
    if (st.ok()) ++report_->removed_objects;
    return st.kind() == Status::Kind::kNotFound ? Status::Ok() : st;
  }

  Repository* repo_;
  const WalRecordsCheck& check_;
  WalCompactionReport* report_;
  std::set<std::string> verified_;  // holders read and checked in this pass
};

}  // namespace

Result<WalCompactionReport> ExecuteWalCompaction(Repository* repo, WalCompactionPlan plan,
                                                 const WalRecordsCheck& check_records,
                                                 const std::function<bool()>& stop) {
  WalCompactionReport report;
  report.problems = std::move(plan.problems);
  Executor executor(repo, check_records, &report);
  for (const auto& redundant : plan.redundant) PB_RETURN_IF_ERROR(executor.RemoveRedundant(redundant));
  for (const WalMerge& merge : plan.merges) {
    if (stop && stop()) break;
    PB_RETURN_IF_ERROR(executor.Merge(merge, &plan.read));
  }
  return report;
}

Result<WalCompactionReport> CompactWalStream(Repository* repo, std::string_view stream,
                                             const WalRecordsCheck& check_records,
                                             const std::function<bool()>& stop) {
  WalCompactionReport total;
  while (!(stop && stop())) {
    auto plan = PlanWalCompaction(repo, stream, check_records, stop);
    if (!plan.ok()) return plan.status();
    const bool more = plan->more;
    auto pass = ExecuteWalCompaction(repo, std::move(plan.value()), check_records, stop);
    if (!pass.ok()) return pass.status();
    total.merged_objects += pass->merged_objects;
    total.removed_objects += pass->removed_objects;
    total.records += pass->records;
    for (std::string& p : pass->problems) total.problems.push_back(std::move(p));
    if (!more || pass->merged_objects + pass->removed_objects == 0) break;
  }
  return total;
}

}  // namespace pb::repo
