#include "repo/wal_check.h"

#include <map>
#include <optional>

#include "repo/wal.h"

namespace pb::repo {
namespace {

struct StreamSnapshots {
  uint64_t oldest_seq = 0;
  uint64_t newest_seq = 0;
  bool any = false;
};

// Per wal stream: the ledger seqs of the oldest and newest of `all` (sorted
// oldest first) of its data directory.
std::map<std::string, StreamSnapshots> SnapshotsByStream(const std::vector<SnapshotRef>& all) {
  std::map<std::string, StreamSnapshots> out;
  for (const SnapshotRef& s : all) {  // oldest first
    StreamSnapshots& e = out[WalStream(s.snapshot.host, s.snapshot.data_dir)];
    uint64_t seq = s.snapshot.ledger ? s.snapshot.ledger->seq : 0;
    if (!e.any) e.oldest_seq = seq;
    e.newest_seq = seq;
    e.any = true;
  }
  return out;
}

std::string Range(uint64_t from, uint64_t to) { return std::to_string(from) + "-" + std::to_string(to); }

}  // namespace

Result<WalCheck> CheckWal(Repository* repo, bool read_data, const WalRecordsCheck& check_records) {
  auto streams = ListWalStreams(repo->backend());
  if (!streams.ok()) return streams.status();
  // Damaged snapshot files are left out: check reports them itself.
  std::vector<std::string> damaged;
  PB_ASSIGN_OR_RETURN(std::vector<SnapshotRef> all, repo->ListSnapshots(&damaged));
  std::map<std::string, StreamSnapshots> snaps = SnapshotsByStream(all);
  WalCheck check;
  for (const std::vector<WalName>& names : *streams) {
    const StreamSnapshots& snap = snaps[names.front().stream];
    check.objects += names.size();
    if (!snap.any) check.notes.push_back("wal stream " + names.front().stream + " has no snapshot to restore it onto");
    const uint64_t needed_from = snap.newest_seq + 1;  // restore latest applies records from here on
    uint64_t prev_last = 0;
    std::optional<WalObject> prev;
    for (const WalName& name : names) {
      if (prev_last != 0 && name.first_seq > prev_last + 1) {
        const std::string gap = "wal stream " + name.stream + ": no object holds records " +
                                Range(prev_last + 1, name.first_seq - 1);
        if (name.first_seq - 1 >= needed_from) {
          check.problems.push_back(gap + ", which restore latest needs: it would stop before them");
        } else {
          check.notes.push_back(gap + " (older than the newest snapshot)");
        }
        prev.reset();
      } else if (prev_last != 0 && name.first_seq <= prev_last) {
        check.problems.push_back("wal/" + name.name + " overlaps the object before it");
        prev.reset();
      }
      if (prev_last == 0 && snap.any && name.first_seq > needed_from) {
        check.problems.push_back("wal stream " + name.stream + ": no object holds records " +
                                 Range(needed_from, name.first_seq - 1) + " right after the newest snapshot");
      }
      prev_last = name.last_seq;
      if (!read_data && name.last_seq < needed_from) continue;
      auto obj = ReadWalObject(repo->backend(), repo->key(), name, check_records);
      ++check.opened;
      if (!obj.ok()) {
        check.problems.push_back("wal/" + name.name + ": " + obj.status().message());
        prev.reset();
        continue;
      }
      if (prev && (prev->last_seq + 1 != obj->first_seq || prev->last_hash != obj->prev_hash)) {
        check.problems.push_back("wal/" + name.name + " does not continue the chain of the object before it");
      }
      prev = std::move(obj.value());
      prev->records.clear();
    }
  }
  return check;
}

Result<std::vector<std::string>> WalObjectsToPrune(Repository* repo, const std::vector<SnapshotRef>& snapshots) {
  auto streams = ListWalStreams(repo->backend());
  if (!streams.ok()) return streams.status();
  const std::map<std::string, StreamSnapshots> snaps = SnapshotsByStream(snapshots);
  std::vector<std::string> out;
  for (const std::vector<WalName>& names : *streams) {
    auto it = snaps.find(names.front().stream);
    if (it == snaps.end()) continue;
    for (const WalName& name : names) {
      if (name.last_seq <= it->second.oldest_seq) out.push_back(name.name);
    }
  }
  return out;
}

}  // namespace pb::repo
