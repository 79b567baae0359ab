// paymentsctl restore and fresh memory (issue 18): blobs are read, opened
// and decoded into buffers that are reused (repo/buffer_pool.h), never into
// fresh, zeroed ones per blob. Shown causally with the kernel's count of the
// restore process's minor page faults (each first touch of a fresh page):
// restoring 64 MiB more file content touches next to no more fresh memory.
// Before, every blob cost a fresh read buffer, a fresh decrypted copy and a
// fresh decoded copy, each zeroed first: about one fault per 4 KiB restored.
#include <sys/resource.h>

#include "common/file_util.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

class RestoreMemoryTest : public BackupTest {
 protected:
  // A data directory with a small journal and an incompressible
  // audit/payments-audit.log of `size` bytes; the id of its snapshot.
  std::string SnapshotWithLog(const std::string& name, uint64_t size) {
    const std::string data = Sub(name);
    Status made = MakeJournalDataDir(data, 10);
    if (made.ok()) made = MakeDirs(data + "/audit");
    if (made.ok()) made = WriteRandomFile(data + "/audit/payments-audit.log", size, size);
    EXPECT_TRUE(made.ok()) << made.ToString();
    return BackupId(data, {"--mode", "full"});  // essential would leave the log out
  }

  // The minor page faults of restoring `snapshot` (of the data directory
  // `name`) into `target`; the restore must succeed and give back the tree.
  long RestoreFaults(const std::string& snapshot, const std::string& name, const std::string& target) {
    struct rusage before {};
    struct rusage after {};
    ::getrusage(RUSAGE_CHILDREN, &before);
    ChildResult r = Restore(snapshot, Sub(target));
    ::getrusage(RUSAGE_CHILDREN, &after);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_EQ(CompareTrees(Sub(name), Sub(target)), "");
    return after.ru_minflt - before.ru_minflt;
  }
};

TEST_F(RestoreMemoryTest, MoreRestoredBytesTouchNoMoreFreshMemory) {
  InitRepo();
  const std::string small = SnapshotWithLog("small", 8 * kMiB);
  const std::string large = SnapshotWithLog("large", 72 * kMiB);
  ASSERT_FALSE(small.empty());
  ASSERT_FALSE(large.empty());
  // Warm up the same code paths once (shared libraries, the KDF), then compare.
  RestoreFaults(small, "small", "warm-up");
  const long small_faults = RestoreFaults(small, "small", "restored-small");
  const long large_faults = RestoreFaults(large, "large", "restored-large");
  const long extra_pages = static_cast<long>(64 * kMiB / 4096);
  // Reused buffers: the 64 MiB more cost at most a third of their pages in
  // fresh memory (the pool growing to larger runs: measured 3,000 faults),
  // not about one per page as before (measured 14,700).
  EXPECT_LT(large_faults - small_faults, extra_pages / 3)
      << "minor faults: " << small_faults << " restoring 8 MiB, " << large_faults << " restoring 72 MiB";
}

}  // namespace
}  // namespace pb::integration
