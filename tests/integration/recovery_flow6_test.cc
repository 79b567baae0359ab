// Issue 15, flow 6 (backups in --mode full, so restores compare whole): a damaged repository is repaired and the next backup
// stores the lost data again; damage affects only the snapshots that need
// the damaged file; a FIFO or symlink in place of a pack is refused, never
// waited on. Everything through the real paymentsctl (ctest -R recovery.).
//
//   - 4 bytes changed in a pack: check --read-data says DAMAGED; repair
//     drops the damaged blob, keeps the pack's sound blobs and names the
//     snapshot and file that lost data; the next backup stores the blob
//     again, so the new snapshot (and the old one, whose bytes came back)
//     restores equal to the data directory.
//   - a truncated index file: the snapshot whose data other index files
//     list still restores; the one that needs it fails naming the blobs and
//     the index file; repair rebuilds the index and then both restore.
//   - a FIFO (then a symlink) in place of a pack: restore, check and repair
//     fail with an error naming it; a hang is caught by the child's own
//     timeout and reported as a failure.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "repo/local/local_backend.h"
#include "repo/repository.h"
#include "common/file_util.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

namespace fs = std::filesystem;

// A restore, check or repair that does not finish in this time hung.
constexpr auto kNoHang = std::chrono::seconds(60);

class RecoveryFlow6 : public BackupTest {
 protected:
  void SetUp() override {
    InitRepo();
    data_ = Sub("data");
    PB_ASSERT_OK(MakeLedgerDataDir(data_, 3000));
  }

  // The repository opened in-process (to find where a blob is), index loaded.
  std::unique_ptr<repo::Repository> OpenInProcess() {
    auto backend = repo::LocalBackend::Open(Repo());
    EXPECT_TRUE(backend.ok()) << backend.status().ToString();
    if (!backend.ok()) return nullptr;
    auto repo = repo::Repository::Open(std::move(backend).value(), kRepoPassword);
    EXPECT_TRUE(repo.ok()) << repo.status().ToString();
    if (!repo.ok()) return nullptr;
    Status st = (*repo)->LoadIndex();
    EXPECT_TRUE(st.ok()) << st.ToString();
    return std::move(repo).value();
  }

  // Restores `snapshot` to a new directory and expects it equal to `dir`.
  void ExpectRestoresEqual(const std::string& snapshot, const std::string& dir, const std::string& when) {
    std::string target = Sub("restored-" + std::to_string(++restores_));
    ChildResult r = Restore(snapshot, target);
    ASSERT_EQ(r.exit_code, 0) << "restore " << snapshot << " " << when << ": " << r.Describe();
    EXPECT_EQ(CompareTrees(dir, target), "") << when;
  }

  std::string data_;
  int restores_ = 0;
};

TEST_F(RecoveryFlow6, FourBytesChangedInAPackAreRepairedAndTheNextBackupStoresThemAgain) {
  const std::string first = BackupId(data_, {"--mode", "full"});
  ASSERT_FALSE(first.empty());

  // The largest data blob (a journal chunk): 4 bytes in its middle change.
  std::string pack_rel;
  {
    auto repo = OpenInProcess();
    ASSERT_NE(repo, nullptr);
    const repo::BlobLocation* largest = nullptr;
    for (const auto& [id, loc] : repo->index().blobs()) {
      if (loc.type == repo::BlobType::kData && (!largest || loc.length > largest->length)) largest = &loc;
    }
    ASSERT_NE(largest, nullptr);
    pack_rel = repo::PathOf("data", ToHex(repo->index().PackName(largest->pack)));
    const std::string path = Repo() + "/" + pack_rel;
    std::string bytes = ReadFileOrEmpty(path);
    ASSERT_GT(bytes.size(), largest->offset + largest->length);
    for (uint64_t i = 0; i < 4; ++i) bytes[largest->offset + largest->length / 2 + i] ^= 0x5a;
    ::chmod(path.c_str(), 0600);
    PB_ASSERT_OK(WriteFileAtomic(path, bytes));
  }
  ChildResult check = Ctl({"check", "--read-data"});
  EXPECT_EQ(check.exit_code, 1) << check.Describe();
  EXPECT_NE(check.out.find("DAMAGED: " + pack_rel), std::string::npos) << check.Describe();

  // A dry run reads and reports but changes nothing.
  ChildResult dry = Ctl({"repair", "--dry-run"});
  EXPECT_EQ(dry.exit_code, 1) << dry.Describe();
  EXPECT_NE(dry.out.find("DAMAGED pack " + pack_rel), std::string::npos) << dry.Describe();
  EXPECT_TRUE(fs::exists(Repo() + "/" + pack_rel)) << "a dry run removed the damaged pack";

  ChildResult repair = Ctl({"repair", "--json"});
  EXPECT_EQ(repair.exit_code, 1) << "repair must say that a snapshot lost data: " << repair.Describe();
  JsonDoc report(repair.out);
  ASSERT_TRUE(report.ok()) << repair.Describe();
  EXPECT_EQ(report.UInt("blobs_dropped"), 1u) << repair.out;
  EXPECT_GE(report.UInt("blobs_salvaged"), 1u) << "the pack's sound blobs must be kept: " << repair.out;
  EXPECT_NE(repair.out.find("\"id\":\"" + first + "\""), std::string::npos)
      << "the snapshot that lost data is not named: " << repair.out;
  EXPECT_NE(repair.out.find("/journal/"), std::string::npos) << "the file that lost data is not named: " << repair.out;
  EXPECT_FALSE(fs::exists(Repo() + "/" + pack_rel)) << "the damaged pack is still there";

  // The next backup reads the file again (its parent's blob is gone) and
  // stores the blob again; the fresh snapshot restores equal.
  JsonDoc second(Backup(data_, {"--mode", "full"}));
  ASSERT_TRUE(second.ok());
  EXPECT_GT(second.UInt("stored_bytes"), 0u) << "the backup after repair stored nothing";
  ExpectRestoresEqual(second.Str("snapshot_id"), data_, "after repair and a new backup");
  // The blob came back with the same id: the old snapshot is whole again.
  ExpectRestoresEqual(first, data_, "of the old snapshot, after the new backup");
  ExpectCheckReadDataPasses("after repair and a new backup");
}

TEST_F(RecoveryFlow6, ATruncatedIndexFileAffectsOnlyTheSnapshotsThatNeedIt) {
  const std::string first = BackupId(data_, {"--mode", "full"});
  const std::vector<std::string> first_index = DirEntries(Repo() + "/index");
  const std::set<std::string> index_before(first_index.begin(), first_index.end());
  const std::string other = Sub("other");
  PB_ASSERT_OK(MakeLedgerDataDir(other, 1000));
  const std::string second = BackupId(other, {"--mode", "full"});
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());
  std::string index_rel;
  for (const std::string& name : DirEntries(Repo() + "/index")) {
    if (!index_before.count(name)) index_rel = "index/" + name;
  }
  ASSERT_FALSE(index_rel.empty()) << "the second backup wrote no index file";
  fs::resize_file(Repo() + "/" + index_rel, fs::file_size(Repo() + "/" + index_rel) / 2);

  // The first snapshot's data is listed by the first index file alone.
  ExpectRestoresEqual(first, data_, "with the second index file truncated");
  ChildResult list = Ctl({"snapshots"});
  EXPECT_EQ(list.exit_code, 0) << list.Describe();
  ChildResult refused = Restore(second, Sub("refused"));
  EXPECT_EQ(refused.exit_code, 1) << refused.Describe();
  EXPECT_NE(refused.err.find("not in the index"), std::string::npos) << refused.Describe();
  EXPECT_NE(refused.err.find(index_rel), std::string::npos) << "the unreadable index file is not named: "
                                                            << refused.Describe();
  ChildResult check = Ctl({"check"});
  EXPECT_EQ(check.exit_code, 1) << check.Describe();
  EXPECT_NE(check.out.find(index_rel), std::string::npos) << check.Describe();

  ChildResult repair = Ctl({"repair"});
  EXPECT_EQ(repair.exit_code, 0) << "every pack is sound, no snapshot lost data: " << repair.Describe();
  EXPECT_NE(repair.out.find("UNREADABLE index file " + index_rel), std::string::npos) << repair.Describe();
  EXPECT_NE(repair.out.find("every snapshot is whole"), std::string::npos) << repair.Describe();
  ExpectRestoresEqual(second, other, "after repair");
  ExpectRestoresEqual(first, data_, "after repair");
  ExpectCheckReadDataPasses("after repair");
}

TEST_F(RecoveryFlow6, AFifoOrSymlinkInPlaceOfAPackIsRefusedNeverWaitedOn) {
  const std::string snap = BackupId(data_, {"--mode", "full"});
  ASSERT_FALSE(snap.empty());
  std::vector<std::string> packs;
  for (const std::string& sub : DirEntries(Repo() + "/data")) {
    for (const std::string& name : DirEntries(Repo() + "/data/" + sub)) packs.push_back("data/" + sub + "/" + name);
  }
  ASSERT_FALSE(packs.empty());
  const std::string pack = Repo() + "/" + packs[0];
  const std::string moved = Sub("pack-moved-out");
  fs::rename(pack, moved);
  ASSERT_EQ(::mkfifo(pack.c_str(), 0600), 0);

  ChildResult restore = Ctl({"restore", snap, "--to", Sub("from-fifo")}, kNoHang);
  EXPECT_FALSE(restore.timed_out) << "restore hung on a FIFO in place of a pack";
  EXPECT_EQ(restore.exit_code, 1) << restore.Describe();
  EXPECT_NE(restore.err.find(packs[0] + " is a FIFO"), std::string::npos) << restore.Describe();
  for (const char* command : {"check", "repair"}) {
    ChildResult r = Ctl({command}, kNoHang);
    EXPECT_FALSE(r.timed_out) << command << " hung on a FIFO in place of a pack";
    EXPECT_EQ(r.exit_code, 1) << command << ": " << r.Describe();
    EXPECT_NE((r.out + r.err).find(packs[0]), std::string::npos) << command << ": " << r.Describe();
  }

  // A symlink to the real pack is not followed either.
  fs::remove(pack);
  fs::create_symlink(moved, pack);
  restore = Ctl({"restore", snap, "--to", Sub("from-symlink")}, kNoHang);
  EXPECT_EQ(restore.exit_code, 1) << restore.Describe();
  EXPECT_NE(restore.err.find(packs[0] + " is a symlink"), std::string::npos) << restore.Describe();

  // Put back, it restores.
  fs::remove(pack);
  fs::rename(moved, pack);
  ExpectRestoresEqual(snap, data_, "with the pack back in place");
}

}  // namespace
}  // namespace pb::integration
