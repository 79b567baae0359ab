// repo::SelectSnapshot: which snapshot `latest` and an id mean, in groups of
// host + data directory (pure, no I/O); forget's plan per group is
// forget_plan_test.cc's.
#include "repo/snapshot_select.h"

#include <gtest/gtest.h>

namespace pb::repo {
namespace {

using Kind = Status::Kind;

SnapshotRef SelectSnap(const std::string& id, int64_t time_ms, const std::string& host, const std::string& dir,
                 uint64_t seq, std::vector<std::string> tags = {}) {
  SnapshotRef r;
  r.id = id + std::string(64 - id.size(), '0');
  r.snapshot.time_ms = time_ms;
  r.snapshot.host = host;
  r.snapshot.data_dir = dir;
  r.snapshot.tags = std::move(tags);
  if (seq > 0) r.snapshot.ledger = SnapshotLedger{seq, seq, std::nullopt, std::nullopt};
  return r;
}

// d1 on h: two snapshots; d2 on h: the newest of the repository, empty.
std::vector<SnapshotRef> TwoGroups() {
  return {SelectSnap("aaaa", 1000, "h", "/d1", 100), SelectSnap("bbbb", 2000, "h", "/d1", 150, {"nightly"}),
          SelectSnap("cccc", 3000, "h", "/d2", 0)};
}

std::string Latest(const std::vector<SnapshotRef>& all, const SnapshotFilter& filter,
                   std::optional<SnapshotGroup> target) {
  auto s = SelectSnapshot(all, "latest", filter, target);
  return s.ok() ? s->snapshot.id.substr(0, 4) : s.status().message();
}

TEST(SnapshotSelect, LatestIsTheNewestOfTheTargetsGroupNotOfTheRepository) {
  EXPECT_EQ(Latest(TwoGroups(), {}, SnapshotGroup{"h", "/d1"}), "bbbb");
  // A target whose group holds no journal record while another does (a
  // fresh service that replicated before the restore): the operator picks.
  EXPECT_NE(Latest(TwoGroups(), {}, SnapshotGroup{"h", "/d2"}).find("which holds no journal record"),
            std::string::npos);
  EXPECT_EQ(Latest(TwoGroups(), SnapshotFilter{"h", "/d2", {}}, SnapshotGroup{"h", "/d2"}), "cccc");
  auto chosen = SelectSnapshot(TwoGroups(), "latest", {}, SnapshotGroup{"h", "/d1"});
  ASSERT_TRUE(chosen.ok());
  EXPECT_NE(chosen->note.find("the repository also holds 1 other data directory"), std::string::npos) << chosen->note;
}

TEST(SnapshotSelect, SeveralGroupsWithoutTheTargetsAreRefusedListingThemAndAFilterPicksOne) {
  auto refused = SelectSnapshot(TwoGroups(), "latest", {}, SnapshotGroup{"h", "/new"});
  ASSERT_EQ(refused.status().kind(), Kind::kInvalidArgument);
  const std::string& m = refused.status().message();
  EXPECT_NE(m.find("host h, path /d1: 2 snapshot(s), newest bbbb"), std::string::npos) << m;
  EXPECT_NE(m.find("ledger seq up to 150"), std::string::npos) << m;
  EXPECT_NE(m.find("host h, path /d2: 1 snapshot(s)"), std::string::npos) << m;
  EXPECT_EQ(Latest(TwoGroups(), SnapshotFilter{"", "/d2", {}}, SnapshotGroup{"h", "/new"}), "cccc");
  EXPECT_EQ(Latest(TwoGroups(), SnapshotFilter{"", "", {"nightly"}}, std::nullopt), "bbbb");
  EXPECT_EQ(SelectSnapshot(TwoGroups(), "latest", SnapshotFilter{"other", "", {}}, std::nullopt).status().kind(),
            Kind::kNotFound);
}

TEST(SnapshotSelect, TheOnlyGroupIsLatestWhateverTheTarget) {
  std::vector<SnapshotRef> one = {SelectSnap("aaaa", 1000, "old-host", "/d1", 100), SelectSnap("bbbb", 2000, "old-host", "/d1", 120)};
  EXPECT_EQ(Latest(one, {}, SnapshotGroup{"new-host", "/elsewhere"}), "bbbb");
  EXPECT_EQ(SelectSnapshot(one, "latest", {}, std::nullopt)->note, "");
  // Equal times: the larger id is the newer.
  one.push_back(SelectSnap("cccc", 2000, "old-host", "/d1", 120));
  EXPECT_EQ(Latest(one, {}, std::nullopt), "cccc");
}

TEST(SnapshotSelect, LatestIsRefusedWhenANewerSnapshotHoldsAShorterLedgerThanAnOlderOne) {
  std::vector<SnapshotRef> all = {SelectSnap("aaaa", 1000, "h", "/d1", 500), SelectSnap("bbbb", 2000, "h", "/d1", 20)};
  auto refused = SelectSnapshot(all, "latest", {}, std::nullopt);
  ASSERT_EQ(refused.status().kind(), Kind::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("aaaa0000 for the longest ledger"), std::string::npos)
      << refused.status().message();
  auto by_id = SelectSnapshot(all, "bbbb", {}, std::nullopt);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->snapshot.id.substr(0, 4), "bbbb");
}

TEST(SnapshotSelect, AnIdOutsideTheFilterIsNamedAsSuch) {
  auto r = SelectSnapshot(TwoGroups(), "cccc", SnapshotFilter{"", "/d1", {}}, std::nullopt);
  ASSERT_EQ(r.status().kind(), Kind::kNotFound);
  EXPECT_NE(r.status().message().find("does not match --path /d1"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace pb::repo
