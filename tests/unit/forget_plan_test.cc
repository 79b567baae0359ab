// Issue 17: forget's plan is a value (repo/forget_plan.h) and --keep-within
// is restic's (repo/retention.h): snapshots strictly newer than the newest
// snapshot of the group minus the duration are kept, whatever the clock;
// snapshots named by id are resolved all before anything is decided, and
// one unknown or ambiguous id makes the whole plan an error naming each bad
// id (pure, no I/O).
#include "repo/forget_plan.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/time_util.h"
#include "repo/retention.h"

namespace pb::repo {
namespace {

using Kind = Status::Kind;
using Ids = std::vector<std::string>;

int64_t At(const char* iso) {
  Result<int64_t> t = ParseIso8601(iso);
  EXPECT_TRUE(t.ok()) << iso << ": " << t.status().ToString();
  return t.ok() ? t.value() : 0;
}

// A snapshot whose id is `id` padded with '0' to 64 hex digits.
SnapshotRef PlanSnap(const std::string& id, const char* iso, const std::string& dir = "/d1", uint64_t seq = 0) {
  SnapshotRef r;
  r.id = id + std::string(64 - id.size(), '0');
  r.snapshot.time_ms = At(iso);
  r.snapshot.host = "h";
  r.snapshot.data_dir = dir;
  if (seq > 0) r.snapshot.ledger = SnapshotLedger{seq, seq, std::nullopt, std::nullopt};
  return r;
}

// The first 4 characters of the ids `plan` keeps (keep) or removes (!keep), in plan order.
Ids Decided(const ForgetPlan& plan, bool keep) {
  Ids out;
  for (const GroupRetention& g : plan.groups) {
    for (const RetentionDecision& d : g.decisions) {
      if (d.keep == keep) out.push_back(d.id.substr(0, 4));
    }
  }
  return out;
}

Ids Short(const Ids& ids) {
  Ids out;
  for (const std::string& id : ids) out.push_back(id.substr(0, 4));
  return out;
}

TEST(KeepWithin, ReadsDaysAndHours) {
  EXPECT_EQ(ParseKeepWithin("7d").value(), 168u);
  EXPECT_EQ(ParseKeepWithin("36h").value(), 36u);
  EXPECT_EQ(ParseKeepWithin("2d12h").value(), 60u);
  EXPECT_EQ(ParseKeepWithin("007d").value(), 168u);
  EXPECT_EQ(FormatKeepWithin(168), "7d");
  EXPECT_EQ(FormatKeepWithin(36), "36h");
}

TEST(KeepWithin, RefusesEverythingElseNamingTheAcceptedForms) {
  for (const char* bad : {"", "7", "d", "0d", "0h", "0d0h", "5m", "1y", "1w", "30s", "-7d", "+7d", "7d2", "12h3d",
                          "7D", " 7d", "7d ", "7 d", "1d1d", "999999999999d", "878401h"}) {
    auto r = ParseKeepWithin(bad);
    ASSERT_FALSE(r.ok()) << "\"" << bad << "\" was read as " << r.value() << " hours";
    EXPECT_EQ(r.status().kind(), Kind::kInvalidArgument);
    EXPECT_NE(r.status().message().find("e.g. 7d, 36h or 2d12h"), std::string::npos) << r.status().message();
  }
  EXPECT_TRUE(ParseKeepWithin("878400h").ok());  // 100 years of 366 days
}

TEST(KeepWithin, KeepsWhatIsStrictlyNewerThanTheNewestMinusTheDuration) {
  const std::vector<RetentionSnapshot> snapshots = {
      {"new", At("2026-03-10T12:00:00Z"), {}},      {"day", At("2026-03-09T12:00:00Z"), {}},
      {"edge", At("2026-03-03T12:00:00.001Z"), {}}, {"exact", At("2026-03-03T12:00:00Z"), {}},
      {"old", At("2026-02-01T00:00:00Z"), {}},
  };
  auto decisions = DecideRetention(snapshots, {.keep_within_hours = 168});
  ASSERT_TRUE(decisions.ok()) << decisions.status().ToString();
  Ids kept, removed;
  for (const RetentionDecision& d : *decisions) {
    (d.keep ? kept : removed).push_back(d.id);
    if (d.keep) {
      EXPECT_EQ(d.reasons, Ids{"within 7d"}) << d.id;
    }
  }
  EXPECT_EQ(kept, (Ids{"new", "day", "edge"}));
  EXPECT_EQ(removed, (Ids{"exact", "old"}));  // exactly 7 days older than the newest: not within
}

TEST(KeepWithin, CountsFromTheNewestSnapshotNotFromTheClock) {
  // Backups that stopped in 2001 keep their last day of history.
  const std::vector<RetentionSnapshot> snapshots = {
      {"a", At("2001-05-01T10:00:00Z"), {}}, {"b", At("2001-04-30T11:00:00Z"), {}}, {"c", At("2001-04-29T10:00:00Z"), {}}};
  auto decisions = DecideRetention(snapshots, {.keep_within_hours = 24});
  ASSERT_TRUE(decisions.ok()) << decisions.status().ToString();
  EXPECT_TRUE((*decisions)[0].keep);
  EXPECT_TRUE((*decisions)[1].keep);
  EXPECT_FALSE((*decisions)[2].keep);
}

TEST(KeepWithin, IsAPolicyOfItsOwnAndItsReasonFollowsLast) {
  EXPECT_TRUE(ValidateRetentionPolicy({.keep_within_hours = 1}).ok());
  EXPECT_EQ(DescribePolicy({.keep_last = 3, .keep_within_hours = 36, .keep_daily = 7}),
            "keep last 3, within 36h, daily 7");
  auto decisions = DecideRetention({{"a", At("2026-03-10T12:00:00Z"), {}}},
                                   {.keep_last = 1, .keep_within_hours = 48, .keep_daily = 1});
  ASSERT_TRUE(decisions.ok()) << decisions.status().ToString();
  EXPECT_EQ((*decisions)[0].reasons, (Ids{"last", "within 2d", "daily 2026-03-10"}));
}

TEST(ForgetPlanByPolicy, DecidesPerGroupAndKeepsEachGroupsLongestLedger) {
  std::vector<SnapshotRef> all = {PlanSnap("aaaa", "2026-03-01T00:00:00Z", "/d1", 500),
                                  PlanSnap("bbbb", "2026-03-02T00:00:00Z", "/d1", 20),
                                  PlanSnap("cccc", "2026-03-03T00:00:00Z", "/d2"), PlanSnap("dddd", "2026-02-01T00:00:00Z", "/d2")};
  auto plan = PlanForgetByPolicy(all, {}, {.keep_last = 1});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->groups.size(), 2u);
  EXPECT_EQ(plan->groups[0].group.data_dir, "/d1");
  EXPECT_EQ(plan->groups[0].decisions[1].reasons, Ids{std::string(kLongestLedgerReason)});
  // d2 holds no journal: the policy alone decides.
  EXPECT_EQ(Decided(*plan, true), (Ids{"bbbb", "aaaa", "cccc"}));
  EXPECT_EQ(Short(plan->remove), Ids{"dddd"});
  EXPECT_EQ(plan->policy, "keep last 1");
}

TEST(ForgetPlanByPolicy, KeepWithinCountsFromEachGroupsOwnNewestSnapshot) {
  // d1's backups stopped ten days before d2's newest.
  std::vector<SnapshotRef> all = {
      PlanSnap("a1a1", "2026-03-01T00:00:00Z", "/d1"), PlanSnap("a2a2", "2026-02-27T00:00:00Z", "/d1"),
      PlanSnap("a3a3", "2026-02-20T00:00:00Z", "/d1"), PlanSnap("b1b1", "2026-03-11T00:00:00Z", "/d2"),
      PlanSnap("b2b2", "2026-03-01T00:00:00Z", "/d2")};
  auto plan = PlanForgetByPolicy(all, {}, {.keep_within_hours = 7 * 24});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(Decided(*plan, true), (Ids{"a1a1", "a2a2", "b1b1"}));
  EXPECT_EQ(Short(plan->remove), (Ids{"a3a3", "b2b2"}));
}

std::vector<SnapshotRef> Named() {
  return {PlanSnap("aaaa1", "2026-03-01T00:00:00Z"), PlanSnap("aaaa2", "2026-03-02T00:00:00Z"),
          PlanSnap("bbbb1", "2026-03-03T00:00:00Z"), PlanSnap("cccc1", "2026-03-04T00:00:00Z", "/d2")};
}

TEST(ForgetPlanByIds, UniquePrefixesNameSnapshotsEachRemovedOnceNewestFirst) {
  auto plan = PlanForgetByIds(Named(), {"aaaa1", "bbbb", "cccc1", Named()[0].id, "aaaa10"}, {});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->policy, "named by id");
  ASSERT_EQ(plan->groups.size(), 2u);
  EXPECT_EQ(Short(plan->remove), (Ids{"bbbb", "aaaa", "cccc"}));
  EXPECT_EQ(plan->remove[1], Named()[0].id);
  EXPECT_TRUE(Decided(*plan, true).empty());
}

TEST(ForgetPlanByIds, AnAmbiguousPrefixIsAnErrorAndNothingIsPlanned) {
  auto plan = PlanForgetByIds(Named(), {"bbbb1", "aaaa"}, {});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().kind(), Kind::kInvalidArgument);
  const std::string& m = plan.status().message();
  EXPECT_EQ(m.rfind("nothing was removed: ", 0), 0u) << m;
  EXPECT_NE(m.find("\"aaaa\" matches several snapshots"), std::string::npos) << m;
}

TEST(ForgetPlanByIds, EveryBadIdIsNamedNotOnlyTheFirst) {
  auto plan = PlanForgetByIds(Named(), {"bbbb1", "ffff", "aaaa", "ab", "latest"}, {});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().kind(), Kind::kInvalidArgument);
  const std::string& m = plan.status().message();
  EXPECT_EQ(m.rfind("nothing was removed: 4 of the 5 ids name no single snapshot:\n  ", 0), 0u) << m;
  for (const char* named : {"\"ffff\"", "\"aaaa\"", "\"ab\"", "`latest`"}) {
    EXPECT_NE(m.find(named), std::string::npos) << named << " in: " << m;
  }
  EXPECT_EQ(m.find("bbbb1"), std::string::npos) << m;
}

TEST(ForgetPlanByIds, UnknownIdsAloneAreNotFoundAndTheFilterLimitsTheChoice) {
  EXPECT_EQ(PlanForgetByIds(Named(), {"ffff", "eeee"}, {}).status().kind(), Kind::kNotFound);
  auto outside = PlanForgetByIds(Named(), {"cccc"}, SnapshotFilter{"", "/d1", {}});
  ASSERT_FALSE(outside.ok());
  EXPECT_NE(outside.status().message().find("does not match --path /d1"), std::string::npos)
      << outside.status().message();
  EXPECT_EQ(PlanForgetByIds(Named(), {}, {}).status().kind(), Kind::kInvalidArgument);
}

}  // namespace
}  // namespace pb::repo
