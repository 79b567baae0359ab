// repo/: which snapshot a command means. This header owns snapshot identity
// (the group: host + data directory), the filters every command that takes
// a snapshot accepts (--host, --path, --tag) and the choice of `latest`
// (docs/repository-format.md, "Snapshot groups and `latest`"); forget's
// plan per group builds on it (repo/forget_plan.h). It is pure: no
// repository, no clock, no I/O; the commands list the snapshots, call it,
// and print what it says.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "repo/snapshot.h"

namespace pb::repo {

// The group of a snapshot: the host and the absolute data directory it
// records (`backup --host` overrides the host, as restic does; a backup of
// a host over SSH records the target's name and its remote path). `latest`,
// forget's policy, the backup's parent and its regression guard all work
// inside one group.
struct SnapshotGroup {
  std::string host;
  std::string data_dir;
  auto operator<=>(const SnapshotGroup&) const = default;
};
SnapshotGroup GroupOf(const Snapshot& snapshot);
// "host web-1, path /opt/payments-backend/data", for messages.
std::string DescribeGroup(const SnapshotGroup& group);

// The ledger seq a snapshot holds: 0 when it holds no journal record.
uint64_t LedgerSeq(const Snapshot& snapshot);
// True when the snapshot holds at least one journal record.
bool HoldsJournal(const Snapshot& snapshot);

// --host, --path, --tag. An empty field matches every snapshot; with tags,
// a snapshot matches when it carries at least one of them. `path` is
// compared with the recorded data directory exactly (give it absolute).
struct SnapshotFilter {
  std::string host;
  std::string path;
  std::vector<std::string> tags;

  bool empty() const { return host.empty() && path.empty() && tags.empty(); }
  bool Matches(const Snapshot& snapshot) const;
  // "--host H --path P --tag T" (only the fields given), for messages.
  std::string Describe() const;
};

// The snapshots of `all` that `filter` matches, in their order.
std::vector<SnapshotRef> FilterSnapshots(const std::vector<SnapshotRef>& all, const SnapshotFilter& filter);

// The newest snapshot of `group` in `all` (time, then the larger id), or
// nullptr when the group has none.
const SnapshotRef* NewestOfGroup(const std::vector<SnapshotRef>& all, const SnapshotGroup& group);

// The snapshot of `group` in `all` with the highest ledger seq (the newest
// among equals), or nullptr when the group has none.
const SnapshotRef* LongestLedgerOfGroup(const std::vector<SnapshotRef>& all, const SnapshotGroup& group);

// One line per group of `all` (sorted by host, then path): the group, its
// snapshot count, its newest snapshot and the highest ledger seq it holds,
// e.g. "host web-1, path /data: 3 snapshot(s), newest 1a2b3c4d
// 2026-11-24T13:00:00.000Z, ledger seq up to 52872".
std::string ListGroups(const std::vector<SnapshotRef>& all);

// What SelectSnapshot chose, and a line worth printing on stderr about the
// choice ("" when there is nothing to tell), e.g. which group `latest` came
// from while the repository holds others.
struct SelectedSnapshot {
  SnapshotRef snapshot;
  std::string note;
};

// Picks the snapshot `query` names among the snapshots of `all` that
// `filter` matches:
//   - an id prefix: FindSnapshot's rules (at least 4 characters, unique);
//   - "latest": the newest snapshot (time, then the larger id) of ONE group:
//     `target`'s group when it has a matching snapshot (the host and data
//     directory a restore or drill writes to), else the only group left
//     after the filter. Several groups and none of them the target's is
//     InvalidArgument listing the groups and the --host/--path that picks
//     one. Also InvalidArgument, naming both snapshots, when the newest
//     snapshot of the group holds fewer ledger records than another one of
//     the group (a regression forced with `backup --allow-regression`):
//     `latest` would lose records, the operator names the id. And when the
//     group came from `target` alone, its newest snapshot holds no journal
//     record and another group does (a fresh service that replicated
//     before the restore): the operator picks the group with --host/--path.
// NotFound when nothing matches (the message lists the groups there are).
Result<SelectedSnapshot> SelectSnapshot(const std::vector<SnapshotRef>& all, std::string_view query,
                                        const SnapshotFilter& filter, const std::optional<SnapshotGroup>& target);

}  // namespace pb::repo
