#include "repo/wal_compact.h"

#include <algorithm>
#include <optional>
#include <set>

#include "repo/wal_cover.h"

namespace pb::repo {
namespace {

// Level 0 objects kept between planning and execution, at most.
constexpr size_t kMaxKeptBytes = size_t{32} << 20;

// One cover object as the planner sees it.
struct Entry {
  const WalName* name = nullptr;
  std::optional<int64_t> ts;  // its last record's ts; unknown when it cannot be read
  bool planned = false;
};

int64_t Window(int64_t ts, int level) { return ts / WalWindowMs(level); }

class Planner {
 public:
  Planner(std::vector<Entry>* entries, size_t known_end, int64_t newest_ts)
      : e_(*entries), known_end_(known_end), newest_ts_(newest_ts) {}

  // Plans the merges into `level` (the maximal runs, cut by record count).
  void PlanLevel(int level, std::vector<WalMerge>* merges) {
    size_t i = 0;
    while (i < known_end_) {
      if (!Eligible(i, level)) {
        ++i;
        continue;
      }
      const int64_t window = Window(*e_[i].ts, level);
      size_t j = i;
      while (j + 1 < known_end_ && Eligible(j + 1, level) && Window(*e_[j + 1].ts, level) == window &&
             e_[j + 1].name->first_seq == e_[j].name->last_seq + 1) {
        ++j;
      }
      // A run that reaches objects left unread may go on past them: later.
      if (!(j + 1 == known_end_ && known_end_ < e_.size())) PlanRun(i, j, level, merges);
      i = j + 1;
    }
  }

 private:
  bool Eligible(size_t i, int level) const {
    const Entry& e = e_[i];
    if (e.planned || !e.ts || *e.ts < 0 || e.name->level >= level) return false;
    return (Window(*e.ts, level) + 1) * WalWindowMs(level) <= newest_ts_;  // the window is closed
  }

  // Cuts e_[first..last] into groups of at most kMaxMergedRecords records;
  // each group of two or more objects becomes a merge.
  void PlanRun(size_t first, size_t last, int level, std::vector<WalMerge>* merges) {
    size_t begin = first;
    uint64_t records = 0;
    for (size_t k = first; k <= last + 1; ++k) {
      if (k <= last && records + e_[k].name->records() <= kMaxMergedRecords) {
        records += e_[k].name->records();
        continue;
      }
      if (k - begin >= 2) {
        WalMerge merge;
        merge.level = level;
        for (size_t m = begin; m < k; ++m) {
          merge.inputs.push_back(*e_[m].name);
          e_[m].planned = true;
        }
        merges->push_back(std::move(merge));
      }
      begin = k;
      records = k <= last ? e_[k].name->records() : 0;
    }
  }

  std::vector<Entry>& e_;
  const size_t known_end_;
  const int64_t newest_ts_;
};

// Reads the level 0 objects among `entries` for their times, at most
// kMaxLevel0ReadsPerPass (and the newest, always) and until `stop`. Sets
// *known_end to the first entry left unread (entries.size() when none).
Status ReadTimes(Repository* repo, const WalRecordsCheck& check, const std::function<bool()>& stop,
                 std::vector<Entry>* entries, size_t* known_end, WalCompactionPlan* plan) {
  size_t reads = 0, kept = 0;
  auto learn = [&](Entry& e) -> Status {
    if (e.name->level != 0) {
      e.ts = e.name->last_ts_ms;
      return Status::Ok();
    }
    auto obj = ReadWalObject(repo->backend(), repo->key(), *e.name, check);
    ++reads;
    if (!obj.ok()) {
      if (obj.status().kind() != Status::Kind::kCorruption) return obj.status();
      plan->problems.push_back("wal/" + e.name->name + " is left as it is: " + obj.status().message());
      return Status::Ok();
    }
    e.ts = obj->last_ts_ms;
    if (kept + obj->records.size() <= kMaxKeptBytes) {
      kept += obj->records.size();
      plan->read.emplace(e.name->name, std::move(obj.value()));
    }
    return Status::Ok();
  };
  *known_end = entries->size();
  for (size_t i = 0; i < entries->size(); ++i) {
    if ((*entries)[i].name->level == 0 && (reads == kMaxLevel0ReadsPerPass || (stop && stop()))) {
      *known_end = i;
      plan->more = true;
      break;
    }
    PB_RETURN_IF_ERROR(learn((*entries)[i]));
  }
  if (*known_end < entries->size()) PB_RETURN_IF_ERROR(learn(entries->back()));
  return Status::Ok();
}

}  // namespace

int64_t WalWindowMs(int level) {
  static constexpr int64_t kWindows[] = {0, 30'000, 300'000, 3'600'000, 86'400'000};
  return kWindows[level];
}

Result<WalCompactionPlan> PlanWalCompaction(Repository* repo, std::string_view stream,
                                            const WalRecordsCheck& check_records,
                                            const std::function<bool()>& stop) {
  auto names = ListWal(repo->backend(), stream);
  if (!names.ok()) return names.status();
  WalCompactionPlan plan;
  plan.stream = std::string(stream);
  plan.objects = names->size();
  WalCover cover = CoverOf(*names);
  plan.redundant = std::move(cover.redundant);
  std::vector<Entry> entries;
  for (const WalName& n : cover.objects) entries.push_back(Entry{&n, std::nullopt, false});
  if (entries.empty()) return plan;
  size_t known_end = 0;
  PB_RETURN_IF_ERROR(ReadTimes(repo, check_records, stop, &entries, &known_end, &plan));
  if (entries.back().ts) {  // else no window can be known to be closed
    Planner planner(&entries, known_end, *entries.back().ts);
    for (int level = kWalTopLevel; level >= 1; --level) planner.PlanLevel(level, &plan.merges);
  }
  std::sort(plan.merges.begin(), plan.merges.end(), [](const WalMerge& a, const WalMerge& b) {
    return a.inputs.front().first_seq < b.inputs.front().first_seq;
  });
  std::set<std::string> inputs;
  for (const WalMerge& m : plan.merges) {
    for (const WalName& n : m.inputs) inputs.insert(n.name);
  }
  std::erase_if(plan.read, [&](const auto& kv) { return inputs.count(kv.first) == 0; });
  return plan;
}

}  // namespace pb::repo
