// paymentsctl restore and fresh memory (issue 18): blobs are read, opened
// and decoded into buffers that are reused (repo/buffer_pool.h), never into
// fresh, zeroed ones per blob. Shown causally with the kernel's count of the
// restore process's minor page faults (each first touch of a fresh page):
// restoring 64 MiB more file content touches next to no more fresh memory.
// Before, every blob cost a fresh read buffer, a fresh decrypted copy and a
// fresh decoded copy, each zeroed first: about one fault per 8 KiB restored.
#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <random>

#include "common/file_util.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {


// Writes `size` bytes of log lines to `path`: compressible like an audit
// log, so blobs are decompressed into their buffers. False on an I/O error.
bool WriteLogText(const std::string& path, uint64_t size) {
  std::mt19937_64 random(size);
  std::string text;
  text.reserve(size + 128);
  char line[128];
  for (uint64_t seq = 1; text.size() < size; ++seq) {
    int n = std::snprintf(line, sizeof(line), "seq=%llu orchestrator=bench-%llu amount=0.000001 note=%016llx\n",
                          static_cast<unsigned long long>(seq), static_cast<unsigned long long>(seq % 64),
                          static_cast<unsigned long long>(random()));
    text.append(line, static_cast<size_t>(n));
  }
  text.resize(size);
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out.flush());
}

class RestoreMemoryTest : public BackupTest {
 protected:
  // A data directory with a small journal and an audit/payments-audit.log
  // of `size` bytes; the id of its snapshot.
  std::string SnapshotWithLog(const std::string& name, uint64_t size) {
    const std::string data = Sub(name);
    Status made = MakeJournalDataDir(data, 10);
    if (made.ok()) made = MakeDirs(data + "/audit");
    EXPECT_TRUE(made.ok()) << made.ToString();
    EXPECT_TRUE(WriteLogText(data + "/audit/payments-audit.log", size));
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
  // Reused buffers: the 64 MiB more cost at most a quarter of their pages
  // in fresh memory (measured: 600-800 faults), not about half of them as
  // before (measured: 7,700).
  EXPECT_LT(large_faults - small_faults, extra_pages / 4)
      << "minor faults: " << small_faults << " restoring 8 MiB, " << large_faults << " restoring 72 MiB";
}

}  // namespace
}  // namespace pb::integration
