#include "restore/at_time.h"

#include <algorithm>
#include <string>
#include <vector>

#include "common/time_util.h"
#include "repo/wal.h"
#include "repo/wal_cover.h"
#include "replicate/shipped_records.h"
#include "restore/snapshot_journal.h"

namespace pb::restore {
namespace {

std::string GroupName(const repo::Snapshot& s) { return s.host + ":" + s.data_dir; }

std::string RangeText(const repo::Snapshot& s, int64_t from_ms, int64_t to_ms) {
  return "The repository can restore the ledger of " + GroupName(s) + " exactly as of any time from " +
         FormatIso8601(from_ms) + " (its first record) to " + FormatIso8601(to_ms) +
         ": give an --at in that range, or restore without --at for everything it holds";
}

// The latest time the ledger can be restored as of exactly: the newest
// snapshot's time or its last record, or the last record of the shipped
// journal that continues it without a gap (when `wal_allowed`). For
// messages: shipped records that cannot be listed or read are left out.
int64_t ReachableEnd(repo::Repository* repo, const repo::SnapshotRef& newest, const JournalEdges& edges,
                     bool wal_allowed) {
  int64_t end = std::max(newest.snapshot.time_ms, edges.last.ts_ms);
  if (!wal_allowed) return end;
  auto names = repo::ListWal(repo->backend(), repo::WalStream(newest.snapshot.host, newest.snapshot.data_dir));
  if (!names.ok()) return end;
  uint64_t next = edges.last.seq + 1;
  const repo::WalName* last = nullptr;
  const repo::WalCover cover = repo::CoverOf(*names, next);
  for (const repo::WalName& name : cover.objects) {
    if (name.first_seq > next) break;
    last = &name;
    next = name.last_seq + 1;
  }
  if (!last) return end;
  if (last->level != 0) return std::max(end, last->last_ts_ms);  // a merged name carries it
  auto obj = repo::ReadWalObject(repo->backend(), repo->key(), *last, replicate::CheckShippedRecords);
  return obj.ok() ? std::max(end, obj->last_ts_ms) : end;
}

}  // namespace

Result<AtTimeSource> ChooseSourceAt(repo::Repository* repo, const repo::SnapshotRef& named, int64_t at_ms,
                                    bool wal_allowed) {
  std::vector<std::string> damaged;  // reported by the command that listed them first
  auto all = repo->ListSnapshots(&damaged);
  if (!all.ok()) return all.status();
  std::vector<repo::SnapshotRef> group;  // oldest first
  for (repo::SnapshotRef& s : *all) {
    if (s.snapshot.host == named.snapshot.host && s.snapshot.data_dir == named.snapshot.data_dir && s.snapshot.ledger) {
      group.push_back(std::move(s));
    }
  }
  if (group.empty()) {
    return Status::InvalidArgument("--at needs a ledger journal, and no snapshot of " + GroupName(named.snapshot) +
                                   " holds one (a Python-era data directory): restore it without --at");
  }
  repo::SnapshotRef* base = nullptr;
  JournalEdges edges;
  for (repo::SnapshotRef& s : group) {
    if (s.snapshot.time_ms <= at_ms) continue;
    auto e = ReadJournalEdges(repo, s);
    if (!e.ok()) return e.status();
    edges = *e;
    if (edges.last.ts_ms > at_ms) {
      base = &s;
      break;
    }
  }
  AtTimeSource source;
  if (!base) {
    base = &group.back();
    auto e = ReadJournalEdges(repo, *base);
    if (!e.ok()) return e.status();
    edges = *e;
    source.apply_wal = wal_allowed;
  }
  if (at_ms < edges.first.ts_ms) {
    JournalEdges newest = edges;
    if (base != &group.back()) {
      auto e = ReadJournalEdges(repo, group.back());
      if (!e.ok()) return e.status();
      newest = *e;
    }
    return Status::InvalidArgument(
        "--at " + FormatIso8601(at_ms) + " is before the first record of the ledger (seq " +
        std::to_string(edges.first.seq) + " at " + FormatIso8601(edges.first.ts_ms) +
        "): there is no earlier state to restore. " +
        RangeText(base->snapshot, edges.first.ts_ms, ReachableEnd(repo, group.back(), newest, wal_allowed)));
  }
  source.snapshot = std::move(*base);
  return source;
}

Status CheckReachedAt(const AtTimeSource& source, int64_t at_ms, const ledger::CutReport& cut,
                      const WalReplayReport& wal) {
  const repo::Snapshot& s = source.snapshot.snapshot;
  if (cut.records_removed > 0 || wal.passed_until || s.time_ms > at_ms) return Status::Ok();
  std::string held = "seq " + std::to_string(cut.last_kept_seq) + " at " + FormatIso8601(cut.last_kept_ts_ms);
  std::string why =
      wal.lost_from != 0
          ? "is after " + held + ", the last record the repository holds before the shipped records " +
                std::to_string(wal.lost_from) + "-" + std::to_string(wal.lost_to) + " it lost (" + wal.lost_reason +
                "): whether they were before it cannot be known"
          : "is after everything the repository holds of " + GroupName(s) + " (its last record is " + held +
                ", its newest snapshot was taken at " + FormatIso8601(s.time_ms) +
                (source.apply_wal ? "" : ", no shipped records were applied") +
                "): records after those may have existed before it";
  return Status::InvalidArgument("--at " + FormatIso8601(at_ms) + " " + why + ". Nothing was restored. " +
                                 RangeText(s, cut.first_ts_ms, std::max(s.time_ms, cut.last_kept_ts_ms)));
}

}  // namespace pb::restore
