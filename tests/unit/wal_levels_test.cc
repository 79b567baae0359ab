// The shipped journal's levels, in process (repo/wal.h, repo/wal_cover.h,
// repo/wal_compact.h; docs/repository-format.md "Levels and compaction"):
// merged names and their header, the cover every reader shares, and a plan
// made from names alone (ctest -R service.Wal).
#include <gtest/gtest.h>

#include <set>

#include "repo/wal.h"
#include "repo/wal_compact.h"
#include "repo/wal_cover.h"
#include "repo_test_util.h"
#include "support/temp_dir.h"
#include "test_util.h"

namespace pb::testing {
namespace {

repo::WalName Named(uint64_t first, uint64_t last, int level) {
  const std::string stream(16, 'a');
  auto n = repo::ParseWalName(level == 0 ? repo::WalObjectName(stream, first, last)
                                         : repo::MergedWalObjectName(stream, first, last, level, kWalDay));
  EXPECT_TRUE(n.ok());
  return *n;
}

TEST(WalNamesTest, MergedNamesCarryLevelAndLastTsAndMustMatchTheirHeader) {
  const std::string stream = repo::WalStream("h", "/d");
  const std::string merged = repo::MergedWalObjectName(stream, 1, 10, 2, kWalDay + 9 * kWalSecond);
  EXPECT_TRUE(repo::ValidatePath(repo::PathOf(repo::kWalFolder, merged)).ok()) << merged;
  auto parsed = repo::ParseWalName(merged);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->level, 2);
  EXPECT_EQ(parsed->last_ts_ms, kWalDay + 9 * kWalSecond);
  EXPECT_EQ(parsed->records(), 10u);
  EXPECT_EQ(repo::ParseWalName(repo::WalObjectName(stream, 1, 10))->level, 0);
  const std::string base = repo::WalObjectName(stream, 1, 10);
  for (const char* bad : {"_L0_1", "_L5_1", "_L1_", "_L1_01", "_L1_x", "_1_5", "_L1_1234567890123456"}) {
    EXPECT_FALSE(repo::ParseWalName(base + bad).ok()) << bad;
  }

  ChainBuilder chain;
  repo::WalObject obj;
  obj.host = "h";
  obj.data_dir = "/d";
  obj.segment = "00000000000000000001.journal";
  obj.first_seq = obj.last_seq = 1;
  obj.records = chain.Add(RegisterRecord("orch-1"));
  obj.first_ts_ms = obj.last_ts_ms = 1795000000001;
  obj.level = 3;
  const repo::MasterKey key = repo::MasterKey::Generate();
  const std::string stored = repo::EncodeWalObject(key, obj);
  auto decode = [&](const std::string& name) {
    return repo::DecodeWalObject(key, stored, name, "x", replicate::CheckShippedRecords);
  };
  auto back = decode(repo::WalObjectNameOf(obj));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->level, 3);
  EXPECT_FALSE(decode(repo::WalObjectName(repo::WalStream("h", "/d"), 1, 1)).ok()) << "level 0 name";
  EXPECT_FALSE(decode(repo::MergedWalObjectName(repo::WalStream("h", "/d"), 1, 1, 2, obj.last_ts_ms)).ok());
  EXPECT_FALSE(decode(repo::MergedWalObjectName(repo::WalStream("h", "/d"), 1, 1, 3, obj.last_ts_ms + 1)).ok());
}

TEST(WalCoverTest, TheMergedObjectIsReadAndWhatItHoldsIsRedundantAnythingElseOverlaps) {
  const std::vector<repo::WalName> names = {Named(1, 5, 0), Named(1, 10, 1), Named(3, 7, 0), Named(6, 10, 0),
                                            Named(11, 12, 0), Named(12, 20, 0)};
  repo::WalCover cover = repo::CoverOf(names);
  ASSERT_EQ(cover.objects.size(), 3u);
  EXPECT_EQ(cover.objects[0].name, names[1].name);
  EXPECT_EQ(cover.objects[1].name, names[4].name);
  EXPECT_EQ(cover.objects[2].name, names[5].name) << "reaches furthest from 13";
  std::set<std::string> redundant;
  for (const auto& [o, holder] : cover.redundant) {
    EXPECT_EQ(holder.name, names[1].name);
    redundant.insert(o.name);
  }
  EXPECT_EQ(redundant, (std::set<std::string>{names[0].name, names[2].name, names[3].name}));
  EXPECT_TRUE(cover.overlapping.empty());

  // Without the merged object, 3-7 is held by no single object of a higher level.
  cover = repo::CoverOf({names[0], names[2], names[3]});
  ASSERT_EQ(cover.overlapping.size(), 1u);
  EXPECT_EQ(cover.overlapping[0].name, names[2].name);

  // From seq 8: the object holding 8 that reaches furthest, even if it began before.
  cover = repo::CoverOf(names, 8);
  ASSERT_FALSE(cover.objects.empty());
  EXPECT_EQ(cover.objects[0].name, names[1].name);
  // A gap: nothing holds 21-29.
  cover = repo::CoverOf({Named(1, 20, 0), Named(30, 31, 0)}, 21);
  ASSERT_EQ(cover.objects.size(), 1u);
  EXPECT_EQ(cover.objects[0].first_seq, 30u);
}

TEST(WalCompactPlanTest, ARunIsCutIntoMergesOfAtMost131072Records) {
  TempDir dir;
  InitRepo(dir.Sub("repo"));
  auto repo = OpenRepo(dir.Sub("repo"), kRepoPassword, false);
  ASSERT_TRUE(repo.ok());
  const std::string stream = repo::WalStream("h", "/d");
  // Merged objects plan from their names alone: their content is never read here.
  uint64_t first = 1;
  for (int64_t ts : {kWalDay + 60 * kWalSecond, kWalDay + 120 * kWalSecond, kWalDay + 180 * kWalSecond, kWalDay + 301 * kWalSecond}) {
    const uint64_t last = first + 59999;
    std::string name = repo::MergedWalObjectName(stream, first, last, 1, ts);
    ASSERT_TRUE((*repo)->backend().Write(repo::PathOf(repo::kWalFolder, name), "not read").ok());
    first = last + 1;
  }
  auto plan = repo::PlanWalCompaction(repo->get(), stream, replicate::CheckShippedRecords);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->merges.size(), 1u) << "120,000 records, then 60,000 alone";
  EXPECT_EQ(plan->merges[0].level, 2);
  EXPECT_EQ(plan->merges[0].inputs.size(), 2u);
  EXPECT_EQ(plan->merges[0].inputs.back().last_seq, 120000u);
}

}  // namespace
}  // namespace pb::testing
