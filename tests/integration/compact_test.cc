// Issue 18: compaction of the shipped journal through the real binaries
// (docs/repository-format.md, "Levels and compaction"). A journal written by
// bench-journal-gen with chosen record times is shipped by `paymentsctl
// replicate` batch by batch (one wal object each), then `paymentsctl compact`
// merges a closed 30-s window: restore gives the same ledger from fewer
// objects (restore --json counts them), --at reaches a record inside the
// merged object, inputs left behind by a kill are skipped and removed, and
// check finds a lost merged object. The replicator also compacts by itself.
// ctest -R service.Compact
#include <simdjson.h>

#include <signal.h>

#include <filesystem>
#include <map>
#include <thread>

#include "common/time_util.h"
#include "support/backup_fixture.h"
#include "support/replication_fixture.h"

namespace pb::integration {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int kBatches = 10;         // shipped in one 30-s window ...
constexpr int kPerBatch = 3;         // ... of this many credits each
constexpr int64_t kStepMs = 100;     // between the records of a batch

class CompactTest : public ReplicateTest {
 protected:
  void SetUp() override {
    ReplicateTest::SetUp();
    data_ = dir_.Sub("data");
    t0_ = NowMillis() / kDayMs * kDayMs - 2 * kDayMs;  // a UTC day boundary, in the past
  }

  // bench-journal-gen of `credits` records from ts `ts_ms`, kStepMs apart; the last seq.
  uint64_t Generate(int credits, int64_t ts_ms, bool append) {
    return GenerateJournal(data_, credits, append,
                           {"--ts-ms", std::to_string(ts_ms), "--ts-step-ms", std::to_string(kStepMs)});
  }
  // A journal of 64 registrations and 5 credits at t0 in a snapshot, then
  // kBatches batches shipped one by one in the 30-s window from t0 + 60 s,
  // then one batch at t0 + 100 s that closes it. Returns the replicator,
  // still running.
  std::unique_ptr<Child> ShipBatches(std::vector<std::string> replicate_flags) {
    snapshot_seq_ = Generate(5, t0_, false);
    ChildResult backup = Ctl({"backup", "--data-dir", data_, "--json"});
    EXPECT_EQ(backup.exit_code, 0) << backup.Describe();
    replicate_flags.insert(replicate_flags.begin(), {"--interval", "200ms"});
    auto replicator = StartReplicator(data_, replicate_flags);
    if (!replicator) return nullptr;
    for (int b = 0; b <= kBatches; ++b) {
      const int64_t ts = b < kBatches ? t0_ + 60'000 + b * 1'000 : t0_ + 100'000;
      const uint64_t last = Generate(kPerBatch, ts, true);
      batch_end_.push_back(last);
      WaitShipped(data_, last);
    }
    return replicator;
  }
  std::string Repo() const { return target_.repo; }
  std::vector<std::string> WalFiles() const { return DirEntries(Repo() + "/wal"); }
  ChildResult RestoreLatest(const std::string& to, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"restore", "latest", "--to", to, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Ctl(args);
  }
  // The journal segments of a restored directory, name -> bytes.
  static std::map<std::string, std::string> Journal(const std::string& dir) {
    std::map<std::string, std::string> out;
    for (const std::string& name : DirEntries(dir + "/journal")) {
      if (name.ends_with(".journal")) out[name] = ReadFileOrEmpty(dir + "/journal/" + name);
    }
    return out;
  }

  std::string data_;
  int64_t t0_ = 0;
  uint64_t snapshot_seq_ = 0;
  std::vector<uint64_t> batch_end_;
};

TEST_F(CompactTest, CompactMergesAClosedWindowAndRestoreGivesTheSameLedgerFromFewerObjects) {
  auto replicator = ShipBatches({"--no-compact"});
  ASSERT_NE(replicator, nullptr);
  ::kill(replicator->pid(), SIGTERM);
  ASSERT_EQ(replicator->Wait(30s).exit_code, 0);
  ASSERT_EQ(WalFiles().size(), static_cast<size_t>(kBatches + 1)) << "--no-compact: as shipped";

  ChildResult before = RestoreLatest(dir_.Sub("before"));
  ASSERT_EQ(before.exit_code, 0) << before.Describe();
  EXPECT_EQ(JsonDoc(before.out).UInt("wal_objects_read"), static_cast<uint64_t>(kBatches + 1)) << before.out;

  // Inputs saved, to play a kill between the merged object and their removal.
  fs::copy(Repo() + "/wal", dir_.Sub("wal-as-shipped"));
  ChildResult compact = Ctl({"compact", "--json"});
  ASSERT_EQ(compact.exit_code, 0) << compact.Describe();
  JsonDoc doc(compact.out);
  simdjson::dom::element stream = doc.root()["streams"].at(0);
  EXPECT_EQ(uint64_t(stream["merged_objects"]), 1u) << compact.out;
  EXPECT_EQ(uint64_t(stream["removed_objects"]), static_cast<uint64_t>(kBatches)) << compact.out;
  EXPECT_EQ(uint64_t(stream["objects_after"]), 2u) << compact.out;
  std::vector<std::string> files = WalFiles();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_NE(files[0].find("_L1_"), std::string::npos) << files[0];

  ChildResult after = RestoreLatest(dir_.Sub("after"));
  ASSERT_EQ(after.exit_code, 0) << after.Describe();
  JsonDoc restored(after.out);
  EXPECT_EQ(restored.UInt("wal_objects_read"), 2u) << after.out;
  EXPECT_EQ(restored.UInt("wal_objects_listed"), 2u) << after.out;
  EXPECT_EQ(restored.UInt("journal_seq"), batch_end_.back()) << after.out;
  EXPECT_EQ(Journal(dir_.Sub("after")), Journal(dir_.Sub("before"))) << "the same ledger, byte for byte";
  EXPECT_EQ(RunVerify(dir_.Sub("after")).exit_code, 0);
  ChildResult check = Ctl({"check", "--read-data"});
  EXPECT_EQ(check.exit_code, 0) << check.Describe();

  // A kill after the merged object was written, before 4 of its inputs were
  // removed: the restore skips them, check notes them, compact removes them.
  std::vector<std::string> shipped = DirEntries(dir_.Sub("wal-as-shipped"));
  for (int i = 2; i < 6; ++i) fs::copy(dir_.Sub("wal-as-shipped") + "/" + shipped[i], Repo() + "/wal/" + shipped[i]);
  ChildResult leftovers = RestoreLatest(dir_.Sub("leftovers"));
  ASSERT_EQ(leftovers.exit_code, 0) << leftovers.Describe();
  EXPECT_EQ(JsonDoc(leftovers.out).UInt("wal_objects_read"), 2u) << leftovers.out;
  EXPECT_EQ(Journal(dir_.Sub("leftovers")), Journal(dir_.Sub("before")));
  check = Ctl({"check"});
  EXPECT_EQ(check.exit_code, 0) << check.Describe();
  EXPECT_NE(check.Describe().find("left by an interrupted compaction"), std::string::npos) << check.Describe();
  compact = Ctl({"compact", "--json"});
  ASSERT_EQ(compact.exit_code, 0) << compact.Describe();
  EXPECT_EQ(uint64_t(JsonDoc(compact.out).root()["streams"].at(0)["removed_objects"]), 4u) << compact.out;
  EXPECT_EQ(WalFiles(), files);

  // The merged object lost: check and restore both say so.
  fs::remove(Repo() + "/wal/" + files[0]);
  check = Ctl({"check"});
  EXPECT_EQ(check.exit_code, 1) << check.Describe();
  EXPECT_NE(check.Describe().find("no object holds records " + std::to_string(snapshot_seq_ + 1)), std::string::npos)
      << check.Describe();
  ChildResult lost = RestoreLatest(dir_.Sub("lost"));
  EXPECT_EQ(lost.exit_code, 1) << lost.Describe();
  EXPECT_EQ(JsonDoc(lost.out).UInt("wal_lost_from"), snapshot_seq_ + 1) << lost.out;
}

TEST_F(CompactTest, RestoreAtATimeInsideAMergedObjectEndsAtTheLastRecordAtOrBeforeIt) {
  auto replicator = ShipBatches({"--no-compact"});
  ASSERT_NE(replicator, nullptr);
  ::kill(replicator->pid(), SIGTERM);
  ASSERT_EQ(replicator->Wait(30s).exit_code, 0);
  ChildResult compact = Ctl({"compact"});
  ASSERT_EQ(compact.exit_code, 0) << compact.Describe();
  ASSERT_EQ(WalFiles().size(), 2u) << compact.Describe();

  // Batch 4's second record, inside the merged object; T a little after it.
  const uint64_t seq = batch_end_[3] + 2;
  const int64_t ts = t0_ + 60'000 + 4 * 1'000 + kStepMs;
  for (int64_t at : {ts, ts + kStepMs / 2}) {
    const std::string to = dir_.Sub("at-" + std::to_string(at));
    ChildResult r = RestoreLatest(to, {"--at", FormatIso8601(at)});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_EQ(JsonDoc(r.out).UInt("journal_seq"), seq) << r.out;
    EXPECT_EQ(RunVerify(to).exit_code, 0);
  }
}

TEST_F(CompactTest, TheReplicatorCompactsWhatItShippedOnceAWindowCloses) {
  auto replicator = ShipBatches({});
  ASSERT_NE(replicator, nullptr);
  // The last batch closed the window: the replicator's compaction thread
  // merges it (it lists, reads and writes: allow it 30 s).
  std::vector<std::string> files;
  for (int i = 0; i < 600; ++i) {
    files = WalFiles();
    if (files.size() == 2) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(files.size(), 2u) << "not compacted";
  EXPECT_NE(files[0].find("_L1_"), std::string::npos) << files[0];
  ChildResult status = WaitForState(data_, "ok");
  for (int i = 0; i < 100 && JsonDoc(status.out).UInt("last_compaction_ms") == 0; ++i) {
    std::this_thread::sleep_for(50ms);
    status = ReplicateStatus(data_);
  }
  EXPECT_GT(JsonDoc(status.out).UInt("last_compaction_ms"), 0u) << status.out;
  EXPECT_EQ(JsonDoc(status.out).Str("last_compaction_error"), "") << status.out;
  ::kill(replicator->pid(), SIGTERM);
  ASSERT_EQ(replicator->Wait(30s).exit_code, 0);

  ChildResult r = RestoreLatest(dir_.Sub("restored"));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(JsonDoc(r.out).UInt("journal_seq"), batch_end_.back()) << r.out;
  EXPECT_EQ(Journal(dir_.Sub("restored")), Journal(data_)) << "what the data directory holds";
}

}  // namespace
}  // namespace pb::integration
