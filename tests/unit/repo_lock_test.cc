// Repository locks (repo/lock.h, docs/repository-format.md "Locks"): an
// exclusive lock excludes every other lock, shared locks (readers and
// backups) coexist, a refusal names the holder, stale locks (older than 30
// minutes, or of a dead process on this host) are removed by the next
// locker, a lock file that cannot be read is ignored by readers only, a
// released lock leaves no file behind, and RemoveLocks (`paymentsctl
// unlock`) removes what is stale or unreadable, or everything.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "common/json_text.h"
#include "common/time_util.h"
#include "repo/lock.h"
#include "repo/repository.h"
#include "repo_test_util.h"
#include "support/temp_dir.h"

namespace pb::testing {
namespace {

using repo::LockMode;
using repo::RepoLock;
using Kind = Status::Kind;

class LockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.Sub("repo");
    InitRepo(dir_);
    auto a = OpenRepo(dir_, kRepoPassword, false);
    auto b = OpenRepo(dir_, kRepoPassword, false);
    ASSERT_TRUE(a.ok() && b.ok());
    first_ = std::move(a).value();
    second_ = std::move(b).value();
  }

  std::set<std::string> Locks() { return Entries(dir_ + "/locks"); }

  // Writes a lock file as another process would; returns its name.
  std::string PlantLock(const std::string& host, uint64_t pid, int64_t time_ms, bool exclusive,
                        const std::string& operation) {
    std::string json;
    JsonObject(&json)
        .Str("host", host)
        .UInt("pid", pid)
        .Str("time", FormatIso8601(time_ms))
        .Bool("exclusive", exclusive)
        .Str("operation", operation)
        .Close();
    auto name = first_->SaveFile("locks", json);
    EXPECT_TRUE(name.ok()) << name.status().ToString();
    return name.ok() ? *name : "";
  }

  // What spdlog printed while `repo` took (or was refused) the lock `mode`
  // for `operation`, then released it; *ok tells whether it was granted.
  static std::string LogOfAcquire(repo::Repository* repo, LockMode mode, const std::string& operation, bool* ok) {
    std::ostringstream log;
    auto previous = spdlog::default_logger();
    spdlog::set_default_logger(
        std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
    *ok = RepoLock::Acquire(repo, mode, operation).ok();
    spdlog::set_default_logger(previous);
    return log.str();
  }

  // The pid of a process that has exited and been reaped.
  static pid_t DeadPid() {
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return pid;
  }

  TempDir tmp_;
  std::string dir_;
  std::unique_ptr<repo::Repository> first_, second_;
};

TEST_F(LockTest, TwoExclusiveLocksConflictAndTheRefusalNamesTheHolder) {
  auto held = RepoLock::Acquire(first_.get(), LockMode::kExclusive, "prune");
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  EXPECT_EQ(Locks().size(), 1u);
  auto refused = RepoLock::Acquire(second_.get(), LockMode::kExclusive, "forget");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().kind(), Kind::kConflict);
  const std::string& msg = refused.status().message();
  EXPECT_NE(msg.find("locked by prune"), std::string::npos) << msg;
  EXPECT_NE(msg.find("pid " + std::to_string(::getpid())), std::string::npos) << msg;
  EXPECT_NE(msg.find(repo::HostName()), std::string::npos) << msg;
  EXPECT_EQ(Locks().size(), 1u) << "the refused locker left its lock file";
}

TEST_F(LockTest, ARefusedLockerRemovesItsLockFileOnceWithoutWarnings) {
  auto held = RepoLock::Acquire(first_.get(), LockMode::kExclusive, "backup");
  ASSERT_TRUE(held.ok());
  bool granted = true;
  std::string log = LogOfAcquire(second_.get(), LockMode::kExclusive, "forget", &granted);
  EXPECT_FALSE(granted);
  EXPECT_EQ(log, "") << "a refused Acquire should not warn about its own lock file";
  EXPECT_EQ(Locks().size(), 1u);
}

TEST_F(LockTest, SharedLocksCoexist) {
  auto a = RepoLock::Acquire(first_.get(), LockMode::kRead, "restore");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto b = RepoLock::Acquire(second_.get(), LockMode::kRead, "check");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(Locks().size(), 2u);
}

TEST_F(LockTest, SharedAndExclusiveConflictEitherWay) {
  {
    auto shared = RepoLock::Acquire(first_.get(), LockMode::kRead, "restore");
    ASSERT_TRUE(shared.ok());
    auto exclusive = RepoLock::Acquire(second_.get(), LockMode::kExclusive, "backup");
    ASSERT_FALSE(exclusive.ok());
    EXPECT_EQ(exclusive.status().kind(), Kind::kConflict);
    EXPECT_NE(exclusive.status().message().find("locked by restore"), std::string::npos)
        << exclusive.status().message();
  }
  EXPECT_TRUE(Locks().empty());
  auto exclusive = RepoLock::Acquire(first_.get(), LockMode::kExclusive, "prune");
  ASSERT_TRUE(exclusive.ok());
  auto shared = RepoLock::Acquire(second_.get(), LockMode::kRead, "snapshots");
  ASSERT_FALSE(shared.ok());
  EXPECT_EQ(shared.status().kind(), Kind::kConflict);
  EXPECT_NE(shared.status().message().find("locked by prune"), std::string::npos) << shared.status().message();
}

TEST_F(LockTest, ReleasingRemovesTheLockFile) {
  {
    auto lock = RepoLock::Acquire(first_.get(), LockMode::kExclusive, "backup");
    ASSERT_TRUE(lock.ok());
    EXPECT_EQ(Locks().size(), 1u);
  }
  EXPECT_TRUE(Locks().empty());
  // And the repository can be locked again at once.
  auto again = RepoLock::Acquire(second_.get(), LockMode::kExclusive, "forget");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
}

TEST_F(LockTest, ALockOlderThanThirtyMinutesIsRemovedByTheNextLocker) {
  // Held by this (live) process and host, but not refreshed for 31 minutes.
  std::string stale = PlantLock(repo::HostName(), static_cast<uint64_t>(::getpid()),
                                NowMillis() - 31 * 60 * 1000, true, "backup");
  auto lock = RepoLock::Acquire(second_.get(), LockMode::kExclusive, "forget");
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  EXPECT_FALSE(Locks().count(stale));
  EXPECT_EQ(Locks().size(), 1u);
}

TEST_F(LockTest, ALockOfADeadProcessOnThisHostIsRemovedByTheNextLocker) {
  std::string stale = PlantLock(repo::HostName(), static_cast<uint64_t>(DeadPid()), NowMillis(), true, "backup");
  auto lock = RepoLock::Acquire(second_.get(), LockMode::kExclusive, "forget");
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  EXPECT_FALSE(Locks().count(stale));
  EXPECT_EQ(Locks().size(), 1u);
}

TEST_F(LockTest, ARecentExclusiveLockOfAnotherHostStopsWritersAndIsReportedToReaders) {
  // Its pid means nothing here: only its age can make it stale.
  std::string other = PlantLock("another-host.example", static_cast<uint64_t>(DeadPid()), NowMillis() - 60 * 1000,
                                true, "prune");
  auto refused = RepoLock::Acquire(second_.get(), LockMode::kAppend, "backup");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("another-host.example"), std::string::npos)
      << refused.status().message();
  bool granted = false;
  std::string log = LogOfAcquire(second_.get(), LockMode::kRead, "restore", &granted);
  EXPECT_TRUE(granted);
  EXPECT_NE(log.find("prune (exclusive, pid"), std::string::npos) << log;
  EXPECT_NE(log.find("another-host.example"), std::string::npos) << log;
  EXPECT_EQ(Locks(), std::set<std::string>{other});
}

TEST_F(LockTest, AStaleSharedLockDoesNotBlockAndALiveOneStays) {
  std::string stale = PlantLock(repo::HostName(), static_cast<uint64_t>(DeadPid()), NowMillis(), false, "restore");
  std::string live = PlantLock("another-host.example", 1, NowMillis(), false, "check");
  auto shared = RepoLock::Acquire(second_.get(), LockMode::kRead, "ls");
  ASSERT_TRUE(shared.ok()) << shared.status().ToString();
  std::set<std::string> locks = Locks();
  EXPECT_FALSE(locks.count(stale));
  EXPECT_TRUE(locks.count(live));
  EXPECT_EQ(locks.size(), 2u);
}

TEST_F(LockTest, ADamagedLockFileIsNamed) {
  std::string name = PlantLock("h", 1, NowMillis(), false, "x");
  std::string path = dir_ + "/locks/" + name;
  std::string bytes = ReadBytes(path);
  bytes[bytes.size() / 2] ^= 1;
  WriteBytes(path, bytes);
  auto refused = RepoLock::Acquire(second_.get(), LockMode::kExclusive, "backup");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("locks/" + name), std::string::npos) << refused.status().message();
  EXPECT_EQ(Locks(), std::set<std::string>{name});
}

TEST_F(LockTest, BackupsShareTheRepositoryWithEachOtherAndWithReaders) {
  auto backup = RepoLock::Acquire(first_.get(), LockMode::kAppend, "backup");
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  auto other = RepoLock::Acquire(second_.get(), LockMode::kAppend, "backup");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  auto reader = RepoLock::Acquire(second_.get(), LockMode::kRead, "restore");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto prune = RepoLock::Acquire(second_.get(), LockMode::kExclusive, "prune");
  ASSERT_FALSE(prune.ok());
  EXPECT_NE(prune.status().message().find(" (shared, pid "), std::string::npos) << prune.status().message();
  EXPECT_NE(prune.status().message().find("paymentsctl unlock"), std::string::npos) << prune.status().message();
}

TEST_F(LockTest, ADamagedLockFileIsIgnoredByReadersOnly) {
  std::string name = PlantLock("h", 1, NowMillis(), true, "prune");
  std::string path = dir_ + "/locks/" + name;
  std::string bytes = ReadBytes(path);
  bytes[bytes.size() / 2] ^= 1;
  WriteBytes(path, bytes);
  bool granted = false;
  std::string log = LogOfAcquire(second_.get(), LockMode::kRead, "snapshots", &granted);
  EXPECT_TRUE(granted);
  EXPECT_NE(log.find("locks/" + name), std::string::npos) << "the reader did not report it: " << log;
  auto backup = RepoLock::Acquire(second_.get(), LockMode::kAppend, "backup");
  ASSERT_FALSE(backup.ok());
  EXPECT_NE(backup.status().message().find("locks/" + name), std::string::npos) << backup.status().message();
  EXPECT_EQ(Locks(), std::set<std::string>{name});
}

TEST_F(LockTest, RemoveLocksRemovesStaleAndUnreadableLocksAndKeepsLiveOnesUnlessAll) {
  std::string dead = PlantLock(repo::HostName(), static_cast<uint64_t>(DeadPid()), NowMillis(), false, "backup");
  std::string old = PlantLock("lost-host", 7, NowMillis() - 31 * 60 * 1000, true, "prune");
  std::string live = PlantLock("lost-host", 8, NowMillis(), false, "backup");
  std::string garbage = "garbage";
  WriteBytes(dir_ + "/locks/" + garbage, "not a lock");
  auto report = repo::RemoveLocks(first_.get(), /*remove_all=*/false);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->removed.size(), 3u) << Lines(report->removed);
  ASSERT_EQ(report->kept.size(), 1u);
  EXPECT_NE(report->kept[0].find("pid 8 on lost-host"), std::string::npos) << report->kept[0];
  EXPECT_EQ(Locks(), std::set<std::string>{live});
  report = repo::RemoveLocks(first_.get(), /*remove_all=*/true);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->removed.size(), 1u);
  EXPECT_TRUE(Locks().empty());
}

}  // namespace
}  // namespace pb::testing
