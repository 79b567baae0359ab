// ledger::DataDirLock: one holder at a time, named in the refusal; released
// when destroyed; a LOCK file left behind (or a symlink planted as LOCK)
// never lets a second holder in nor truncates another file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

#include "common/file_util.h"
#include "ledger/data_dir_lock.h"
#include "support/temp_dir.h"

namespace pb::ledger {
namespace {

TEST(DataDirLockTest, SecondHolderIsRefusedNamingTheFirstUntilItIsReleased) {
  pb::testing::TempDir dir;
  auto first = DataDirLock::Acquire(dir.path(), "payments-backend");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto content = ReadFile(dir.Sub("LOCK"));
  ASSERT_TRUE(content.ok());
  const std::string holder = "payments-backend pid " + std::to_string(::getpid()) + " on ";
  EXPECT_EQ(content->rfind(holder, 0), 0u) << *content;
  EXPECT_NE(content->find(" since 20"), std::string::npos) << *content;
  EXPECT_EQ(content->back(), '\n');

  auto second = DataDirLock::Acquire(dir.path(), "paymentsctl restore");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().kind(), Status::Kind::kConflict);
  EXPECT_NE(second.status().message().find(dir.path() + " is in use by " + holder), std::string::npos)
      << second.status().ToString();
  EXPECT_EQ(*ReadFile(dir.Sub("LOCK")), *content) << "a refused process wrote into LOCK";

  first->reset();
  auto third = DataDirLock::Acquire(dir.path(), "paymentsctl restore");
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ(ReadFile(dir.Sub("LOCK"))->rfind("paymentsctl restore pid ", 0), 0u);
}

TEST(DataDirLockTest, StaleContentDoesNotBlockAndIsReplaced) {
  pb::testing::TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.Sub("LOCK"), "payments-backend pid 1 on gone since 2020-01-01T00:00:00.000Z "
                                               "and a much longer line than the new one\n")
                  .ok());
  auto lock = DataDirLock::Acquire(dir.path(), "payments-backend");
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  std::string content = *ReadFile(dir.Sub("LOCK"));
  EXPECT_EQ(content.find("gone"), std::string::npos) << content;
  EXPECT_EQ(std::count(content.begin(), content.end(), '\n'), 1) << content;
}

TEST(DataDirLockTest, SymlinkAsLockIsRefusedAndItsTargetUntouched) {
  pb::testing::TempDir dir;
  ASSERT_TRUE(MakeDirs(dir.Sub("data")).ok());
  ASSERT_TRUE(WriteFileAtomic(dir.Sub("precious"), "keep me").ok());
  ASSERT_EQ(::symlink(dir.Sub("precious").c_str(), dir.Sub("data/LOCK").c_str()), 0);
  auto lock = DataDirLock::Acquire(dir.Sub("data"), "payments-backend");
  ASSERT_FALSE(lock.ok());
  EXPECT_NE(lock.status().message().find(dir.Sub("data/LOCK")), std::string::npos) << lock.status().ToString();
  EXPECT_EQ(*ReadFile(dir.Sub("precious")), "keep me");
}

TEST(DataDirLockTest, MissingDirectoryIsAnErrorNamingThePath) {
  pb::testing::TempDir dir;
  auto lock = DataDirLock::Acquire(dir.Sub("absent"), "payments-backend");
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().kind(), Status::Kind::kIOError);
  EXPECT_NE(lock.status().message().find(dir.Sub("absent/LOCK")), std::string::npos) << lock.status().ToString();
}

}  // namespace
}  // namespace pb::ledger
