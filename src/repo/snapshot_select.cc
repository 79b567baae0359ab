#include "repo/snapshot_select.h"

#include <algorithm>
#include <map>

#include "common/time_util.h"

namespace pb::repo {
namespace {

// Newest first: time, then the larger id (SortSnapshots' order reversed).
bool Newer(const SnapshotRef& a, const SnapshotRef& b) {
  return a.snapshot.time_ms != b.snapshot.time_ms ? a.snapshot.time_ms > b.snapshot.time_ms : a.id > b.id;
}

std::string Short(const SnapshotRef& s) { return s.id.substr(0, 8); }

std::string Facts(const SnapshotRef& s) {
  return Short(s) + " (" + FormatIso8601(s.snapshot.time_ms) + ", ledger seq " + std::to_string(LedgerSeq(s.snapshot)) +
         ")";
}

// The snapshots of `all` in `group`.
std::vector<const SnapshotRef*> Members(const std::vector<SnapshotRef>& all, const SnapshotGroup& group) {
  std::vector<const SnapshotRef*> out;
  for (const SnapshotRef& s : all) {
    if (GroupOf(s.snapshot) == group) out.push_back(&s);
  }
  return out;
}

// The snapshot of `members` with the highest ledger seq, the newest among equals.
const SnapshotRef* Longest(const std::vector<const SnapshotRef*>& members) {
  const SnapshotRef* best = nullptr;
  for (const SnapshotRef* s : members) {
    uint64_t seq = LedgerSeq(s->snapshot);
    if (!best || seq > LedgerSeq(best->snapshot) || (seq == LedgerSeq(best->snapshot) && Newer(*s, *best))) best = s;
  }
  return best;
}

std::string PickHint(const SnapshotFilter& filter) {
  return "give --host HOST --path DIR to pick a group" + std::string(filter.empty() ? "" : " (with " + filter.Describe() + ")") +
         ", or a snapshot id (see `paymentsctl snapshots`)";
}

Result<SelectedSnapshot> SelectLatest(const std::vector<SnapshotRef>& all, const std::vector<SnapshotRef>& matching,
                                      const SnapshotFilter& filter, const std::optional<SnapshotGroup>& target) {
  std::map<SnapshotGroup, std::vector<const SnapshotRef*>> groups;
  for (const SnapshotRef& s : matching) groups[GroupOf(s.snapshot)].push_back(&s);
  SelectedSnapshot out;
  SnapshotGroup group;
  bool by_target = false;
  if (target && groups.count(*target)) {
    group = *target;
    by_target = groups.size() > 1;
  } else if (groups.size() == 1) {
    group = groups.begin()->first;
  } else {
    return Status::InvalidArgument(
        "`latest` is ambiguous: the repository holds snapshots of " + std::to_string(groups.size()) +
        " data directories" + (target ? ", none of them " + DescribeGroup(*target) + " (the target)" : "") + ":\n" +
        ListGroups(matching) + PickHint(filter));
  }
  const std::vector<const SnapshotRef*>& members = groups[group];
  const SnapshotRef* newest = *std::min_element(members.begin(), members.end(),
                                                [](const SnapshotRef* a, const SnapshotRef* b) { return Newer(*a, *b); });
  const SnapshotRef* longest = Longest(members);
  if (LedgerSeq(longest->snapshot) > LedgerSeq(newest->snapshot)) {
    return Status::InvalidArgument(
        "`latest` of " + DescribeGroup(group) + " would be " + Facts(*newest) + ", but snapshot " + Facts(*longest) +
        " of the same data directory holds more of the ledger (a shorter ledger was backed up after it, with "
        "--allow-regression): name the snapshot id to restore, " + Short(*longest) + " for the longest ledger");
  }
  if (by_target && !HoldsJournal(newest->snapshot)) {
    for (const auto& [other, list] : groups) {
      if (other == group || !HoldsJournal(Longest(list)->snapshot)) continue;
      return Status::InvalidArgument(
          "`latest` of " + DescribeGroup(group) + " (the target) is " + Facts(*newest) +
          ", which holds no journal record, while other data directories of the repository do:\n" +
          ListGroups(matching) + PickHint(filter));
    }
  }
  out.snapshot = *newest;
  if (groups.size() > 1 || Members(all, group).size() != members.size()) {
    out.note = "latest: " + Short(*newest) + " is the newest snapshot of " + DescribeGroup(group) +
               (by_target ? " (the target's)" : "") +
               (groups.size() > 1 ? "; the repository also holds " + std::to_string(groups.size() - 1) +
                                        " other data director" + (groups.size() > 2 ? "ies" : "y")
                                  : "") +
               (filter.empty() ? "" : "; considering only " + filter.Describe());
  }
  return out;
}

}  // namespace

SnapshotGroup GroupOf(const Snapshot& snapshot) { return SnapshotGroup{snapshot.host, snapshot.data_dir}; }

std::string DescribeGroup(const SnapshotGroup& group) { return "host " + group.host + ", path " + group.data_dir; }

uint64_t LedgerSeq(const Snapshot& snapshot) { return snapshot.ledger ? snapshot.ledger->seq : 0; }

bool HoldsJournal(const Snapshot& snapshot) { return LedgerSeq(snapshot) > 0; }

bool SnapshotFilter::Matches(const Snapshot& snapshot) const {
  if (!host.empty() && snapshot.host != host) return false;
  if (!path.empty() && snapshot.data_dir != path) return false;
  if (tags.empty()) return true;
  for (const std::string& t : tags) {
    if (std::find(snapshot.tags.begin(), snapshot.tags.end(), t) != snapshot.tags.end()) return true;
  }
  return false;
}

std::string SnapshotFilter::Describe() const {
  std::string out;
  auto add = [&](const std::string& flag, const std::string& value) {
    out += (out.empty() ? "" : " ") + flag + " " + value;
  };
  if (!host.empty()) add("--host", host);
  if (!path.empty()) add("--path", path);
  for (const std::string& t : tags) add("--tag", t);
  return out;
}

std::vector<SnapshotRef> FilterSnapshots(const std::vector<SnapshotRef>& all, const SnapshotFilter& filter) {
  std::vector<SnapshotRef> out;
  for (const SnapshotRef& s : all) {
    if (filter.Matches(s.snapshot)) out.push_back(s);
  }
  return out;
}

const SnapshotRef* NewestOfGroup(const std::vector<SnapshotRef>& all, const SnapshotGroup& group) {
  const SnapshotRef* newest = nullptr;
  for (const SnapshotRef* s : Members(all, group)) {
    if (!newest || Newer(*s, *newest)) newest = s;
  }
  return newest;
}

const SnapshotRef* LongestLedgerOfGroup(const std::vector<SnapshotRef>& all, const SnapshotGroup& group) {
  return Longest(Members(all, group));
}

std::string ListGroups(const std::vector<SnapshotRef>& all) {
  std::map<SnapshotGroup, std::vector<const SnapshotRef*>> groups;
  for (const SnapshotRef& s : all) groups[GroupOf(s.snapshot)].push_back(&s);
  std::string out;
  for (const auto& [group, members] : groups) {
    const SnapshotRef* newest = NewestOfGroup(all, group);
    out += "  " + DescribeGroup(group) + ": " + std::to_string(members.size()) + " snapshot(s), newest " +
           Short(*newest) + " " + FormatIso8601(newest->snapshot.time_ms) + ", ledger seq up to " +
           std::to_string(LedgerSeq(Longest(members)->snapshot)) + "\n";
  }
  return out;
}

Result<SelectedSnapshot> SelectSnapshot(const std::vector<SnapshotRef>& all, std::string_view query,
                                        const SnapshotFilter& filter, const std::optional<SnapshotGroup>& target) {
  std::vector<SnapshotRef> matching = FilterSnapshots(all, filter);
  if (query != "latest") {
    auto found = FindSnapshot(matching, query);
    if (!found.ok() && !filter.empty() && FindSnapshot(all, query).ok()) {
      return Status::NotFound("snapshot \"" + std::string(query) + "\" does not match " + filter.Describe());
    }
    if (!found.ok()) return found.status();
    return SelectedSnapshot{std::move(found).value(), ""};
  }
  if (matching.empty()) {
    if (all.empty()) return Status::NotFound("the repository has no snapshot yet; run `paymentsctl backup` first");
    return Status::NotFound("no snapshot matches " + filter.Describe() + "; the repository holds:\n" + ListGroups(all) +
                            PickHint(SnapshotFilter{}));
  }
  return SelectLatest(all, matching, filter, target);
}

}  // namespace pb::repo
