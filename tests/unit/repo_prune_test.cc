// Prune (repo/prune.h) after forget (its plan alone: prune_plan_test.cc):
// packs no snapshot needs are removed, packs partly needed are
// rewritten with only their needed blobs, packs no index lists (left by an
// interrupted backup) are removed, and the remaining snapshots still restore
// byte-identically from a repository that checks clean.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "repo_prune_fixture.h"

namespace pb::testing {
namespace {

namespace fs = std::filesystem;
using repo::PathOf;

TEST_F(PruneTest, NothingForgottenNothingPruned) {
  auto report = RunPrune(/*dry_run=*/false);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->packs_removed(), 0u);
  EXPECT_EQ(report->rewrite.size(), 0u);
  EXPECT_EQ(report->keep.size(), 4u);
  EXPECT_EQ(List(repo_, "data"), std::set<std::string>(packs_.begin(), packs_.end()));
  for (size_t i = 0; i < 4; ++i) ExpectRestores(i);
}

TEST_F(PruneTest, RemovesUnusedRewritesPartlyUsedAndKeepsTheRest) {
  Forget(0);
  Forget(1);
  std::string orphan = WriteOrphanPack();
  std::set<std::string> old_index = List(repo_, "index");

  auto report = RunPrune(/*dry_run=*/false);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->packs_removed(), 2u);
  EXPECT_EQ(report->rewrite.size(), 1u);
  EXPECT_EQ(report->keep.size(), 2u);
  EXPECT_EQ(report->blobs_removed, 5u);
  EXPECT_GT(report->bytes_copied, 300u << 10);  // a.bin's blob
  EXPECT_LT(report->bytes_copied, 310u << 10);

  // P1, P2 and the orphan are gone; P3, P4 and one new pack remain.
  std::set<std::string> packs = List(repo_, "data");
  EXPECT_FALSE(packs.count(packs_[0]));
  EXPECT_FALSE(packs.count(packs_[1]));
  EXPECT_FALSE(packs.count(orphan));
  EXPECT_TRUE(packs.count(packs_[2]));
  EXPECT_TRUE(packs.count(packs_[3]));
  ASSERT_EQ(packs.size(), 3u);
  // The old index files were replaced.
  for (const std::string& name : List(repo_, "index")) EXPECT_FALSE(old_index.count(name)) << name;
  EXPECT_TRUE(Entries(repo_ + "/locks").empty());

  // The new pack holds exactly a.bin's blob, and the index knows exactly
  // the blobs S3 and S4 need.
  auto repo = OpenRepo(repo_);
  ASSERT_TRUE(repo.ok());
  EXPECT_EQ((*repo)->index().pack_count(), 3u);
  size_t in_new = 0;
  for (const auto& [id, loc] : (*repo)->index().blobs()) {
    std::string pack = ToHex((*repo)->index().PackName(loc.pack));
    if (pack != packs_[2] && pack != packs_[3]) {
      ++in_new;
      EXPECT_EQ(loc.plain_length, 300u << 10);
      auto blob = (*repo)->ReadBlob(id);
      ASSERT_TRUE(blob.ok()) << blob.status().ToString();
      EXPECT_EQ(*blob, RandomBytes(300 << 10, 11));
    }
  }
  EXPECT_EQ(in_new, 1u);
  EXPECT_EQ((*repo)->index().blob_count(), 6u);  // a; c', y, tree 3; z, tree 4

  auto check = Check(repo_);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_TRUE(check->ok()) << Lines(check->problems);
  EXPECT_TRUE(check->notes.empty()) << Lines(check->notes);
  EXPECT_EQ(check->snapshots, 2u);
  EXPECT_EQ(check->packs, 3u);
  ExpectRestores(2);
  ExpectRestores(3);

  // A second prune has nothing left to do.
  auto again = RunPrune(/*dry_run=*/false);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->packs_removed(), 0u);
  EXPECT_EQ(again->rewrite.size(), 0u);
  EXPECT_EQ(again->keep.size(), 3u);
}

TEST_F(PruneTest, ABackupAfterPruneReusesTheRewrittenBlobs) {
  Forget(0);
  Forget(1);
  ASSERT_TRUE(RunPrune(false).ok());
  std::set<std::string> before = List(repo_, "data");
  WriteBytes(data_ + "/z.txt", "z2\n");
  snaps_.push_back(Backup(repo_, data_));
  pictures_.push_back(Picture(data_));
  std::set<std::string> after = List(repo_, "data");
  EXPECT_EQ(after.size(), before.size() + 1);  // only z2 and the new trees
  ExpectRestores(4);
}

TEST_F(PruneTest, OnlyOrphansAreRemovedWhenEverySnapshotIsKept) {
  std::string orphan = WriteOrphanPack();
  auto check = Check(repo_);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok()) << Lines(check->problems);
  EXPECT_TRUE(AnyContains(check->notes, PathOf("data", orphan))) << Lines(check->notes);
  auto report = RunPrune(false);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->packs_removed(), 1u);
  EXPECT_EQ(report->rewrite.size(), 0u);
  EXPECT_EQ(List(repo_, "data"), std::set<std::string>(packs_.begin(), packs_.end()));
  check = Check(repo_);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->notes.empty()) << Lines(check->notes);
}

TEST_F(PruneTest, ADamagedSnapshotStopsPruneBeforeAnyDeletion) {
  Forget(0);
  std::string tree_pack = repo_ + "/" + PathOf("data", packs_[3]);
  // Damage S4's pack where its root tree is (the end of its blobs): prune
  // must not decide what is unused from a tree it cannot read.
  auto repo = OpenRepo(repo_);
  ASSERT_TRUE(repo.ok());
  auto all = (*repo)->ListSnapshots();
  ASSERT_TRUE(all.ok());
  auto s4 = repo::FindSnapshot(*all, snaps_[3]);
  ASSERT_TRUE(s4.ok());
  const repo::BlobLocation* root = (*repo)->index().Find(s4->snapshot.tree);
  ASSERT_NE(root, nullptr);
  std::string bytes = ReadBytes(tree_pack);
  bytes[root->offset + 30] ^= 1;
  WriteBytes(tree_pack, bytes);
  auto before = RepoFiles(repo_);
  auto report = RunPrune(false);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().kind(), Status::Kind::kCorruption) << report.status().ToString();
  EXPECT_NE(report.status().message().find("without deleting anything"), std::string::npos);
  EXPECT_EQ(RepoFiles(repo_), before);
}

}  // namespace
}  // namespace pb::testing
