// A damaged repository is never silently trusted. Starting from one sound
// repository (two backups of a small data directory, two key files), each
// test damages one copy of it in one way — a flipped bit, a truncation, a
// deletion, or two files of the same kind exchanging contents — in every kind
// of repository file (config, keys/*, index/*, snapshots/*, and packs: a
// data blob, a tree blob, the sealed header, the length field), and asserts:
//   - `check --read-data` (CheckRepository) reports a problem naming the
//     damaged file, or Repository::Open refuses with an error naming it;
//   - a restore of an affected snapshot refuses, names the affected files (or
//     the damaged file) and leaves neither the target nor anything beside it;
//   - or, where the damage touches only redundant bytes (a pack's header, a
//     key file's name), the restore is byte-identical: every blob a restore
//     reads is authenticated against its id, so it never yields wrong bytes;
//   - and repo::Repair (`paymentsctl repair`) keeps every sound blob, drops
//     the rest, names the snapshots and files that lost data, and a backup
//     afterwards makes whole again what the data directory still holds.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "repo/crypto.h"
#include "repo/repair.h"
#include "repo/repository.h"
#include "repo_test_util.h"
#include "support/temp_dir.h"

namespace pb::testing {
namespace {

namespace fs = std::filesystem;
using repo::BlobType;
using repo::NodeType;
using repo::PathOf;

constexpr std::string_view kOtherPassword = "a second password";

// The sound repository every test starts from, built once.
struct Sound {
  TempDir tmp;
  std::string repo;
  std::string snap1, snap2;                  // oldest first
  std::map<std::string, std::string> pic1, pic2;  // the data directory at each backup
  std::string pack1, pack2;                  // data/ names, written by backup 1 and 2
  std::string index1, index2;
  std::string key1, key2;                    // keys/ names: kRepoPassword, kOtherPassword
  repo::BlobLocation data_blob;              // a data blob of big.bin in pack1
  Digest data_blob_id{};
  repo::BlobLocation root_tree;              // snap1's root tree (in pack1)
};

// The one name in `folder` that is not in `before`.
std::string NewName(const std::string& repo_dir, std::string_view folder, const std::set<std::string>& before) {
  auto repo = OpenRepo(repo_dir, kRepoPassword, false);
  if (!repo.ok()) throw std::runtime_error(repo.status().ToString());
  auto names = (*repo)->backend().List(folder);
  if (!names.ok()) throw std::runtime_error(names.status().ToString());
  std::vector<std::string> fresh;
  for (const std::string& n : *names) {
    if (!before.count(n)) fresh.push_back(n);
  }
  if (fresh.size() != 1) throw std::runtime_error("expected one new file in " + std::string(folder));
  return fresh[0];
}

std::set<std::string> Names(const std::string& repo_dir, std::string_view folder) {
  auto repo = OpenRepo(repo_dir, kRepoPassword, false);
  if (!repo.ok()) throw std::runtime_error(repo.status().ToString());
  auto names = (*repo)->backend().List(folder);
  if (!names.ok()) throw std::runtime_error(names.status().ToString());
  return std::set<std::string>(names->begin(), names->end());
}

// The files of snapshot `id` (paths relative to its root) that need a blob
// stored in pack `pack` for which `affected(id, location)` holds (any blob
// of the pack if it is empty).
using BlobFilter = std::function<bool(const Digest&, const repo::BlobLocation&)>;
std::set<std::string> FilesInPack(const std::string& repo_dir, const std::string& id, const std::string& pack,
                                  const BlobFilter& affected = nullptr) {
  auto repo = OpenRepo(repo_dir);
  if (!repo.ok()) throw std::runtime_error(repo.status().ToString());
  repo::Repository* r = repo->get();
  auto all = r->ListSnapshots();
  auto snap = repo::FindSnapshot(*all, id);
  std::set<std::string> out;
  std::function<void(const Digest&, const std::string&)> walk = [&](const Digest& tree_id, const std::string& rel) {
    auto tree = r->LoadTree(tree_id);
    if (!tree.ok()) throw std::runtime_error(tree.status().ToString());
    for (const repo::Node& node : tree->nodes) {
      std::string child = rel.empty() ? node.name : rel + "/" + node.name;
      if (node.type == NodeType::kDir) walk(node.tree, child);
      for (const repo::ContentEntry& e : node.content) {
        if (e.hole) continue;
        const repo::BlobLocation* loc = r->index().Find(e.blob);
        if (!loc || ToHex(r->index().PackName(loc->pack)) != pack) continue;
        if (!affected || affected(e.blob, *loc)) out.insert(child);
      }
    }
  };
  walk(snap->snapshot.tree, "");
  return out;
}

class DamageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sound_ = new Sound;
    Sound& s = *sound_;
    s.repo = s.tmp.Sub("repo");
    InitRepo(s.repo);
    std::string data = s.tmp.Sub("data");
    WriteBytes(data + "/big.bin", RandomBytes(3 << 20, 1));  // several chunks
    WriteBytes(data + "/small.txt", "first version\n");
    WriteBytes(data + "/empty", "");
    WriteBytes(data + "/sub/notes.txt", "notes\n");
    fs::create_symlink("../small.txt", data + "/sub/link");
    ::chmod((data + "/sub/notes.txt").c_str(), 0600);
    s.snap1 = Backup(s.repo, data);
    s.pic1 = Picture(data);
    s.pack1 = NewName(s.repo, "data", {});
    s.index1 = NewName(s.repo, "index", {});

    std::set<std::string> packs = Names(s.repo, "data"), indexes = Names(s.repo, "index");
    WriteBytes(data + "/small.txt", "second version, longer\n");
    WriteBytes(data + "/sub/second.bin", RandomBytes(700 << 10, 2));
    s.snap2 = Backup(s.repo, data);
    s.pic2 = Picture(data);
    s.pack2 = NewName(s.repo, "data", packs);
    s.index2 = NewName(s.repo, "index", indexes);

    // A second key file, for another password, so one key can be damaged
    // while the repository still opens.
    s.key1 = *Names(s.repo, "keys").begin();
    auto repo = OpenRepo(s.repo);
    ASSERT_TRUE(repo.ok()) << repo.status().ToString();
    auto key_file = repo::EncodeKeyFile((*repo)->key(), kOtherPassword, repo::kTestOnlyKdf);
    ASSERT_TRUE(key_file.ok());
    s.key2 = Sha256Hex(*key_file);
    ASSERT_TRUE((*repo)->backend().Write(PathOf("keys", s.key2), *key_file).ok());

    // Where a data blob of big.bin and snapshot 1's root tree are.
    auto all = (*repo)->ListSnapshots();
    ASSERT_TRUE(all.ok());
    auto snap1 = repo::FindSnapshot(*all, s.snap1);
    ASSERT_TRUE(snap1.ok());
    const repo::BlobLocation* root = (*repo)->index().Find(snap1->snapshot.tree);
    ASSERT_NE(root, nullptr);
    ASSERT_EQ(ToHex((*repo)->index().PackName(root->pack)), s.pack1);
    s.root_tree = *root;
    auto tree = (*repo)->LoadTree(snap1->snapshot.tree);
    ASSERT_TRUE(tree.ok());
    ASSERT_EQ(tree->nodes[0].name, "big.bin");
    ASSERT_GE(tree->nodes[0].content.size(), 2u) << "big.bin should span several blobs";
    s.data_blob_id = tree->nodes[0].content[1].blob;
    s.data_blob = *(*repo)->index().Find(s.data_blob_id);
    ASSERT_EQ(s.data_blob.type, BlobType::kData);
  }

  static void TearDownTestSuite() {
    delete sound_;
    sound_ = nullptr;
  }

  // A fresh copy of the sound repository, and an empty place to restore to
  // with a sentinel directory beside the target.
  void SetUp() override {
    ASSERT_NE(sound_, nullptr);
    repo_ = tmp_.Sub("repo");
    fs::copy(sound_->repo, repo_, fs::copy_options::recursive);
    place_ = tmp_.Sub("restore");
    target_ = place_ + "/target";
    sentinel_ = place_ + "/sentinel";
    fs::create_directories(sentinel_);
  }

  const Sound& s() const { return *sound_; }
  std::string Path(const std::string& rel) const { return repo_ + "/" + rel; }
  std::string PackPath(const std::string& name) const { return PathOf("data", name); }

  void FlipBit(const std::string& rel, uint64_t offset, int bit = 3) {
    std::string bytes = ReadBytes(Path(rel));
    ASSERT_LT(offset, bytes.size()) << rel;
    bytes[offset] = static_cast<char>(bytes[offset] ^ (1 << bit));
    WriteBytes(Path(rel), bytes);
  }
  void Truncate(const std::string& rel, uint64_t size) { fs::resize_file(Path(rel), size); }
  void TruncateHalf(const std::string& rel) { Truncate(rel, fs::file_size(Path(rel)) / 2); }
  void Delete(const std::string& rel) { ASSERT_TRUE(fs::remove(Path(rel))) << rel; }
  void Swap(const std::string& a, const std::string& b) {
    std::string ba = ReadBytes(Path(a)), bb = ReadBytes(Path(b));
    ASSERT_NE(ba, bb);
    WriteBytes(Path(a), bb);
    WriteBytes(Path(b), ba);
  }

  // check --read-data reports problems, and each of `needles` is in one of them.
  void ExpectCheckNames(const std::vector<std::string>& needles, std::string_view password = kRepoPassword) {
    auto repo = OpenRepo(repo_, password, /*load_index=*/false);
    ASSERT_TRUE(repo.ok()) << repo.status().ToString();
    auto report = repo::CheckRepository(repo->get(), /*read_data=*/true, nullptr, replicate::CheckShippedRecords);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_FALSE(report->ok()) << "check found nothing wrong";
    for (const std::string& n : needles) {
      EXPECT_TRUE(AnyContains(report->problems, n)) << "no problem names " << n << ":" << Lines(report->problems);
    }
  }

  void ExpectCheckClean(std::string_view password = kRepoPassword) {
    auto repo = OpenRepo(repo_, password, /*load_index=*/false);
    ASSERT_TRUE(repo.ok()) << repo.status().ToString();
    auto report = repo::CheckRepository(repo->get(), /*read_data=*/true, nullptr, replicate::CheckShippedRecords);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_TRUE(report->ok()) << Lines(report->problems);
    EXPECT_TRUE(report->notes.empty()) << Lines(report->notes);
  }

  // Open with `password` fails and its message contains `needle`.
  void ExpectOpenFails(std::string_view needle, std::string_view password = kRepoPassword) {
    auto repo = OpenRepo(repo_, password, /*load_index=*/false);
    ASSERT_FALSE(repo.ok()) << "the damaged repository opened";
    EXPECT_NE(repo.status().message().find(needle), std::string::npos) << repo.status().ToString();
  }

  // Restoring `snapshot` fails, its message contains every needle, and
  // nothing is left at or beside the target.
  void ExpectRestoreRefused(const std::string& snapshot, const std::vector<std::string>& needles) {
    Status st = Restore(repo_, snapshot, target_);
    ASSERT_FALSE(st.ok()) << "restore of a damaged snapshot succeeded";
    for (const std::string& n : needles) {
      EXPECT_NE(st.message().find(n), std::string::npos) << "restore error does not name " << n << ": "
                                                         << st.ToString();
    }
    EXPECT_FALSE(fs::exists(target_)) << "the target was created";
    EXPECT_EQ(Entries(place_), std::set<std::string>{"sentinel"}) << "a temporary directory was left beside it";
    EXPECT_TRUE(Entries(sentinel_).empty());
  }

  void ExpectRestoreIdentical(const std::string& snapshot, const std::map<std::string, std::string>& picture) {
    Status st = Restore(repo_, snapshot, target_);
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(Picture(target_), picture);
    fs::remove_all(target_);
  }

  static Sound* sound_;
  TempDir tmp_;
  std::string repo_, place_, target_, sentinel_;
};

Sound* DamageTest::sound_ = nullptr;

// ---------------------------------------------------------------- sound

TEST_F(DamageTest, SoundRepositoryChecksCleanAndRestoresBothSnapshots) {
  EXPECT_EQ(Names(repo_, "data").size(), 2u);
  EXPECT_EQ(Names(repo_, "index").size(), 2u);
  EXPECT_EQ(Names(repo_, "snapshots").size(), 2u);
  EXPECT_EQ(Names(repo_, "keys").size(), 2u);
  ExpectCheckClean();
  ExpectCheckClean(kOtherPassword);
  auto report = Check(repo_);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->snapshots, 2u);
  EXPECT_EQ(report->packs, 2u);
  EXPECT_GE(report->blobs, 8u);
  ExpectRestoreIdentical(s().snap1, s().pic1);
  ExpectRestoreIdentical(s().snap2, s().pic2);
  EXPECT_NE(s().pic1, s().pic2);
}

// ---------------------------------------------------------------- config

TEST_F(DamageTest, ConfigBitFlipStopsOpen) {
  FlipBit("config", fs::file_size(Path("config")) / 2);
  ExpectOpenFails("config");
  ExpectRestoreRefused(s().snap1, {"config"});
}

TEST_F(DamageTest, ConfigTruncatedStopsOpen) {
  TruncateHalf("config");
  ExpectOpenFails("config");
  ExpectRestoreRefused(s().snap1, {"config"});
}

TEST_F(DamageTest, ConfigDeletedStopsOpen) {
  Delete("config");
  ExpectOpenFails("config");
  ExpectRestoreRefused(s().snap1, {"config"});
}
// (There is one config: no swap of two configs.)

// ---------------------------------------------------------------- keys

TEST_F(DamageTest, KeyFileBitFlipIsNamedByOpenAndCheck) {
  std::string rel = PathOf("keys", s().key1);
  FlipBit(rel, fs::file_size(Path(rel)) - 20);  // inside sealed_key
  ExpectOpenFails(rel);
  ExpectRestoreRefused(s().snap1, {rel});
  ExpectCheckNames({rel}, kOtherPassword);
}

TEST_F(DamageTest, KeyFileTruncatedIsNamedByOpenAndCheck) {
  std::string rel = PathOf("keys", s().key1);
  TruncateHalf(rel);
  ExpectOpenFails(rel);
  ExpectRestoreRefused(s().snap1, {rel});
  ExpectCheckNames({rel}, kOtherPassword);
}

TEST_F(DamageTest, KeyFileDeletedLeavesOnlyTheOtherPassword) {
  Delete(PathOf("keys", s().key1));
  ExpectOpenFails("wrong password");
  ExpectRestoreRefused(s().snap1, {"wrong password"});
  // Removing a key file is what revoking a password looks like: not damage.
  ExpectCheckClean(kOtherPassword);
}

TEST_F(DamageTest, KeyFilesSwappedAreNamedByCheckButStillUnlock) {
  Swap(PathOf("keys", s().key1), PathOf("keys", s().key2));
  // A key file authenticates itself (sealed_key), so it still unlocks; only
  // its name is wrong, which check reports.
  ExpectCheckNames({PathOf("keys", s().key1), PathOf("keys", s().key2)});
  ExpectRestoreIdentical(s().snap1, s().pic1);
}

// ---------------------------------------------------------------- index

TEST_F(DamageTest, IndexBitFlipIsNamed) {
  std::string rel = PathOf("index", s().index1);
  FlipBit(rel, fs::file_size(Path(rel)) / 2);
  ExpectCheckNames({rel});
  ExpectRestoreRefused(s().snap1, {rel});
}

TEST_F(DamageTest, IndexTruncatedIsNamed) {
  std::string rel = PathOf("index", s().index2);
  TruncateHalf(rel);
  ExpectCheckNames({rel});
  ExpectRestoreRefused(s().snap2, {rel});
}

TEST_F(DamageTest, IndexDeletedLeavesBlobsUnindexed) {
  Delete(PathOf("index", s().index1));
  // The deleted file cannot be named; what it described can: its pack is
  // now unindexed and the snapshots' trees and blobs in it are lost.
  auto report = Check(repo_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->ok());
  EXPECT_TRUE(AnyContains(report->problems, "not in the index")) << Lines(report->problems);
  EXPECT_TRUE(AnyContains(report->problems, "/big.bin")) << Lines(report->problems);
  EXPECT_TRUE(AnyContains(report->notes, PackPath(s().pack1))) << Lines(report->notes);
  ExpectRestoreRefused(s().snap1, {"not in the index"});
  ExpectRestoreRefused(s().snap2, {"big.bin"});
}

TEST_F(DamageTest, IndexFilesSwappedAreNamed) {
  std::string a = PathOf("index", s().index1), b = PathOf("index", s().index2);
  Swap(a, b);
  ExpectCheckNames({a, b});
  ExpectRestoreRefused(s().snap1, {std::min(a, b)});
}

// ---------------------------------------------------------------- snapshots

TEST_F(DamageTest, SnapshotBitFlipIsNamed) {
  std::string rel = PathOf("snapshots", s().snap1);
  FlipBit(rel, 30);
  ExpectCheckNames({rel});
  ExpectRestoreRefused(s().snap1, {rel});
}

TEST_F(DamageTest, SnapshotTruncatedIsNamed) {
  std::string rel = PathOf("snapshots", s().snap2);
  Truncate(rel, fs::file_size(Path(rel)) - 1);
  ExpectCheckNames({rel});
  ExpectRestoreRefused(s().snap2, {rel});
}

TEST_F(DamageTest, SnapshotDeletedIsGoneButTheOtherRestores) {
  Delete(PathOf("snapshots", s().snap1));
  // Indistinguishable from `forget`: not damage to check.
  ExpectCheckClean();
  ExpectRestoreRefused(s().snap1, {"no snapshot with id"});
  ExpectRestoreIdentical(s().snap2, s().pic2);
}

TEST_F(DamageTest, SnapshotsSwappedAreNamed) {
  std::string a = PathOf("snapshots", s().snap1), b = PathOf("snapshots", s().snap2);
  Swap(a, b);
  ExpectCheckNames({a, b});
  ExpectRestoreRefused(s().snap1, {std::min(a, b)});
}

// ---------------------------------------------------------------- packs

TEST_F(DamageTest, PackBitFlipInADataBlobNamesThePackAndTheFiles) {
  std::string rel = PackPath(s().pack1);
  Digest id = s().data_blob_id;
  auto only_it = [&](const Digest& blob, const repo::BlobLocation&) { return blob == id; };
  ASSERT_EQ(FilesInPack(s().repo, s().snap1, s().pack1, only_it), std::set<std::string>{"big.bin"});
  FlipBit(rel, s().data_blob.offset + s().data_blob.length / 2);
  ExpectCheckNames({rel});
  ExpectRestoreRefused(s().snap1, {"1 file(s)", "big.bin: " + rel});
  ExpectRestoreRefused(s().snap2, {"1 file(s)", "big.bin: " + rel});
}

TEST_F(DamageTest, PackBitFlipInATreeBlobNamesThePack) {
  std::string rel = PackPath(s().pack1);
  FlipBit(rel, s().root_tree.offset + s().root_tree.length - 1, 0);
  ExpectCheckNames({rel});
  ExpectRestoreRefused(s().snap1, {rel});
}

TEST_F(DamageTest, PackBitFlipInTheSealedHeaderIsNamedByCheck) {
  std::string rel = PackPath(s().pack1);
  uint64_t size = fs::file_size(Path(rel));
  FlipBit(rel, size - 4 - 30);
  ExpectCheckNames({rel});
  // The restore reads blobs where the index says and authenticates each
  // against its id; the damaged header is not needed for that.
  ExpectRestoreIdentical(s().snap1, s().pic1);
}

TEST_F(DamageTest, PackBitFlipInTheLengthFieldIsNamedByCheck) {
  std::string rel = PackPath(s().pack2);
  uint64_t size = fs::file_size(Path(rel));
  FlipBit(rel, size - 3, 7);
  ExpectCheckNames({rel});
  ExpectRestoreIdentical(s().snap2, s().pic2);
}

TEST_F(DamageTest, PackTruncatedNamesThePackAndTheFilesCut) {
  std::string rel = PackPath(s().pack1);
  uint64_t cut = fs::file_size(Path(rel)) / 2;
  auto beyond_cut = [&](const Digest&, const repo::BlobLocation& loc) { return loc.offset + loc.length > cut; };
  std::set<std::string> files = FilesInPack(s().repo, s().snap2, s().pack1, beyond_cut);
  ASSERT_TRUE(files.count("big.bin"));
  Truncate(rel, cut);
  ExpectCheckNames({rel});
  // Snapshot 1's trees were at the end of pack 1: its root is gone.
  ExpectRestoreRefused(s().snap1, {rel});
  // Snapshot 2's trees are in pack 2: the files whose blobs were cut are listed.
  std::vector<std::string> needles = {std::to_string(files.size()) + " file(s)"};
  for (const std::string& f : files) needles.push_back(f + ": ");
  ExpectRestoreRefused(s().snap2, needles);
}

TEST_F(DamageTest, PackTruncatedByItsLengthFieldIsNamedByCheck) {
  std::string rel = PackPath(s().pack2);
  Truncate(rel, fs::file_size(Path(rel)) - 4);
  ExpectCheckNames({rel});
  ExpectRestoreIdentical(s().snap2, s().pic2);
}

TEST_F(DamageTest, PackDeletedNamesThePackAndTheFilesInIt) {
  std::string rel = PackPath(s().pack1);
  std::set<std::string> files = FilesInPack(s().repo, s().snap2, s().pack1);
  EXPECT_EQ(files, (std::set<std::string>{"big.bin", "sub/notes.txt"}));
  Delete(rel);
  ExpectCheckNames({rel + ": missing"});
  ExpectRestoreRefused(s().snap1, {rel});
  ExpectRestoreRefused(s().snap2, {"2 file(s)", "big.bin: ", "sub/notes.txt: ", rel});
}

TEST_F(DamageTest, PacksSwappedAreNamed) {
  std::string a = PackPath(s().pack1), b = PackPath(s().pack2);
  Swap(a, b);
  ExpectCheckNames({a, b});
  ExpectRestoreRefused(s().snap1, {a});
  ExpectRestoreRefused(s().snap2, {b});
}

// ---------------------------------------------------------------- repair

class RepairTest : public DamageTest {
 protected:
  repo::RepairReport RunRepair(bool dry_run = false) {
    auto repo = OpenRepo(repo_, kRepoPassword, /*load_index=*/false);
    EXPECT_TRUE(repo.ok()) << repo.status().ToString();
    if (!repo.ok()) return {};
    auto report = repo::Repair(repo->get(), dry_run, nullptr);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : repo::RepairReport{};
  }
  // The lost paths repair reported for `snapshot` ("" if none).
  static std::string LostOf(const repo::RepairReport& r, const std::string& snapshot) {
    for (const repo::SnapshotLoss& l : r.losses) {
      if (l.snapshot.id == snapshot) {
        std::string out;
        for (const std::string& p : l.paths) out += p + ";";
        return out;
      }
    }
    return "";
  }
  // A backup of the sound repository's data directory into this copy.
  void BackupAgain() { Backup(repo_, s().tmp.Sub("data")); }
};

TEST_F(RepairTest, ASoundRepositoryIsLeftAsItIs) {
  std::set<std::string> index = Names(repo_, "index"), packs = Names(repo_, "data");
  repo::RepairReport r = RunRepair();
  EXPECT_FALSE(r.index_rewritten);
  EXPECT_EQ(r.packs_sound, 2u);
  EXPECT_TRUE(r.losses.empty());
  EXPECT_EQ(Names(repo_, "index"), index);
  EXPECT_EQ(Names(repo_, "data"), packs);
}

TEST_F(RepairTest, ADataBlobFlipIsDroppedTheRestKeptAndABackupMakesBothSnapshotsWhole) {
  std::string rel = PackPath(s().pack1);
  FlipBit(rel, s().data_blob.offset + s().data_blob.length / 2);
  std::map<std::string, std::string> before;
  for (const std::string& f : {rel, PathOf("index", s().index1)}) before[f] = ReadBytes(Path(f));
  repo::RepairReport dry = RunRepair(/*dry_run=*/true);
  EXPECT_EQ(dry.damaged_packs.size(), 1u);
  for (const auto& [f, bytes] : before) EXPECT_EQ(ReadBytes(Path(f)), bytes) << "a dry run changed " << f;

  repo::RepairReport r = RunRepair();
  ASSERT_EQ(r.damaged_packs.size(), 1u);
  EXPECT_NE(r.damaged_packs[0].find(rel), std::string::npos) << r.damaged_packs[0];
  EXPECT_EQ(r.blobs_dropped, 1u);
  EXPECT_GE(r.blobs_salvaged, 3u);
  EXPECT_EQ(LostOf(r, s().snap1), "/big.bin;");
  EXPECT_EQ(LostOf(r, s().snap2), "/big.bin;");
  EXPECT_FALSE(fs::exists(Path(rel)));
  ExpectRestoreRefused(s().snap1, {"big.bin: "});
  ExpectRestoreRefused(s().snap2, {"1 file(s)", "big.bin: "});
  // big.bin still holds those bytes: the backup stores the blob again
  // under the same id, and both old snapshots are whole again.
  BackupAgain();
  ExpectRestoreIdentical(s().snap1, s().pic1);
  ExpectRestoreIdentical(s().snap2, s().pic2);
  ExpectCheckClean();
}

TEST_F(RepairTest, ADeletedPackLeavesTheSnapshotsThatNeededItListedAndTheOthersWhole) {
  std::string rel = PackPath(s().pack1);
  Delete(rel);
  repo::RepairReport r = RunRepair();
  ASSERT_EQ(r.missing_packs.size(), 1u);
  EXPECT_NE(r.missing_packs[0].find(rel), std::string::npos);
  EXPECT_EQ(LostOf(r, s().snap1), "/;") << "snapshot 1's root tree was in the deleted pack";
  EXPECT_EQ(LostOf(r, s().snap2), "/big.bin;/sub/notes.txt;");
  BackupAgain();
  // Snapshot 2's files are back; snapshot 1's trees held what no longer exists.
  ExpectRestoreIdentical(s().snap2, s().pic2);
  ExpectRestoreRefused(s().snap1, {"not in the index"});
}

TEST_F(RepairTest, ADamagedHeaderIsRepairedFromTheIndexWithoutLosingABlob) {
  std::string rel = PackPath(s().pack1);
  FlipBit(rel, fs::file_size(Path(rel)) - 4 - 30);
  repo::RepairReport r = RunRepair();
  EXPECT_EQ(r.damaged_packs.size(), 1u);
  EXPECT_EQ(r.blobs_dropped, 0u);
  EXPECT_TRUE(r.losses.empty());
  ExpectCheckClean();
  ExpectRestoreIdentical(s().snap1, s().pic1);
  ExpectRestoreIdentical(s().snap2, s().pic2);
}

TEST_F(RepairTest, SwappedIndexFilesAreReplacedByAnIndexRebuiltFromThePacks) {
  Swap(PathOf("index", s().index1), PathOf("index", s().index2));
  repo::RepairReport r = RunRepair();
  EXPECT_EQ(r.unreadable_index.size(), 2u);
  EXPECT_TRUE(r.index_rewritten);
  EXPECT_TRUE(r.losses.empty());
  ExpectCheckClean();
  ExpectRestoreIdentical(s().snap1, s().pic1);
  ExpectRestoreIdentical(s().snap2, s().pic2);
}

TEST_F(RepairTest, SwappedPacksAreCopiedUnderTheirTrueNames) {
  Swap(PackPath(s().pack1), PackPath(s().pack2));
  repo::RepairReport r = RunRepair();
  EXPECT_EQ(r.damaged_packs.size(), 2u);
  EXPECT_EQ(r.blobs_dropped, 0u);
  EXPECT_TRUE(r.losses.empty());
  ExpectCheckClean();
  ExpectRestoreIdentical(s().snap1, s().pic1);
  ExpectRestoreIdentical(s().snap2, s().pic2);
}

TEST_F(RepairTest, AnIndexFileThatCannotBeReadAffectsOnlyTheSnapshotsThatNeedIt) {
  TruncateHalf(PathOf("index", s().index2));
  // Snapshot 1's blobs are all listed by the first index file.
  ExpectRestoreIdentical(s().snap1, s().pic1);
  ExpectRestoreRefused(s().snap2, {PathOf("index", s().index2)});
  EXPECT_TRUE(RunRepair().losses.empty());
  ExpectRestoreIdentical(s().snap2, s().pic2);
}

}  // namespace
}  // namespace pb::testing
