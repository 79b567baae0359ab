// repo/: what `paymentsctl forget` removes, as a value (restic's
// ApplyPolicy + forget): the snapshots grouped by data directory, the
// decision on each with its reasons, and the ids to remove. Planning is pure
// (no I/O): `forget --dry-run` prints the plan; ExecuteForget carries it
// out. The keep rules themselves are repo/retention.h's; the groups are
// repo/snapshot_select.h's.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "repo/repository.h"
#include "repo/retention.h"
#include "repo/snapshot.h"
#include "repo/snapshot_select.h"

namespace pb::repo {

// The decisions on the planned snapshots of one group, newest first.
struct GroupRetention {
  SnapshotGroup group;
  std::vector<RetentionDecision> decisions;
};

struct ForgetPlan {
  std::string policy;                  // DescribePolicy, or "named by id"
  std::vector<GroupRetention> groups;  // sorted by group; no empty group
  std::vector<std::string> remove;     // the ids decided `remove`, each once, in the order of `groups`
};

// The reason recorded for the snapshot a policy keeps because it holds the
// highest ledger seq of its group.
inline constexpr std::string_view kLongestLedgerReason = "highest ledger seq of its group";

// `policy` (DecideRetention) applied to the snapshots of `all` that `filter`
// matches, each group separately; then the group's snapshot with the
// highest ledger seq (over the whole group, also outside the filter; ties:
// the newest; only when it holds a journal record) is kept whatever the
// policy says, with kLongestLedgerReason: a policy never removes the longest
// ledger a group has (forget by id can). --keep-within counts from the
// newest snapshot the filter leaves in the group.
// Errors: DecideRetention's, for the first group that has one.
Result<ForgetPlan> PlanForgetByPolicy(const std::vector<SnapshotRef>& all, const SnapshotFilter& filter,
                                      const RetentionPolicy& policy);

// The snapshots named by `ids` (SelectSnapshot's rules among those `filter`
// matches: a unique prefix of at least 4 characters; not `latest`), each
// decided `remove` with no reason; an id naming a snapshot another id
// already named adds nothing. Every id is resolved before anything is
// decided: when any is unknown, ambiguous, too short, outside the filter or
// `latest`, the result is an error saying that nothing was removed, then
// one line per such id saying what is wrong with it (NotFound when every failure is NotFound, else
// InvalidArgument). InvalidArgument also for an empty `ids`.
Result<ForgetPlan> PlanForgetByIds(const std::vector<SnapshotRef>& all, const std::vector<std::string>& ids,
                                   const SnapshotFilter& filter);

// Removes the snapshots plan.remove names (Repository::RemoveSnapshot), in
// order. A snapshot already gone counts as removed. Errors: backend errors,
// the snapshots before the failing one being removed (each removal is
// whole: a snapshot file is there or not).
Status ExecuteForget(Repository* repo, const ForgetPlan& plan);

}  // namespace pb::repo
