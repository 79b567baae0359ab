// The fixture of the prune tests (repo_prune_test.cc, prune_plan_test.cc):
// four backups of a changing directory into a local repository, each
// writing one pack, and prune (repo/prune.h) run in-process under the
// exclusive lock.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "repo/crypto.h"
#include "repo/lock.h"
#include "repo/pack.h"
#include "repo/prune.h"
#include "repo/repository.h"
#include "repo_test_util.h"
#include "support/temp_dir.h"

namespace pb::testing {

// Every file of the repository directory (relative path -> SHA-256).
inline std::map<std::string, std::string> RepoFiles(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out[std::filesystem::relative(e.path(), dir).string()] = Sha256Hex(ReadBytes(e.path().string()));
  }
  return out;
}

inline std::set<std::string> List(const std::string& repo_dir, std::string_view folder) {
  auto repo = OpenRepo(repo_dir, kRepoPassword, false);
  EXPECT_TRUE(repo.ok()) << repo.status().ToString();
  auto names = (*repo)->backend().List(folder);
  EXPECT_TRUE(names.ok()) << names.status().ToString();
  return std::set<std::string>(names->begin(), names->end());
}

// The one element of `after` not in `before`.
inline std::string Added(const std::set<std::string>& before, const std::set<std::string>& after) {
  std::vector<std::string> fresh;
  for (const std::string& n : after) {
    if (!before.count(n)) fresh.push_back(n);
  }
  EXPECT_EQ(fresh.size(), 1u);
  return fresh.empty() ? "" : fresh[0];
}

class PruneTest : public ::testing::Test {
 protected:
  // Four backups of a changing directory; every backup writes one pack:
  //   S1 a.bin b.bin c.txt        P1 {a, b, c, tree}
  //   S2 a.bin c.txt x.bin        P2 {x, tree}
  //   S3 a.bin c.txt' y.bin       P3 {c', y, tree}
  //   S4 a.bin c.txt' y.bin z.txt P4 {z, tree}
  // Forgetting S1 and S2 leaves P1 needed only for a (rewritten), P2 not
  // needed at all (removed), P3 and P4 fully needed (kept).
  void SetUp() override {
    repo_ = tmp_.Sub("repo");
    data_ = tmp_.Sub("data");
    InitRepo(repo_);
    WriteBytes(data_ + "/a.bin", RandomBytes(300 << 10, 11));
    WriteBytes(data_ + "/b.bin", RandomBytes(300 << 10, 12));
    WriteBytes(data_ + "/c.txt", "c version 1\n");
    BackupStep();
    std::filesystem::remove(data_ + "/b.bin");
    WriteBytes(data_ + "/x.bin", RandomBytes(200 << 10, 13));
    BackupStep();
    std::filesystem::remove(data_ + "/x.bin");
    WriteBytes(data_ + "/c.txt", "c version 2\n");
    WriteBytes(data_ + "/y.bin", RandomBytes(100 << 10, 14));
    BackupStep();
    WriteBytes(data_ + "/z.txt", "z\n");
    BackupStep();
  }

  void BackupStep() {
    std::set<std::string> before = List(repo_, "data");
    snaps_.push_back(Backup(repo_, data_));
    pictures_.push_back(Picture(data_));
    packs_.push_back(Added(before, List(repo_, "data")));
  }

  void Forget(size_t i) { ASSERT_TRUE(std::filesystem::remove(repo_ + "/" + repo::PathOf("snapshots", snaps_[i]))); }

  // Writes a pack of one blob that no index lists (an interrupted backup).
  std::string WriteOrphanPack() {
    auto repo = OpenRepo(repo_);
    EXPECT_TRUE(repo.ok());
    std::string plain = "orphaned blob";
    repo::PackBuilder builder;
    builder.Add(repo::BlobId((*repo)->key(), plain), repo::BlobType::kData,
                repo::Seal((*repo)->key(), std::string(1, '\0') + plain), static_cast<uint32_t>(plain.size()));
    std::vector<repo::PackEntry> entries;
    std::string pack = builder.Finish((*repo)->key(), &entries);
    std::string name = Sha256Hex(pack);
    EXPECT_TRUE((*repo)->backend().Write(repo::PathOf("data", name), pack).ok());
    return name;
  }

  // PlanPrune as if the snapshots `forgotten` (indexes into snaps_) were
  // removed, under the exclusive lock; then ExecutePrune unless `dry_run`.
  Result<repo::PrunePlan> RunPrune(bool dry_run, const std::vector<size_t>& forgotten = {}) {
    auto repo = OpenRepo(repo_);
    if (!repo.ok()) return repo.status();
    auto lock = repo::RepoLock::Acquire(repo->get(), repo::LockMode::kExclusive, "prune");
    if (!lock.ok()) return lock.status();
    std::vector<std::string> ids;
    for (size_t i : forgotten) ids.push_back(snaps_[i]);
    auto plan = repo::PlanPrune(repo->get(), ids);
    if (!plan.ok() || dry_run) return plan;
    Status st = repo::ExecutePrune(repo->get(), *plan);
    if (!st.ok()) return st;
    return plan;
  }

  void ExpectRestores(size_t i) {
    std::string target = tmp_.Sub("restored-" + std::to_string(i));
    Status st = Restore(repo_, snaps_[i], target);
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(Picture(target), pictures_[i]) << "snapshot " << i + 1;
  }

  TempDir tmp_;
  std::string repo_, data_;
  std::vector<std::string> snaps_, packs_;
  std::vector<std::map<std::string, std::string>> pictures_;
};

}  // namespace pb::testing
