// Issue 15, flow 7: locks never block recovery. Through the real paymentsctl
// (ctest -R recovery.), with a backup frozen at its stop point "locked:backup"
// (common/stop_point.h: the process stops itself right after taking its
// lock, and the test sees it stopped through waitpid), so every overlap is
// proven by the order of events, not by timing:
//   - a backup killed with its lock on another (lost) host blocks neither
//     restore, snapshots nor check; an exclusive command is refused naming
//     the host, pid and time; `unlock` keeps it (not stale) and says so,
//     `unlock --remove-all` removes it;
//   - an exclusive lock of a lost host (a prune's, or an older paymentsctl's
//     backup) is reported to the readers, which go on, and stops writers;
//   - a lock file that cannot be read is reported and ignored by the
//     read-only commands, stops a backup, and `unlock` removes it;
//   - a restore completes while a backup holds its shared lock, and the
//     backup then completes too.
#include <filesystem>

#include "common/json_text.h"
#include "common/time_util.h"
#include "repo/local/local_backend.h"
#include "repo/lock.h"
#include "repo/repository.h"
#include "common/file_util.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

namespace fs = std::filesystem;

constexpr auto kStopWait = std::chrono::seconds(120);

class RecoveryFlow7 : public BackupTest {
 protected:
  void SetUp() override {
    InitRepo();
    data_ = Sub("data");
    PB_ASSERT_OK(MakeLedgerDataDir(data_, 2000));
    first_ = BackupId(data_, {"--mode", "full"});
    ASSERT_FALSE(first_.empty());
  }

  // paymentsctl backup of data_, started so that it stops right after
  // taking its lock; nullptr (and a failure) unless it did stop there.
  std::unique_ptr<Child> BackupStoppedWithItsLock() {
    ChildOptions env = CtlEnv();
    env.set_env.push_back("PAYMENTS_TEST_STOP_AT=locked:backup");
    auto child = Child::Start(CtlArgv({"backup", "--data-dir", data_, "--mode", "full", "--json", "--repo", Repo()}),
                              env);
    if (!child.ok()) {
      ADD_FAILURE() << child.status().ToString();
      return nullptr;
    }
    if (!(*child)->WaitStopped(kStopWait)) {
      ADD_FAILURE() << "the backup did not stop at \"locked:backup\": " << (*child)->Wait(kStopWait).Describe();
      return nullptr;
    }
    return std::move(child).value();
  }

  std::vector<std::string> Locks() const { return DirEntries(Repo() + "/locks"); }

  void ExpectReadersWork(const std::string& when) {
    ChildResult list = Ctl({"snapshots", "--json"});
    EXPECT_EQ(list.exit_code, 0) << "snapshots " << when << ": " << list.Describe();
    EXPECT_NE(list.out.find(first_), std::string::npos) << when;
    ChildResult check = Ctl({"check"});
    EXPECT_EQ(check.exit_code, 0) << "check " << when << ": " << check.Describe();
    std::string target = Sub("restored-" + std::to_string(++restores_));
    ChildResult restore = Restore(first_, target);
    EXPECT_EQ(restore.exit_code, 0) << "restore " << when << ": " << restore.Describe();
    EXPECT_EQ(CompareTrees(data_, target), "") << when;
  }

  std::string data_, first_;
  int restores_ = 0;
};

TEST_F(RecoveryFlow7, ABackupKilledOnALostHostBlocksNoReaderAndUnlockClearsIt) {
  auto backup = BackupStoppedWithItsLock();
  ASSERT_NE(backup, nullptr);
  const pid_t pid = backup->pid();
  backup->Kill9();
  ASSERT_EQ(Locks().size(), 1u) << "the killed backup left no lock";

  // Its lock, as the lost instance "oldinstance" would have left it.
  {
    auto backend = repo::LocalBackend::Open(Repo());
    ASSERT_TRUE(backend.ok());
    auto repo = repo::Repository::Open(std::move(backend).value(), kRepoPassword);
    ASSERT_TRUE(repo.ok()) << repo.status().ToString();
    const std::string name = Locks().front();
    auto json = (*repo)->LoadFile("locks", name);
    ASSERT_TRUE(json.ok()) << json.status().ToString();
    const std::string host = "\"host\":\"" + repo::HostName() + "\"";
    ASSERT_NE(json->find(host), std::string::npos) << *json;
    std::string moved = *json;
    moved.replace(moved.find(host), host.size(), "\"host\":\"oldinstance\"");
    ASSERT_TRUE((*repo)->SaveFile("locks", moved).ok());
    PB_ASSERT_OK((*repo)->backend().Remove(repo::PathOf("locks", name)));
  }

  ExpectReadersWork("beside a lost host's backup lock");
  ASSERT_EQ(Locks().size(), 1u) << "a reader removed a lock that is not stale";

  // What needs the repository alone is refused, naming the holder.
  ChildResult repair = Ctl({"repair", "--dry-run"});
  EXPECT_EQ(repair.exit_code, 1) << repair.Describe();
  for (const std::string& needle : {std::string("oldinstance"), "pid " + std::to_string(pid), std::string("since "),
                                    std::string("paymentsctl unlock --remove-all")}) {
    EXPECT_NE(repair.err.find(needle), std::string::npos) << needle << ": " << repair.Describe();
  }
  ChildResult keep = Ctl({"unlock"});
  EXPECT_EQ(keep.exit_code, 0) << keep.Describe();
  EXPECT_NE(keep.out.find("kept"), std::string::npos) << keep.Describe();
  EXPECT_NE(keep.out.find("oldinstance"), std::string::npos) << keep.Describe();
  EXPECT_EQ(Locks().size(), 1u) << "unlock removed a lock that is not stale";
  ChildResult all = Ctl({"unlock", "--remove-all"});
  EXPECT_EQ(all.exit_code, 0) << all.Describe();
  EXPECT_NE(all.out.find("removed"), std::string::npos) << all.Describe();
  EXPECT_TRUE(Locks().empty());
  repair = Ctl({"repair", "--dry-run"});
  EXPECT_EQ(repair.exit_code, 0) << repair.Describe();
}

TEST_F(RecoveryFlow7, AnExclusiveLockOfALostHostIsReportedToReadersWhichGoOn) {
  // As a prune, or a backup of a paymentsctl from before backups shared the
  // repository, leaves it when its instance is lost.
  {
    auto backend = repo::LocalBackend::Open(Repo());
    ASSERT_TRUE(backend.ok());
    auto repo = repo::Repository::Open(std::move(backend).value(), kRepoPassword);
    ASSERT_TRUE(repo.ok()) << repo.status().ToString();
    std::string json;
    JsonObject(&json)
        .Str("host", "oldinstance")
        .UInt("pid", 4242)
        .Str("time", FormatIso8601(NowMillis()))
        .Bool("exclusive", true)
        .Str("operation", "backup")
        .Close();
    ASSERT_TRUE((*repo)->SaveFile("locks", json).ok());
  }
  ExpectReadersWork("beside a lost host's exclusive lock");
  ChildResult list = Ctl({"snapshots"});
  EXPECT_NE(list.err.find("pid 4242 on oldinstance"), std::string::npos) << "readers must report it: "
                                                                         << list.Describe();
  ChildResult backup = Ctl({"backup", "--data-dir", data_});
  EXPECT_EQ(backup.exit_code, 1) << "a writer must wait for it: " << backup.Describe();
  EXPECT_NE(backup.err.find("pid 4242 on oldinstance"), std::string::npos) << backup.Describe();
  EXPECT_EQ(Ctl({"unlock", "--remove-all"}).exit_code, 0);
  EXPECT_FALSE(Backup(data_).empty());
}

TEST_F(RecoveryFlow7, AGarbageLockFileIsIgnoredByReadersAndRemovedByUnlock) {
  PB_ASSERT_OK(WriteFileAtomic(Repo() + "/locks/garbage", "not a lock\n"));
  ExpectReadersWork("with a garbage lock file");
  ChildResult ls = Ctl({"ls", first_});
  EXPECT_EQ(ls.exit_code, 0) << ls.Describe();
  EXPECT_NE(ls.err.find("locks/garbage"), std::string::npos) << "the garbage lock file is not reported: "
                                                             << ls.Describe();
  // A backup may not ignore it (it could be a prune's damaged lock).
  ChildResult backup = Ctl({"backup", "--data-dir", data_});
  EXPECT_EQ(backup.exit_code, 1) << backup.Describe();
  EXPECT_NE(backup.err.find("locks/garbage"), std::string::npos) << backup.Describe();
  EXPECT_NE(backup.err.find("paymentsctl unlock"), std::string::npos) << backup.Describe();

  ChildResult unlock = Ctl({"unlock"});
  EXPECT_EQ(unlock.exit_code, 0) << unlock.Describe();
  EXPECT_NE(unlock.out.find("removed locks/garbage"), std::string::npos) << unlock.Describe();
  EXPECT_TRUE(Locks().empty());
  EXPECT_FALSE(Backup(data_).empty());
}

TEST_F(RecoveryFlow7, RestoreCompletesWhileABackupHoldsItsSharedLock) {
  auto backup = BackupStoppedWithItsLock();
  ASSERT_NE(backup, nullptr);
  ASSERT_EQ(Locks().size(), 1u) << "the stopped backup holds no lock";
  ExpectReadersWork("while a backup holds its lock");
  EXPECT_EQ(Locks().size(), 1u) << "the backup's lock was removed under it";
  backup->Continue();
  ChildResult done = backup->Wait(kStopWait);
  ASSERT_EQ(done.exit_code, 0) << done.Describe();
  JsonDoc doc(done.out);
  std::string target = Sub("after-backup");
  ChildResult restore = Restore(doc.Str("snapshot_id"), target);
  EXPECT_EQ(restore.exit_code, 0) << restore.Describe();
  EXPECT_EQ(CompareTrees(data_, target), "");
  EXPECT_TRUE(Locks().empty());
}

}  // namespace
}  // namespace pb::integration
