// Issue 15, flow 4: `restore --force --to data` where data/ is its own
// volume (a mount point, as doctor and the runbook recommend). The restore
// is staged inside the mounted file system and swapped there; the old
// content is moved to data/.before-restore-<time>/, complete, never deleted,
// and nothing is written to the parent file system.
//
// The volumes are tmpfs mounts (a loop-mounted ext4 image when tmpfs cannot
// be mounted): the parent is a small one that cannot hold the restore, so a
// restore staged beside the target fails with "No space left on device".
// The test needs root (mount); without it, it fails saying so.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "common/file_util.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

using namespace std::chrono_literals;

class RecoveryFlow4 : public BackupTest {
 protected:
  void SetUp() override {
    parent_ = Sub("volumes");
    data_ = parent_ + "/data";
    PB_ASSERT_OK(MakeDirs(parent_));
    ASSERT_NO_FATAL_FAILURE(Mount(parent_, "1m"));
    PB_ASSERT_OK(MakeDirs(data_));
    ASSERT_NO_FATAL_FAILURE(Mount(data_, "64m"));
  }
  void TearDown() override {
    for (auto it = mounted_.rbegin(); it != mounted_.rend(); ++it) {
      ChildResult r = RunChild({"umount", *it}, {}, 30s);
      if (r.exit_code != 0) r = RunChild({"umount", "-l", *it}, {}, 30s);
      EXPECT_EQ(r.exit_code, 0) << "umount " << *it << ": " << r.Describe();
    }
  }

  // Mounts a file system of `size` at `dir`: tmpfs, else an ext4 image
  // (kept in the test directory) through a loop device.
  void Mount(const std::string& dir, const std::string& size) {
    ChildResult tmpfs = RunChild({"mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir}, {}, 30s);
    if (tmpfs.exit_code == 0) {
      mounted_.push_back(dir);
      return;
    }
    const std::string image = Sub("ext4-" + std::to_string(mounted_.size()) + ".img");
    ChildResult mk = RunChild({"truncate", "-s", size == "1m" ? "2m" : size, image}, {}, 30s);
    if (mk.exit_code == 0) mk = RunChild({"mkfs.ext4", "-q", "-F", image}, {}, 60s);
    ChildResult loop = mk.exit_code == 0 ? RunChild({"mount", "-o", "loop", image, dir}, {}, 30s) : mk;
    ASSERT_EQ(loop.exit_code, 0) << "this test needs to mount a file system at " << dir
                                 << " (run it as root, where `mount -t tmpfs` or a loop mount works); tmpfs: "
                                 << tmpfs.Describe() << "\nloop ext4: " << loop.Describe();
    mounted_.push_back(dir);
  }

  std::string parent_, data_;
  std::vector<std::string> mounted_;
};

dev_t DeviceOf(const std::string& path) {
  struct stat st{};
  ::stat(path.c_str(), &st);
  return st.st_dev;
}

TEST_F(RecoveryFlow4, RestoreForceOntoAMountPointSwapsInsideItAndKeepsTheOldContentComplete) {
  PB_ASSERT_OK(MakeLedgerDataDir(data_, 3000));  // a few MiB: more than the parent volume holds
  InitRepo();
  JsonDoc backup(Backup(data_));
  ASSERT_TRUE(backup.ok());
  const uint64_t snapshot_seq = backup.UInt("journal_seq");

  // What is on the volume when the restore starts: more records and an
  // operator's file, copied aside to compare with what the restore keeps.
  ChildResult gen = RunChild({BinPath("bench-journal-gen"), "--data-dir", data_, "--workloads", "40", "--append"},
                             {}, 60s);
  ASSERT_EQ(gen.exit_code, 0) << gen.Describe();
  PB_ASSERT_OK(MakeDirs(data_ + "/notes"));
  PB_ASSERT_OK(WriteFileAtomic(data_ + "/notes/keep.txt", "the operator's notes"));
  ASSERT_EQ(::chmod(data_.c_str(), 0750), 0);
  const std::string before = Sub("before");
  ChildResult copy = RunChild({"cp", "-a", data_, before}, {}, 60s);
  ASSERT_EQ(copy.exit_code, 0) << copy.Describe();
  std::vector<std::string> parent_before = DirEntries(parent_);

  // Before the fix: "Device or resource busy" after staging in the parent
  // (here: "No space left on device" on the small parent volume).
  ChildResult r = Restore("latest", data_, {"--force"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  JsonDoc doc(r.out);
  EXPECT_TRUE(doc.Bool("verified")) << r.out;
  EXPECT_EQ(doc.UInt("journal_seq"), snapshot_seq) << r.out;
  const std::string aside = doc.Str("moved_aside");
  ASSERT_EQ(aside.rfind(data_ + "/.before-restore-", 0), 0u) << r.out;

  EXPECT_NE(DeviceOf(data_), DeviceOf(parent_)) << "data/ is still its own volume";
  EXPECT_EQ(DirEntries(parent_), parent_before) << "nothing was left in the parent file system";

  // The old content, complete, with the old root's mode.
  EXPECT_EQ(CompareTrees(before, aside), "");
  struct stat old_root{}, kept_root{};
  ASSERT_EQ(::stat(before.c_str(), &old_root), 0);
  ASSERT_EQ(::stat(aside.c_str(), &kept_root), 0);
  EXPECT_EQ(kept_root.st_mode & 07777, old_root.st_mode & 07777);

  // The restored ledger: the snapshot's files, beside the kept content.
  const std::string reference = Sub("reference");
  ChildResult ref = Restore("latest", reference);
  ASSERT_EQ(ref.exit_code, 0) << ref.Describe();
  std::vector<std::string> expected = DirEntries(reference);
  expected.push_back(aside.substr(data_.size() + 1));
  if (FileExists(data_ + "/lost+found")) expected.push_back("lost+found");  // ext4's own, left in place
  expected.push_back("LOCK");  // the stopped service's lock file, held by the restore and left at the root
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> actual = DirEntries(data_);
  std::sort(actual.begin(), actual.end());
  EXPECT_EQ(actual, expected);
  for (const std::string& name : DirEntries(reference)) {
    EXPECT_EQ(ReadFileOrEmpty(reference + "/" + name), ReadFileOrEmpty(data_ + "/" + name)) << name;
    if (std::filesystem::is_directory(reference + "/" + name)) {
      EXPECT_EQ(CompareTrees(reference + "/" + name, data_ + "/" + name), "") << name;
    }
  }
  RunOutput verify = RunVerify(data_);
  EXPECT_EQ(verify.exit_code, 0) << verify.output;

  // The service starts on it and serves the restored ledger.
  BackendOptions options;
  options.data_dir = data_;
  options.log_file = Sub("backend.log");
  auto backend = BackendProcess::Start(options);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  HttpClient http((*backend)->port());
  PB_ASSERT_OK(http.Connect());
  auto health = http.Get("/health");
  ASSERT_TRUE(health.ok()) << health.status().ToString();
  EXPECT_NE(health->body.find("\"journal_seq\":" + std::to_string(snapshot_seq)), std::string::npos) << health->body;
  EXPECT_EQ((*backend)->Terminate(), 0);

  // The next backup of data/ leaves the kept content out.
  JsonDoc next(Backup(data_));
  ASSERT_TRUE(next.ok());
  for (const std::string& path : LsPaths(next.Str("snapshot_id"))) {
    EXPECT_EQ(path.rfind("/.before-restore-", 0), std::string::npos) << path;
  }
}

}  // namespace
}  // namespace pb::integration
