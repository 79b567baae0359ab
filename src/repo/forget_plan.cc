#include "repo/forget_plan.h"

#include <algorithm>
#include <map>

namespace pb::repo {
namespace {

// plan.remove: the ids decided `remove`, in the order of plan.groups.
void CollectRemoved(ForgetPlan* plan) {
  for (const GroupRetention& g : plan->groups) {
    for (const RetentionDecision& d : g.decisions) {
      if (!d.keep) plan->remove.push_back(d.id);
    }
  }
}

}  // namespace

Result<ForgetPlan> PlanForgetByPolicy(const std::vector<SnapshotRef>& all, const SnapshotFilter& filter,
                                      const RetentionPolicy& policy) {
  std::map<SnapshotGroup, std::vector<RetentionSnapshot>> groups;
  for (const SnapshotRef& s : FilterSnapshots(all, filter)) {
    groups[GroupOf(s.snapshot)].push_back({s.id, s.snapshot.time_ms, s.snapshot.tags});
  }
  ForgetPlan plan;
  plan.policy = DescribePolicy(policy);
  for (const auto& [group, snapshots] : groups) {
    auto decisions = DecideRetention(snapshots, policy);
    if (!decisions.ok()) return decisions.status();
    const SnapshotRef* longest = LongestLedgerOfGroup(all, group);
    for (RetentionDecision& d : *decisions) {
      if (d.id != longest->id || !HoldsJournal(longest->snapshot)) continue;
      d.keep = true;
      d.reasons.emplace_back(kLongestLedgerReason);
    }
    plan.groups.push_back(GroupRetention{group, std::move(decisions).value()});
  }
  CollectRemoved(&plan);
  return plan;
}

Result<ForgetPlan> PlanForgetByIds(const std::vector<SnapshotRef>& all, const std::vector<std::string>& ids,
                                   const SnapshotFilter& filter) {
  if (ids.empty()) return Status::InvalidArgument("give the ids of the snapshots to forget, or --keep-* options");
  std::map<SnapshotGroup, std::vector<RetentionDecision>> named;
  std::vector<std::string> failures;
  bool all_not_found = true;
  for (const std::string& id : ids) {
    auto found = id == "latest" ? Result<SelectedSnapshot>(Status::InvalidArgument(
                                      "forget removes snapshots named by id, not `latest`"))
                                : SelectSnapshot(all, id, filter, std::nullopt);
    if (!found.ok()) {
      failures.push_back(found.status().message());
      all_not_found = all_not_found && found.status().kind() == Status::Kind::kNotFound;
      continue;
    }
    const SnapshotRef& s = found->snapshot;
    std::vector<RetentionDecision>& decisions = named[GroupOf(s.snapshot)];
    if (std::none_of(decisions.begin(), decisions.end(), [&](const RetentionDecision& d) { return d.id == s.id; })) {
      decisions.push_back({s.id, s.snapshot.time_ms, false, {}});
    }
  }
  if (!failures.empty()) {
    std::string message = "nothing was removed: " + std::to_string(failures.size()) + " of the " +
                          std::to_string(ids.size()) + " ids name no single snapshot:";
    for (const std::string& failure : failures) message += "\n  " + failure;
    return all_not_found ? Status::NotFound(message) : Status::InvalidArgument(message);
  }
  ForgetPlan plan;
  plan.policy = "named by id";
  for (auto& [group, decisions] : named) {
    // Newest first, equal times by id, as DecideRetention ranks.
    std::sort(decisions.begin(), decisions.end(), [](const RetentionDecision& a, const RetentionDecision& b) {
      return a.time_ms != b.time_ms ? a.time_ms > b.time_ms : a.id < b.id;
    });
    plan.groups.push_back(GroupRetention{group, std::move(decisions)});
  }
  CollectRemoved(&plan);
  return plan;
}

Status ExecuteForget(Repository* repo, const ForgetPlan& plan) {
  for (const std::string& id : plan.remove) PB_RETURN_IF_ERROR(repo->RemoveSnapshot(id));
  return Status::Ok();
}

}  // namespace pb::repo
