// A file that grew since the parent snapshot (ctest -R service.BackupGrownFile):
// only an append-only log of the service (ledger::IsAppendOnlyLog) is read
// from its parent's last chunk on; any other file that grew may have changed
// anywhere (SQLite rewrites pages of audit/docker.db and extends it), so its
// old chunks are compared one by one and a page changed in the middle is
// stored. Every snapshot restores byte for byte.
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "common/file_util.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

constexpr uint64_t kOldSize = 16 * kMiB;  // ~16 chunks: the middle is neither the first nor the last

class BackupGrownFile : public BackupTest {
 protected:
  // A journal-only data directory (no checkpoint files) plus the request
  // log, the database and a file named like a log that the service never
  // writes; every backup is `full`, so all of them are selected.
  void SetUp() override {
    PB_ASSERT_OK(MakeJournalDataDir(data_, 200));
    PB_ASSERT_OK(WriteRandomFile(access_log_, kOldSize, 51));
    PB_ASSERT_OK(WriteRandomFile(db_, kOldSize, 52));
    PB_ASSERT_OK(WriteRandomFile(other_log_, kOldSize, 53));
    InitRepo();
  }

  // backup --mode full --json; an invalid doc (and a test failure) unless it succeeded.
  JsonDoc BackupFull(std::string* text) {
    *text = Backup(data_, {"--mode", "full"});
    return JsonDoc(*text);
  }

  // What a writer that rewrites pages in place does (SQLite): one page
  // rewritten in the middle of the file, then pages added at its end, with
  // ordinary writes (the file's mtime and ctime move as they would).
  void RewriteMiddleAndGrow(const std::string& path, uint64_t seed) {
    ScopedFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    ASSERT_GE(fd.get(), 0) << path;
    const std::string page = RandomBytes(kPage, seed);
    ASSERT_EQ(::pwrite(fd.get(), page.data(), page.size(), static_cast<off_t>(kOldSize / 2)),
              static_cast<ssize_t>(page.size()));
    const std::string added = RandomBytes(4 * kPage, seed + 1);
    ASSERT_EQ(::pwrite(fd.get(), added.data(), added.size(), static_cast<off_t>(kOldSize)),
              static_cast<ssize_t>(added.size()));
  }

  void ExpectRestoresTheDataDir(const std::string& snapshot, const std::string& name) {
    ChildResult restore = Restore(snapshot, Sub(name));
    ASSERT_EQ(restore.exit_code, 0) << restore.Describe();
    EXPECT_EQ(CompareTrees(data_, Sub(name)), "");
    EXPECT_EQ(ReadFileOrEmpty(Sub(name) + "/audit/docker.db"), ReadFileOrEmpty(db_)) << "audit/docker.db differs";
  }

  const std::string data_ = Sub("data");
  const std::string access_log_ = data_ + "/audit/payments-audit.log";
  const std::string db_ = data_ + "/audit/docker.db";
  const std::string other_log_ = data_ + "/audit/old-requests.log";  // not a log the service writes
};

TEST_F(BackupGrownFile, AGrownFileChangedInTheMiddleRestoresItsNewBytes) {
  std::string first_text;
  JsonDoc first = BackupFull(&first_text);
  ASSERT_TRUE(first.ok());
  RewriteMiddleAndGrow(db_, 61);
  RewriteMiddleAndGrow(other_log_, 71);

  std::string second_text;
  JsonDoc second = BackupFull(&second_text);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.Str("parent_id"), first.Str("snapshot_id"));
  // Neither is taken for an append: both are compared along their old
  // chunks (hashed), and only where they changed are they chunked again.
  EXPECT_EQ(second.UInt("files_grown"), 0u) << second_text;
  EXPECT_EQ(second.UInt("files_read"), 2u) << second_text;
  EXPECT_GE(second.UInt("bytes_hashed"), kOldSize) << second_text;
  EXPECT_LT(second.UInt("bytes_chunked"), 2 * kOldSize) << second_text;
  ExpectRestoresTheDataDir(second.Str("snapshot_id"), "restored");
}

TEST_F(BackupGrownFile, AnAppendedRequestLogIsReadFromItsLastChunkAndARefilledOneIsNot) {
  std::string first_text;
  JsonDoc first = BackupFull(&first_text);
  ASSERT_TRUE(first.ok());
  PB_ASSERT_OK(AppendRandom(access_log_, 1 * kMiB, 81));

  std::string second_text;
  JsonDoc second = BackupFull(&second_text);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.UInt("files_grown"), 1u) << second_text;
  EXPECT_EQ(second.UInt("files_read"), 0u) << second_text;
  EXPECT_EQ(second.UInt("files_unchanged"), second.UInt("files") - 1) << second_text;
  EXPECT_EQ(second.UInt("bytes_hashed"), 0u) << second_text;
  EXPECT_LT(second.UInt("bytes_read"), kOldSize / 2) << second_text;  // the old last chunk and the new bytes
  ExpectRestoresTheDataDir(second.Str("snapshot_id"), "restored-appended");

  // Truncated by an operator (docs/backups.md: copy it away, then
  // truncate -s 0) and refilled past its old size: the same inode, larger,
  // but its first old chunk no longer matches, so it is not an append.
  PB_ASSERT_OK(TruncateFile(access_log_, 0));
  PB_ASSERT_OK(AppendRandom(access_log_, kOldSize + 2 * kMiB, 82));
  std::string third_text;
  JsonDoc third = BackupFull(&third_text);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third.UInt("files_grown"), 0u) << third_text;
  EXPECT_EQ(third.UInt("files_read"), 1u) << third_text;
  ExpectRestoresTheDataDir(third.Str("snapshot_id"), "restored-refilled");
}

}  // namespace
}  // namespace pb::integration
