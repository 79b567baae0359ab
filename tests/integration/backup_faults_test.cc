// paymentsctl against a repository it cannot use: locked by another
// process (and the stale lock of a dead one), on a full file system, and
// not writable by the user running it.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file_util.h"
#include "common/json_text.h"
#include "common/time_util.h"
#include "repo/local/local_backend.h"
#include "repo/lock.h"
#include "repo/repository.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {


class RepoFaults : public BackupTest {
 protected:
  void SetUp() override {
    data_ = Sub("data");
    ChildResult gen = RunChild({BinPath("bench-journal-gen"), "--data-dir", data_, "--workloads", "200"}, {},
                               std::chrono::seconds(60));
    ASSERT_EQ(gen.exit_code, 0) << gen.Describe();
    InitRepo();
  }

  std::string data_;
};

TEST_F(RepoFaults, BackupFailsNamingTheHolderWhileAnotherProcessHoldsTheExclusiveLock) {
  auto repo = OpenInProcess();
  ASSERT_NE(repo, nullptr);
  auto lock = repo::RepoLock::Acquire(repo.get(), repo::LockMode::kExclusive, "forget");
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();

  ChildResult locked = Ctl({"backup", "--data-dir", data_});
  EXPECT_EQ(locked.exit_code, 1) << locked.Describe();
  EXPECT_NE(locked.err.find("locked by forget"), std::string::npos) << locked.Describe();
  EXPECT_NE(locked.err.find("pid " + std::to_string(::getpid()) + " on " + repo::HostName()), std::string::npos)
      << locked.Describe();
  EXPECT_EQ(locked.err.find("could not remove"), std::string::npos) << locked.Describe();
  // A reader needs a shared lock, which the exclusive one excludes too.
  ChildResult reader = Ctl({"snapshots"});
  EXPECT_EQ(reader.exit_code, 1) << reader.Describe();
  EXPECT_NE(reader.err.find("locked"), std::string::npos) << reader.Describe();
  EXPECT_EQ(DirEntries(Repo() + "/locks").size(), 1u) << "the failed commands must remove their own lock files";
  EXPECT_TRUE(DirEntries(Repo() + "/snapshots").empty());

  lock.value().reset();
  EXPECT_TRUE(DirEntries(Repo() + "/locks").empty());
  ChildResult after = Ctl({"backup", "--data-dir", data_});
  EXPECT_EQ(after.exit_code, 0) << after.Describe();
  EXPECT_EQ(DirEntries(Repo() + "/snapshots").size(), 1u);
}

TEST_F(RepoFaults, StaleLockOfADeadProcessOnThisHostIsRemovedByTheNextBackup) {
  // A pid that certainly ran on this host and has exited.
  auto dead = Child::Start({"true"}, {});
  ASSERT_TRUE(dead.ok()) << dead.status().ToString();
  const pid_t dead_pid = (*dead)->pid();
  ASSERT_EQ((*dead)->Wait(std::chrono::seconds(10)).exit_code, 0);
  ASSERT_NE(::kill(dead_pid, 0), 0) << "pid " << dead_pid << " was reused already";

  auto repo = OpenInProcess();
  ASSERT_NE(repo, nullptr);
  std::string json;
  JsonObject(&json)
      .Str("host", repo::HostName())
      .UInt("pid", static_cast<uint64_t>(dead_pid))
      .Str("time", FormatIso8601(NowMillis()))
      .Bool("exclusive", true)
      .Str("operation", "backup")
      .Close();
  auto stale = repo->SaveFile("locks", json);
  ASSERT_TRUE(stale.ok()) << stale.status().ToString();
  ASSERT_EQ(DirEntries(Repo() + "/locks"), std::vector<std::string>{*stale});

  ChildResult r = Ctl({"backup", "--data-dir", data_, "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.err.find("stale lock"), std::string::npos) << r.Describe();
  EXPECT_TRUE(DirEntries(Repo() + "/locks").empty()) << "the stale lock is still there";
  EXPECT_EQ(DirEntries(Repo() + "/snapshots").size(), 1u);
}

bool CanUnshareMounts() {
  if (::geteuid() != 0) return false;
  ChildResult r = RunChild({"unshare", "-m", "true"}, {}, std::chrono::seconds(10));
  return r.exit_code == 0;
}

// Runs in a private mount namespace (unshare -m): mounts a 24 MiB tmpfs on
// $1, creates a repository in it, backs $3 up with paymentsctl $2, then
// checks the repository. Paths only arrive as positional arguments.
constexpr const char* kDiskFullScript = R"(set -u
mnt=$1 ctl=$2 data=$3
mount -t tmpfs -o size=24m pb-test-full "$mnt" || { echo "mount=failed"; exit 0; }
"$ctl" init --repo "$mnt/repo" >/dev/null; echo "init=$?"
"$ctl" backup --repo "$mnt/repo" --data-dir "$data" >/dev/null; echo "backup=$?"
"$ctl" check --read-data --json --repo "$mnt/repo"; echo "check=$?"
"$ctl" snapshots --json --repo "$mnt/repo"; echo "snapshots=$?"
)";

TEST_F(RepoFaults, BackupOntoAFullFileSystemFailsWithNoSpaceLeftAndTheRepositoryStillChecks) {
  PB_ASSERT_OK(WriteRandomFile(data_ + "/big-1.bin", 24 * kMiB, 21));
  PB_ASSERT_OK(WriteRandomFile(data_ + "/big-2.bin", 24 * kMiB, 22));
  if (!CanUnshareMounts()) {
    GTEST_SKIP() << "needs root and unshare -m; FileSizeLimitMakesTheBackupFail... covers the unprivileged case";
  }
  PB_ASSERT_OK(MakeDirs(Sub("mnt")));
  ChildResult r = RunChild({"unshare", "-m", "sh", "-c", kDiskFullScript, "sh", Sub("mnt"), BinPath("paymentsctl"), data_},
                           CtlEnv(), std::chrono::seconds(90));
  ASSERT_FALSE(r.timed_out) << r.Describe();
  if (r.out.find("mount=failed") != std::string::npos) GTEST_SKIP() << "cannot mount a tmpfs here: " << r.err;
  EXPECT_NE(r.out.find("init=0"), std::string::npos) << r.Describe();
  EXPECT_NE(r.out.find("backup=1"), std::string::npos) << r.Describe();
  EXPECT_NE(r.err.find("paymentsctl backup: I/O error"), std::string::npos) << r.Describe();
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.Describe();
  EXPECT_NE(r.out.find("\"ok\":true"), std::string::npos) << r.Describe();
  EXPECT_NE(r.out.find("check=0"), std::string::npos) << r.Describe();
  EXPECT_NE(r.out.find("\"snapshots\":[]}\nsnapshots=0"), std::string::npos) << "a failed backup wrote a snapshot\n"
                                                                             << r.Describe();
  EXPECT_TRUE(DirEntries(Sub("mnt")).empty()) << "the tmpfs leaked out of its mount namespace";
}

TEST_F(RepoFaults, FileSizeLimitMakesTheBackupFailWithAClearErrorAndTheRepositoryStillChecks) {
  PB_ASSERT_OK(WriteRandomFile(data_ + "/big.bin", 24 * kMiB, 23));
  // prlimit sets RLIMIT_FSIZE for paymentsctl, which ignores SIGXFSZ, so
  // writing a pack past the limit fails with EFBIG instead of killing it.
  ChildResult r = RunChild({"prlimit", "--fsize=" + std::to_string(4 * kMiB), "--", BinPath("paymentsctl"), "backup",
                            "--repo", Repo(), "--data-dir", data_},
                           CtlEnv(), std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("File too large"), std::string::npos) << r.Describe();
  EXPECT_TRUE(DirEntries(Repo() + "/snapshots").empty());
  ExpectCheckReadDataPasses("after the failed backup");
  ChildResult again = Ctl({"backup", "--data-dir", data_});
  EXPECT_EQ(again.exit_code, 0) << "a backup without the limit works again\n" << again.Describe();
}

TEST_F(RepoFaults, BackupByAUserWhoCannotWriteTheRepositoryFailsWithPermissionDenied) {
  if (::geteuid() == 0) {
    // nobody may read everything (so the failure is the write), write nothing.
    ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
    ChildResult chmod = RunChild({"chmod", "-R", "go+rX", Repo(), data_}, {}, std::chrono::seconds(10));
    ASSERT_EQ(chmod.exit_code, 0) << chmod.Describe();
    ChildResult r = RunChild({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", BinPath("paymentsctl"),
                              "backup", "--repo", Repo(), "--data-dir", data_},
                             CtlEnv(), std::chrono::seconds(60));
    if (r.err.find("setpriv:") != std::string::npos) GTEST_SKIP() << "setpriv failed: " << r.err;
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.Describe();
    EXPECT_NE(r.err.find(Repo()), std::string::npos) << "the message names the repository\n" << r.Describe();
    EXPECT_EQ(r.err.find("could not remove"), std::string::npos) << "no lock was written, none to remove\n"
                                                                 << r.Describe();
  } else {
    ASSERT_EQ(::chmod((Repo() + "/locks").c_str(), 0500), 0);
    ChildResult r = Ctl({"backup", "--data-dir", data_});
    ::chmod((Repo() + "/locks").c_str(), 0700);
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.Describe();
  }
  EXPECT_TRUE(DirEntries(Repo() + "/snapshots").empty());
  EXPECT_TRUE(DirEntries(Repo() + "/locks").empty());
}

}  // namespace
}  // namespace pb::integration
