// Issue 15, flow 3: `restore <snapshot> --at T` restores the ledger as of T
// whatever snapshot is named: the earliest snapshot (or shipped journal) of
// that data directory that holds a record after T, cut back after the last
// record at or before T; a T that cannot be reached exactly (before the
// first record, after everything the repository holds, in a gap of the
// shipped journal) is refused with the reachable range, and nothing is put
// in place.
//
// The ledger is written by bench-journal-gen in batches: every record of a
// batch has the same ts, read from the clock when the batch starts, so a T
// read from the same clock after a batch ended and before the next one
// started falls exactly between them.
#include <signal.h>

#include <filesystem>
#include <thread>

#include "common/file_util.h"
#include "common/time_util.h"
#include "repo/wal.h"
#include "support/backup_fixture.h"
#include "support/replication_fixture.h"

namespace pb::integration {
namespace {

using namespace std::chrono_literals;

// A time T read from the clock, returned once the clock has moved past it:
// every record written before the call has ts <= T, every record written
// after it ts > T.
int64_t TimeBetweenRecords() {
  const int64_t t = NowMillis();
  while (NowMillis() <= t) std::this_thread::yield();
  return t;
}

// Three batches and two snapshots: S1 holds batch 1, S2 holds all three. T
// falls between batch 2 (not in S1) and batch 3.
class RecoveryFlow3 : public BackupTest {
 protected:
  void SetUp() override {
    data_ = Sub("data");
    end1_ = GenerateJournal(data_, 300, false);
    InitRepo();
    s1_ = JsonDoc(Backup(data_)).Str("snapshot_id");
    TimeBetweenRecords();
    end2_ = GenerateJournal(data_, 100, true);
    t_ = TimeBetweenRecords();
    end3_ = GenerateJournal(data_, 50, true);
    JsonDoc s2(Backup(data_));
    s2_ = s2.Str("snapshot_id");
    ASSERT_TRUE(end1_ > 0 && end2_ > end1_ && end3_ > end2_ && !s1_.empty() && !s2_.empty());
    ASSERT_EQ(s2.UInt("journal_seq"), end3_);
  }

  std::string data_, s1_, s2_;
  uint64_t end1_ = 0, end2_ = 0, end3_ = 0;
  int64_t t_ = 0;
};

TEST_F(RecoveryFlow3, AtRestoresTheLastRecordAtOrBeforeTWhateverTheSnapshotNamed) {
  // Before the fix, `latest --at T` and `<S1> --at T` restored S1 (seq
  // end1_): the 100 credits between S1 and T were lost, exit 0.
  for (const std::string& named : {std::string("latest"), s1_, s2_}) {
    SCOPED_TRACE("restore " + named + " --at T");
    const std::string out = Sub("at-" + named.substr(0, 6));
    ChildResult r = Restore(named, out, {"--at", FormatIso8601(t_)});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    JsonDoc doc(r.out);
    EXPECT_EQ(doc.UInt("journal_seq"), end2_) << r.out;
    EXPECT_EQ(doc.Str("snapshot_id"), s2_) << "the earliest snapshot holding a record after T";
    EXPECT_TRUE(doc.Bool("verified")) << r.out;
    auto ids = JournalWorkloadIds(out);
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    EXPECT_EQ(ids->size(), 400u);  // batches 1 and 2, not batch 3
    RunOutput verify = RunVerify(out);
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
  }
}

TEST_F(RecoveryFlow3, AtOutsideTheReachableRangeIsRefusedNamingTheRangeAndNothingIsPutInPlace) {
  const std::string early = Sub("too-early");
  ChildResult r = Restore("latest", early, {"--at", "2000-01-01T00:00:00Z"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("before the first record"), std::string::npos) << r.Describe();
  EXPECT_NE(r.err.find("can restore the ledger of"), std::string::npos) << r.Describe();
  EXPECT_FALSE(FileExists(early));

  // After S2 was taken and after its last record: whatever happened between
  // S2 and then is not in the repository. Before the fix: exit 0, seq end3_.
  const std::string late = Sub("too-late");
  r = Restore(s1_, late, {"--at", FormatIso8601(NowMillis() + 3600 * 1000)});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("after everything the repository holds"), std::string::npos) << r.Describe();
  EXPECT_NE(r.err.find("its last record is seq " + std::to_string(end3_)), std::string::npos) << r.Describe();
  EXPECT_NE(r.err.find("can restore the ledger of"), std::string::npos) << r.Describe();
  EXPECT_FALSE(FileExists(late));
  EXPECT_EQ(DirEntries(dir_.path()), (std::vector<std::string>{"data", "repo"})) << "no staging directory left";
}

// The shipped journal: batch 1 in the replicator's first snapshot, batches
// 2, 3 and 4 shipped as wal objects, then batch 3's objects lost.
class RecoveryFlow3Shipped : public ReplicateTest {
 protected:
  ChildResult RestoreAt(const std::string& to, int64_t at) {
    return Ctl({"restore", "latest", "--to", to, "--at", FormatIso8601(at), "--json"});
  }
};

TEST_F(RecoveryFlow3Shipped, AtInAGapOfTheShippedJournalIsRefusedAndBeforeTheGapIsExact) {
  const std::string data = dir_.Sub("data");
  const uint64_t end1 = GenerateJournal(data, 50, false);
  // --no-compact: the test removes the objects as shipped (a merge would join batches).
  auto replicator = StartReplicator(data, {"--interval", "200ms", "--no-compact"});
  ASSERT_NE(replicator, nullptr);
  ASSERT_NO_FATAL_FAILURE(WaitShipped(data, end1));
  const int64_t before_batch2 = TimeBetweenRecords();
  const uint64_t end2 = GenerateJournal(data, 20, true);
  ASSERT_NO_FATAL_FAILURE(WaitShipped(data, end2));
  const int64_t after_batch2 = TimeBetweenRecords();
  const uint64_t end3 = GenerateJournal(data, 20, true);
  ASSERT_NO_FATAL_FAILURE(WaitShipped(data, end3));
  const int64_t after_batch3 = TimeBetweenRecords();
  const uint64_t end4 = GenerateJournal(data, 20, true);
  ASSERT_NO_FATAL_FAILURE(WaitShipped(data, end4));
  ::kill(replicator->pid(), SIGTERM);
  ASSERT_EQ(replicator->Wait(30s).exit_code, 0);

  // Lose batch 3: every wal object holding one of its records.
  int removed = 0;
  for (const auto& e : std::filesystem::directory_iterator(target_.repo + "/wal")) {
    auto name = repo::ParseWalName(e.path().filename().string());
    ASSERT_TRUE(name.ok()) << e.path();
    if (name->last_seq > end2 && name->first_seq <= end3) {
      std::filesystem::remove(e.path());
      ++removed;
    }
  }
  ASSERT_GT(removed, 0);

  // Before the gap: the next shipped object begins after T, so T is exact.
  ChildResult ok = RestoreAt(dir_.Sub("before-gap"), before_batch2);
  ASSERT_EQ(ok.exit_code, 0) << ok.Describe();
  EXPECT_EQ(JsonDoc(ok.out).UInt("journal_seq"), end1) << ok.out;

  // After batch 2 the next records are lost: they may be before T (here
  // they are not, but the repository cannot tell). Before the fix this put
  // a directory ending at end2 in place (exit 1).
  for (int64_t at : {after_batch2, after_batch3}) {
    const std::string out = dir_.Sub("in-gap-" + std::to_string(at));
    ChildResult r = RestoreAt(out, at);
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    EXPECT_NE(r.err.find("shipped records " + std::to_string(end2 + 1) + "-"), std::string::npos) << r.Describe();
    EXPECT_NE(r.err.find("can restore the ledger of"), std::string::npos) << r.Describe();
    EXPECT_FALSE(FileExists(out)) << "nothing is put in place";
  }
}

}  // namespace
}  // namespace pb::integration
