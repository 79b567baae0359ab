// Issue 17: prune's plan is a value (repo/prune.h): PlanPrune names each
// pack it will remove, rewrite or keep, the blobs and bytes, and changes
// nothing; planned with the snapshots forget is about to remove, it is the
// plan the real run carries out; ExecutePrune does exactly what the plan
// says and refuses a plan whose forgotten snapshots are still there.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "repo_prune_fixture.h"

namespace pb::testing {
namespace {

std::set<std::string> Names(const std::vector<repo::IndexedPack>& packs) {
  std::set<std::string> out;
  for (const repo::IndexedPack& p : packs) out.insert(ToHex(p.pack));
  return out;
}

std::set<std::string> Names(const std::vector<repo::PackRewrite>& packs) {
  std::set<std::string> out;
  for (const repo::PackRewrite& p : packs) out.insert(ToHex(p.pack));
  return out;
}

class PrunePlanTest : public PruneTest {};

TEST_F(PrunePlanTest, ThePlanNamesEachPackItsBlobsAndBytesAndChangesNothing) {
  Forget(0);
  Forget(1);
  std::string orphan = WriteOrphanPack();
  auto before = RepoFiles(repo_);

  auto plan = RunPrune(/*dry_run=*/true);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(RepoFiles(repo_), before);
  EXPECT_EQ(Names(plan->remove), std::set<std::string>{packs_[1]});  // P2: x, tree 2
  EXPECT_EQ(plan->orphans, std::vector<std::string>{orphan});
  EXPECT_EQ(Names(plan->keep), (std::set<std::string>{packs_[2], packs_[3]}));
  ASSERT_EQ(plan->rewrite.size(), 1u);  // P1: only a.bin's blob is still used
  const repo::PackRewrite& p1 = plan->rewrite[0];
  EXPECT_EQ(ToHex(p1.pack), packs_[0]);
  EXPECT_EQ(p1.blobs, 4u);  // a, b, c, tree 1
  ASSERT_EQ(p1.keep.size(), 1u);
  EXPECT_EQ(p1.keep[0].plain_length, 300u << 10);
  EXPECT_EQ(plan->bytes_copied, p1.keep[0].length);
  EXPECT_EQ(plan->blobs_removed, 5u);  // b, c, tree 1 of P1; x, tree 2 of P2
  uint64_t p2_bytes = 0;
  for (const repo::PackEntry& e : plan->remove[0].blobs) p2_bytes += e.length;
  EXPECT_EQ(plan->bytes_freed, p2_bytes + p1.bytes - p1.keep[0].length);
  EXPECT_EQ(plan->packs_removed(), 2u);
  EXPECT_TRUE(plan->wal.empty());
  EXPECT_EQ(plan->index_files.size(), List(repo_, "index").size());
}

TEST_F(PrunePlanTest, PlannedWithTheSnapshotsForgetWillRemoveItIsThePlanOfTheRealRun) {
  auto before = RepoFiles(repo_);
  auto ahead = RunPrune(/*dry_run=*/true, /*forgotten=*/{0, 1});
  ASSERT_TRUE(ahead.ok()) << ahead.status().ToString();
  EXPECT_EQ(RepoFiles(repo_), before);  // S1 and S2 are still there

  Forget(0);
  Forget(1);
  auto after = RunPrune(/*dry_run=*/true);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(Names(ahead->remove), Names(after->remove));
  EXPECT_EQ(Names(ahead->rewrite), Names(after->rewrite));
  EXPECT_EQ(Names(ahead->keep), Names(after->keep));
  EXPECT_EQ(ahead->blobs_removed, after->blobs_removed);
  EXPECT_EQ(ahead->bytes_freed, after->bytes_freed);
  EXPECT_EQ(ahead->bytes_copied, after->bytes_copied);
  EXPECT_EQ(ahead->remove.size(), 1u);
  EXPECT_EQ(ahead->rewrite.size(), 1u);
}

TEST_F(PrunePlanTest, ExecuteRefusesWhileASnapshotThePlanLeftOutIsStillThere) {
  auto repo = OpenRepo(repo_);
  ASSERT_TRUE(repo.ok()) << repo.status().ToString();
  auto lock = repo::RepoLock::Acquire(repo->get(), repo::LockMode::kExclusive, "prune");
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  auto plan = repo::PlanPrune(repo->get(), {snaps_[0], snaps_[1]});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_FALSE(plan->empty());
  auto before = RepoFiles(repo_);
  Status st = repo::ExecutePrune(repo->get(), *plan);
  EXPECT_EQ(st.kind(), Status::Kind::kInvalidArgument) << st.ToString();
  EXPECT_NE(st.message().find(snaps_[0].substr(0, 8)), std::string::npos) << st.message();
  EXPECT_EQ(RepoFiles(repo_), before);
}

TEST_F(PrunePlanTest, ExecuteLeavesExactlyThePacksThePlanKeepsPlusTheCopies) {
  Forget(0);
  Forget(1);
  std::string orphan = WriteOrphanPack();
  auto plan = RunPrune(/*dry_run=*/false);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::set<std::string> left = List(repo_, "data");
  for (const std::string& kept : Names(plan->keep)) EXPECT_EQ(left.erase(kept), 1u) << kept;
  EXPECT_EQ(left.size(), 1u);  // the copy of a.bin's blob, in a new pack
  EXPECT_FALSE(left.count(packs_[0]) || left.count(packs_[1]) || left.count(orphan));
  auto check = Check(repo_);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_TRUE(check->ok()) << Lines(check->problems);
}

TEST_F(PrunePlanTest, AnEmptyPlanChangesNoFileNotEvenTheIndex) {
  auto before = RepoFiles(repo_);
  auto plan = RunPrune(/*dry_run=*/false);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->empty());
  EXPECT_EQ(plan->keep.size(), 4u);
  EXPECT_EQ(RepoFiles(repo_), before);
}

}  // namespace
}  // namespace pb::testing
