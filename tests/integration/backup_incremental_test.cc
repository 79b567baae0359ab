// Incremental backups whose cost follows the change (ctest -R
// service.BackupIncremental): a `full` backup after an `essential` one
// reuses the big files of the previous `full` snapshot, and a database
// whose pages were rewritten in place is hashed along its old chunks and
// chunked only where it changed. Both snapshots restore byte for byte.
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "common/file_util.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {


class BackupIncremental : public BackupTest {
 protected:
  // A journal-only data directory plus the two files only `full` backs up.
  void SetUp() override {
    PB_ASSERT_OK(MakeJournalDataDir(data_, 500));
    PB_ASSERT_OK(WriteRandomFile(data_ + "/audit/payments-audit.log", 24 * kMiB, 21));
    PB_ASSERT_OK(WriteRandomFile(db_, 32 * kMiB, 22));
    InitRepo();
  }

  // Rewrites `pages` 64 KiB pages of the database in place (same inode),
  // spread over the file, as SQLite does to a live database.
  void RewritePages(int pages, uint64_t seed) {
    ScopedFd fd(::open(db_.c_str(), O_WRONLY | O_CLOEXEC));
    ASSERT_GE(fd.get(), 0) << db_;
    const uint64_t stride = 32 * kMiB / static_cast<uint64_t>(pages);
    for (int i = 0; i < pages; ++i) {
      const std::string page = RandomBytes(kPage, seed + static_cast<uint64_t>(i));
      const off_t at = static_cast<off_t>(static_cast<uint64_t>(i) * stride + 3 * kPage);
      ASSERT_EQ(::pwrite(fd.get(), page.data(), page.size(), at), static_cast<ssize_t>(page.size()));
    }
  }

  void ExpectRestoresTheDataDir(const std::string& snapshot, const std::string& name) {
    ChildResult restore = Restore(snapshot, Sub(name));
    ASSERT_EQ(restore.exit_code, 0) << restore.Describe();
    EXPECT_EQ(CompareTrees(data_, Sub(name)), "");
  }

  const std::string data_ = Sub("data");
  const std::string db_ = data_ + "/audit/docker.db";
};

TEST_F(BackupIncremental, FullAfterEssentialReusesThePreviousFullsBigFiles) {
  JsonDoc full(Backup(data_, {"--mode", "full"}));
  ASSERT_TRUE(full.ok());
  EXPECT_GE(full.UInt("bytes_read"), 56 * kMiB);
  JsonDoc essential(Backup(data_, {"--mode", "essential"}));
  ASSERT_TRUE(essential.ok());
  EXPECT_LT(essential.UInt("files"), full.UInt("files"));

  const std::string again_text = Backup(data_, {"--mode", "full"});
  JsonDoc again(again_text);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.Str("parent_id"), essential.Str("snapshot_id"));
  EXPECT_EQ(again.UInt("files"), full.UInt("files"));
  EXPECT_EQ(again.UInt("files_unchanged"), again.UInt("files")) << again_text;
  EXPECT_LT(again.UInt("bytes_read"), 1 * kMiB) << again_text;
  EXPECT_LT(again.UInt("new_bytes"), 1 * kMiB) << again_text;
  ExpectRestoresTheDataDir(again.Str("snapshot_id"), "restored");
}

TEST_F(BackupIncremental, PagesRewrittenInPlaceAreHashedNotChunked) {
  JsonDoc first(Backup(data_, {"--mode", "full"}));
  ASSERT_TRUE(first.ok());
  RewritePages(8, 31);

  const std::string second_text = Backup(data_, {"--mode", "full"});
  JsonDoc second(second_text);
  ASSERT_TRUE(second.ok());
  // The whole database is read and hashed along its old chunks (~1 MiB
  // each); only the chunks holding a rewritten page (8 pages, at most two
  // chunks each, at most 8 MiB each but ~1 MiB on average) are chunked.
  EXPECT_GE(second.UInt("bytes_hashed"), 30 * kMiB) << second_text;
  EXPECT_LT(second.UInt("bytes_chunked"), 16 * kMiB) << second_text;
  EXPECT_EQ(second.UInt("bytes_read"), second.UInt("bytes_hashed") + second.UInt("bytes_chunked")) << second_text;
  EXPECT_LT(second.UInt("new_bytes"), 16 * kMiB) << second_text;
  ExpectRestoresTheDataDir(second.Str("snapshot_id"), "restored");

  // It grows (pages appended) and pages change again: the old chunks still
  // match where unchanged, the tail is chunked from the old last chunk on.
  RewritePages(3, 41);
  PB_ASSERT_OK(AppendRandom(db_, 4 * kPage, 42));
  const std::string third_text = Backup(data_, {"--mode", "full"});
  JsonDoc third(third_text);
  ASSERT_TRUE(third.ok());
  EXPECT_GE(third.UInt("bytes_hashed"), 24 * kMiB) << third_text;
  EXPECT_LT(third.UInt("bytes_chunked"), 20 * kMiB) << third_text;
  ExpectRestoresTheDataDir(third.Str("snapshot_id"), "restored-grown");
  ExpectCheckReadDataPasses("after the in-place backups");
}

}  // namespace
}  // namespace pb::integration
