#include "repo/wal_check.h"

#include <map>
#include <optional>

#include "repo/wal.h"
#include "repo/wal_cover.h"

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

// The check of one stream (`names`, one listing). NotFound when an object
// listed is gone when read (a compaction replaced it): list again.
class StreamChecker {
 public:
  StreamChecker(Repository* repo, bool read_data, const WalRecordsCheck& check_records, const StreamSnapshots& snap,
                WalCheck* out)
      : repo_(repo), read_data_(read_data), check_records_(check_records), snap_(snap), out_(*out) {}

  Status Check(const std::vector<WalName>& names) {
    const WalCover cover = CoverOf(names);
    const std::string& stream = names.front().stream;
    out_.objects += names.size();
    if (!snap_.any) out_.notes.push_back("wal stream " + stream + " has no snapshot to restore it onto");
    CheckSequence(cover);
    for (const WalName& o : cover.overlapping) {
      out_.problems.push_back("wal/" + o.name + " overlaps the objects around it without holding them or being "
                              "held by a merged one (two writers, or damage)");
    }
    for (const auto& [o, holder] : cover.redundant) {
      out_.notes.push_back("wal/" + o.name + " is held by wal/" + holder.name +
                           " (left by an interrupted compaction; the next compaction removes it)");
    }
    PB_RETURN_IF_ERROR(ReadCover(cover));
    if (!read_data_) return Status::Ok();
    for (const auto& [o, holder] : cover.redundant) {
      auto obj = Read(o);
      if (!obj.ok() && obj.status().kind() == Status::Kind::kNotFound) return obj.status();
      if (!obj.ok()) out_.notes.push_back("wal/" + o.name + " (held by wal/" + holder.name + "): " + obj.status().message());
    }
    for (const WalName& o : cover.overlapping) {
      auto obj = Read(o);
      if (!obj.ok() && obj.status().kind() == Status::Kind::kNotFound) return obj.status();
      if (!obj.ok()) out_.problems.push_back("wal/" + o.name + ": " + obj.status().message());
    }
    return Status::Ok();
  }

 private:
  // Gaps and overlaps between the cover's objects, from the names alone.
  void CheckSequence(const WalCover& cover) {
    const uint64_t needed_from = snap_.newest_seq + 1;  // restore latest applies records from here on
    uint64_t prev_last = 0;
    for (const WalName& name : cover.objects) {
      if (prev_last != 0 && name.first_seq > prev_last + 1) {
        const std::string gap = "wal stream " + name.stream + ": no object holds records " +
                                Range(prev_last + 1, name.first_seq - 1);
        if (name.first_seq - 1 >= needed_from) {
          out_.problems.push_back(gap + ", which restore latest needs: it would stop before them");
        } else {
          out_.notes.push_back(gap + " (older than the newest snapshot)");
        }
      } else if (prev_last != 0 && name.first_seq <= prev_last) {
        out_.problems.push_back("wal/" + name.name + " overlaps the object before it");
      }
      if (prev_last == 0 && snap_.any && name.first_seq > needed_from) {
        out_.problems.push_back("wal stream " + name.stream + ": no object holds records " +
                                Range(needed_from, name.first_seq - 1) + " right after the newest snapshot");
      }
      prev_last = name.last_seq;
    }
  }

  // Reads the cover objects after the newest snapshot (all with read_data),
  // each continuing the chain of the one before.
  Status ReadCover(const WalCover& cover) {
    std::optional<WalObject> prev;
    for (const WalName& name : cover.objects) {
      if (prev && name.first_seq != prev->last_seq + 1) prev.reset();  // a gap or an overlap: reported
      if (!read_data_ && name.last_seq <= snap_.newest_seq) continue;
      auto obj = Read(name);
      if (!obj.ok()) {
        if (obj.status().kind() == Status::Kind::kNotFound) return obj.status();
        out_.problems.push_back("wal/" + name.name + ": " + obj.status().message());
        prev.reset();
        continue;
      }
      if (prev && prev->last_hash != obj->prev_hash) {
        out_.problems.push_back("wal/" + name.name + " does not continue the chain of the object before it");
      }
      prev = std::move(obj.value());
      prev->records.clear();
    }
    return Status::Ok();
  }

  Result<WalObject> Read(const WalName& name) {
    ++out_.opened;
    return ReadWalObject(repo_->backend(), repo_->key(), name, check_records_);
  }

  Repository* repo_;
  const bool read_data_;
  const WalRecordsCheck& check_records_;
  const StreamSnapshots& snap_;
  WalCheck& out_;
};

}  // namespace

Result<WalCheck> CheckWal(Repository* repo, bool read_data, const WalRecordsCheck& check_records) {
  auto streams = ListWalStreams(repo->backend());
  if (!streams.ok()) return streams.status();
  // Damaged snapshot files are left out: check reports them itself.
  std::vector<std::string> damaged;
  PB_ASSIGN_OR_RETURN(std::vector<SnapshotRef> all, repo->ListSnapshots(&damaged));
  std::map<std::string, StreamSnapshots> snaps = SnapshotsByStream(all);
  WalCheck check;
  for (std::vector<WalName>& names : *streams) {
    const std::string stream = names.front().stream;
    for (int attempt = 1;; ++attempt) {
      WalCheck one;
      Status st = StreamChecker(repo, read_data, check_records, snaps[stream], &one).Check(names);
      if (st.ok() || attempt == 3) {
        if (!st.ok()) one.problems.push_back("wal stream " + stream + ": " + st.message());
        check.objects += one.objects;
        check.opened += one.opened;
        for (std::string& p : one.problems) check.problems.push_back(std::move(p));
        for (std::string& n : one.notes) check.notes.push_back(std::move(n));
        break;
      }
      auto again = ListWal(repo->backend(), stream);  // an object was replaced by a compaction meanwhile
      if (!again.ok()) return again.status();
      if (again->empty()) break;
      names = std::move(again.value());
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
