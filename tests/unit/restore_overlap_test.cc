// Restore runs the ledger steps while the files they do not read (the access
// log, docker.db) are still being fetched and written, rather than after
// every file (restore/restorer.h). Shown causally: the repository's backend
// holds back every read of a pack that holds only access-log blobs until
// the ledger steps have listed the shipped journal (wal/), which a restore
// that runs them last never does before those reads, so it fails.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>

#include "repo_test_util.h"
#include "support/temp_dir.h"

namespace pb::testing {
namespace {

using namespace std::chrono_literals;

// A local backend whose reads of `gated` paths wait until "wal" was listed
// (at most 20 s, then Unavailable, and every later gated read too: the gate
// was never opened).
class GatedBackend : public repo::Backend {
 public:
  explicit GatedBackend(std::unique_ptr<repo::Backend> inner) : inner_(std::move(inner)) {}

  void Gate(std::set<std::string> paths) { gated_ = std::move(paths); }
  bool wal_listed() {
    std::lock_guard<std::mutex> lock(mu_);
    return wal_listed_;
  }

  Result<std::vector<std::string>> List(std::string_view folder) override {
    if (folder == "wal") {
      std::lock_guard<std::mutex> lock(mu_);
      wal_listed_ = true;
      cv_.notify_all();
    }
    return inner_->List(folder);
  }
  Result<std::string> Read(std::string_view path) override { return inner_->Read(path); }
  Result<std::string> ReadRange(std::string_view path, uint64_t offset, size_t length) override {
    PB_RETURN_IF_ERROR(Pass(path));
    return inner_->ReadRange(path, offset, length);
  }
  Status ReadRangeInto(std::string_view path, uint64_t offset, size_t length, char* out) override {
    PB_RETURN_IF_ERROR(Pass(path));
    return inner_->ReadRangeInto(path, offset, length, out);
  }
  Result<uint64_t> Size(std::string_view path) override { return inner_->Size(path); }
  Status Write(std::string_view path, std::string_view bytes) override { return inner_->Write(path, bytes); }
  Status Remove(std::string_view path) override { return inner_->Remove(path); }
  Result<size_t> RemoveTemporaryFiles() override { return inner_->RemoveTemporaryFiles(); }
  std::string Describe() const override { return inner_->Describe(); }

 private:
  Status Pass(std::string_view path) {
    if (gated_.count(std::string(path)) == 0) return Status::Ok();
    std::unique_lock<std::mutex> lock(mu_);
    // After one wait in vain the others fail at once.
    if (!gate_failed_ && cv_.wait_for(lock, 20s, [this] { return wal_listed_; })) return Status::Ok();
    gate_failed_ = true;
    return Status::Unavailable("test gate: " + std::string(path) + " was read before the shipped journal was listed");
  }

  std::unique_ptr<repo::Backend> inner_;
  std::set<std::string> gated_;  // set before the restore starts
  std::mutex mu_;
  std::condition_variable cv_;
  bool wal_listed_ = false;  // guarded by mu_
  bool gate_failed_ = false;  // guarded by mu_
};

// The pack paths holding the blobs of the file `name` of `tree`.
std::set<std::string> PacksOf(repo::Repository* repo, const repo::Tree& tree, const std::string& name) {
  std::set<std::string> out;
  for (const repo::Node& node : tree.nodes) {
    if (node.name != name) continue;
    for (const repo::ContentEntry& e : node.content) {
      if (e.hole) continue;
      const repo::BlobLocation* loc = repo->index().Find(e.blob);
      if (loc) out.insert(repo::PathOf("data", ToHex(repo->index().PackName(loc->pack))));
    }
  }
  return out;
}

TEST(RestoreOverlap, LedgerStepsRunWhileTheAccessLogIsStillBeingFetched) {
  TempDir tmp;
  const std::string data = tmp.Sub("data"), repo_dir = tmp.Sub("repo"), target = tmp.Sub("restored");
  // A file the ledger steps may read, and 40 MiB of access log (several
  // packs of 16 MiB, at least one holding nothing else).
  WriteBytes(data + "/notes.txt", "read by nobody, restored first\n");
  WriteBytes(data + "/audit/payments-audit.log", RandomBytes(size_t{40} << 20, 7));
  InitRepo(repo_dir);
  Backup(repo_dir, data);

  auto local = repo::LocalBackend::Open(repo_dir);
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  auto owned = std::make_unique<GatedBackend>(std::move(local).value());
  GatedBackend* gate = owned.get();
  auto repo = repo::Repository::Open(std::move(owned), kRepoPassword);
  ASSERT_TRUE(repo.ok()) << repo.status().ToString();
  ASSERT_TRUE((*repo)->LoadIndex().ok());
  auto all = (*repo)->ListSnapshots();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  auto snap = repo::FindSnapshot(*all, "latest");
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();

  auto root = (*repo)->LoadTree(snap->snapshot.tree);
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  std::set<std::string> gated;
  for (const repo::Node& node : root->nodes) {
    if (node.name != "audit") continue;
    auto audit = (*repo)->LoadTree(node.tree);
    ASSERT_TRUE(audit.ok()) << audit.status().ToString();
    gated = PacksOf(repo->get(), *audit, "payments-audit.log");
  }
  for (const std::string& p : PacksOf(repo->get(), *root, "notes.txt")) gated.erase(p);
  ASSERT_FALSE(gated.empty()) << "no pack holds only access-log blobs";
  gate->Gate(gated);

  restore::RestoreOptions options;
  options.target = target;
  options.apply_wal = true;  // the ledger steps list wal/
  options.workers = 2;
  auto result = restore::RunRestore(repo->get(), *snap, options, nullptr);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(gate->wal_listed());
  EXPECT_EQ(Picture(target), Picture(data));
}

}  // namespace
}  // namespace pb::testing
