// Compaction of the shipped journal, in process (repo/wal_compact.h;
// docs/repository-format.md "Levels and compaction"): plans by window,
// pieces per segment, a kill between writing a merged object and removing
// its inputs, a reader racing a compaction, and what check says of levels
// (ctest -R service.WalCompact). Names and the cover: wal_levels_test.cc.
#include <gtest/gtest.h>

#include "ledger/datadir.h"
#include "ledger/journal.h"
#include "repo/wal.h"
#include "repo/wal_compact.h"
#include "repo/wal_cover.h"
#include "repo_test_util.h"
#include "support/temp_dir.h"
#include "test_util.h"

namespace pb::testing {
namespace {

// A Backend forwarding to a local one, whose Remove fails (IOError) once
// `removes_left` reaches 0: a compactor killed after it wrote a merged
// object, before or while it removed the inputs.
class KilledDuringRemoves final : public repo::Backend {
 public:
  KilledDuringRemoves(std::unique_ptr<repo::Backend> inner, int removes_left)
      : inner_(std::move(inner)), removes_left_(removes_left) {}
  Result<std::vector<std::string>> List(std::string_view folder) override { return inner_->List(folder); }
  Result<std::string> Read(std::string_view path) override { return inner_->Read(path); }
  Result<std::string> ReadRange(std::string_view path, uint64_t offset, size_t length) override {
    return inner_->ReadRange(path, offset, length);
  }
  Result<uint64_t> Size(std::string_view path) override { return inner_->Size(path); }
  Status Write(std::string_view path, std::string_view bytes) override { return inner_->Write(path, bytes); }
  Status Remove(std::string_view path) override {
    if (removes_left_-- <= 0) return Status::IOError("killed before removing " + std::string(path));
    return inner_->Remove(path);
  }
  Result<size_t> RemoveTemporaryFiles() override { return inner_->RemoveTemporaryFiles(); }
  std::string Describe() const override { return inner_->Describe(); }

 private:
  std::unique_ptr<repo::Backend> inner_;
  int removes_left_;
};

class WalCompactTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitRepo(RepoDir());
    auto repo = OpenRepo(RepoDir(), kRepoPassword, /*load_index=*/false);
    ASSERT_TRUE(repo.ok()) << repo.status().ToString();
    repo_ = std::move(repo.value());
  }
  std::string RepoDir() const { return dir_.Sub("repo"); }

  // Appends a record with `ts_ms` to the journal (a new segment starts at it
  // when `new_segment`).
  void Add(int64_t ts_ms, bool new_segment = false) {
    ledger::Record r = RegisterRecord("orch-" + std::to_string(chain_.seq() + 1));
    r.ts_ms = ts_ms;
    lines_.push_back(chain_.Add(r));
    ts_.push_back(ts_ms);
    if (new_segment) segment_first_ = chain_.seq();
    segment_of_.push_back(segment_first_);
  }
  // Ships the records from the last shipped one to the newest as one level 0 object.
  void Ship() {
    repo::WalObject obj;
    obj.host = "host-a";
    obj.data_dir = "/srv/payments/data";
    obj.first_seq = shipped_ + 1;
    obj.last_seq = chain_.seq();
    obj.segment = ledger::SegmentFileName(segment_of_[obj.first_seq - 1]);
    ledger::ChainPoint point;
    for (uint64_t seq = 1; seq <= obj.last_seq; ++seq) {
      const std::string& line = lines_[seq - 1];
      if (seq == obj.first_seq) obj.prev_hash = point.hash;
      ledger::Record r;
      ASSERT_TRUE(ledger::CheckChainedLine(std::string_view(line).substr(0, line.size() - 1), &point, &r).ok());
      if (seq < obj.first_seq && segment_of_[seq - 1] == segment_of_[obj.first_seq - 1]) obj.offset += line.size();
      if (seq >= obj.first_seq) obj.records += line;
    }
    obj.first_ts_ms = ts_[obj.first_seq - 1];
    obj.last_ts_ms = ts_[obj.last_seq - 1];
    ASSERT_TRUE(repo_->backend()
                    .Write(repo::PathOf(repo::kWalFolder, repo::WalObjectNameOf(obj)),
                           repo::EncodeWalObject(repo_->key(), obj))
                    .ok());
    shipped_ = obj.last_seq;
  }
  // One record per object at each of `ts`, all shipped.
  void ShipEach(const std::vector<int64_t>& ts) {
    for (int64_t t : ts) {
      Add(t);
      Ship();
    }
  }
  std::string Stream() const { return repo::WalStream("host-a", "/srv/payments/data"); }

  // "<first>-<last>:L<level>" of every object of the stream, in order.
  std::vector<std::string> Layout() {
    auto names = repo::ListWal(repo_->backend(), Stream());
    EXPECT_TRUE(names.ok());
    std::vector<std::string> out;
    for (const repo::WalName& n : *names) {
      out.push_back(std::to_string(n.first_seq) + "-" + std::to_string(n.last_seq) + ":L" + std::to_string(n.level));
    }
    return out;
  }

  // Every record of the stream read through the cover from seq 1; *reads
  // gets how many objects that read.
  std::string ReadAll(uint64_t* reads = nullptr) {
    repo::WalStreamReader reader(repo_->backend(), repo_->key(), Stream(), replicate::CheckShippedRecords);
    EXPECT_TRUE(reader.List().ok());
    std::string records;
    uint64_t after = 0;
    for (;;) {
      auto step = reader.Next(after);
      EXPECT_TRUE(step.ok());
      if (!step.ok() || step->kind != repo::WalStreamReader::Step::Kind::kObject) break;
      EXPECT_EQ(step->object.first_seq, after + 1) << step->name;
      records += step->object.records;
      after = step->object.last_seq;
    }
    if (reads) *reads = reader.read();
    return records;
  }

  Result<repo::WalCompactionReport> CompactOnce() {
    auto plan = repo::PlanWalCompaction(repo_.get(), Stream(), replicate::CheckShippedRecords);
    if (!plan.ok()) return plan.status();
    return repo::ExecuteWalCompaction(repo_.get(), std::move(plan.value()), replicate::CheckShippedRecords, {});
  }

  TempDir dir_;
  std::unique_ptr<repo::Repository> repo_;
  ChainBuilder chain_;
  std::vector<std::string> lines_;
  std::vector<int64_t> ts_;
  std::vector<uint64_t> segment_of_;  // first seq of each record's segment
  uint64_t segment_first_ = 1;
  uint64_t shipped_ = 0;
};

TEST_F(WalCompactTest, TheShippedObjectsOfAClosedWindowBecomeOneLevel1ObjectHoldingTheSameRecords) {
  std::vector<int64_t> ts;
  for (int i = 0; i < 10; ++i) ts.push_back(kWalDay + i * kWalSecond);  // the first 30 s
  ts.push_back(kWalDay + 31 * kWalSecond);                              // closes them
  ShipEach(ts);
  uint64_t reads = 0;
  const std::string before = ReadAll(&reads);
  EXPECT_EQ(reads, 11u);

  auto plan = repo::PlanWalCompaction(repo_.get(), Stream(), replicate::CheckShippedRecords);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->merges.size(), 1u);
  EXPECT_EQ(plan->merges[0].level, 1);
  EXPECT_EQ(plan->merges[0].inputs.size(), 10u);
  EXPECT_TRUE(plan->redundant.empty());
  auto report = repo::ExecuteWalCompaction(repo_.get(), std::move(plan.value()), replicate::CheckShippedRecords, {});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->merged_objects, 1u);
  EXPECT_EQ(report->removed_objects, 10u);
  EXPECT_EQ(report->records, 10u);
  EXPECT_TRUE(report->problems.empty()) << Lines(report->problems);

  EXPECT_EQ(Layout(), (std::vector<std::string>{"1-10:L1", "11-11:L0"}));
  EXPECT_EQ(ReadAll(&reads), before);
  EXPECT_EQ(before, chain_.text());
  EXPECT_EQ(reads, 2u);
  auto again = repo::PlanWalCompaction(repo_.get(), Stream(), replicate::CheckShippedRecords);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty()) << "compacted: nothing left to do";
  auto check = Check(RepoDir());
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok()) << Lines(check->problems);
}

TEST_F(WalCompactTest, AClosedHourBecomesOneLevel3ObjectAtOnceAndTheNewestObjectStaysAsShipped) {
  ShipEach({kWalDay, kWalDay + 1 * kWalSecond, kWalDay + 40 * kWalSecond, kWalDay + 400 * kWalSecond, kWalDay + 700 * kWalSecond,
            kWalDay + 3599 * kWalSecond});
  ShipEach({kWalDay + 3600 * kWalSecond + 5});  // the next hour: the first one is closed, the day is not
  auto plan = repo::PlanWalCompaction(repo_.get(), Stream(), replicate::CheckShippedRecords);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->merges.size(), 1u);
  EXPECT_EQ(plan->merges[0].level, 3);
  EXPECT_EQ(plan->merges[0].inputs.size(), 6u);
  ASSERT_TRUE(CompactOnce().ok());
  EXPECT_EQ(Layout(), (std::vector<std::string>{"1-6:L3", "7-7:L0"}));
  EXPECT_EQ(ReadAll(), chain_.text());
}

TEST_F(WalCompactTest, AMergedObjectHoldsOneSegmentSoAMergeAcrossSegmentsWritesOnePiecePerSegment) {
  Add(kWalDay);
  Ship();
  Add(kWalDay + kWalSecond);
  Add(kWalDay + 2 * kWalSecond);
  Ship();
  Add(kWalDay + 3 * kWalSecond, /*new_segment=*/true);
  Ship();
  Add(kWalDay + 4 * kWalSecond);
  Ship();
  ShipEach({kWalDay + 31 * kWalSecond});
  auto report = CompactOnce();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->merged_objects, 2u);
  EXPECT_EQ(Layout(), (std::vector<std::string>{"1-3:L1", "4-5:L1", "6-6:L0"}));
  EXPECT_EQ(ReadAll(), chain_.text());
  auto check = Check(RepoDir());
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok()) << Lines(check->problems);
}

TEST_F(WalCompactTest, AKillBetweenWritingAMergedObjectAndRemovingItsInputsLeavesAStreamThatReadsTheSame) {
  std::vector<int64_t> ts;
  for (int i = 0; i < 10; ++i) ts.push_back(kWalDay + i * kWalSecond);
  ts.push_back(kWalDay + 31 * kWalSecond);
  ShipEach(ts);
  for (int removes : {0, 3}) {  // killed before the first removal, and after three
    SCOPED_TRACE("removes before the kill: " + std::to_string(removes));
    if (removes == 3) {  // the same again: ship a fresh window and close it
      ShipEach({kWalDay + 32 * kWalSecond, kWalDay + 33 * kWalSecond, kWalDay + 34 * kWalSecond, kWalDay + 35 * kWalSecond,
                kWalDay + 61 * kWalSecond});
    }
    auto backend = repo::LocalBackend::Open(RepoDir());
    ASSERT_TRUE(backend.ok());
    auto killed = repo::Repository::Open(std::make_unique<KilledDuringRemoves>(std::move(backend.value()), removes),
                                         kRepoPassword);
    ASSERT_TRUE(killed.ok());
    auto plan = repo::PlanWalCompaction(killed->get(), Stream(), replicate::CheckShippedRecords);
    ASSERT_TRUE(plan.ok());
    const size_t inputs = plan->merges.at(0).inputs.size();
    auto report = repo::ExecuteWalCompaction(killed->get(), std::move(plan.value()), replicate::CheckShippedRecords, {});
    ASSERT_FALSE(report.ok()) << "the kill";

    // The merged object is durable and its inputs are (partly) still there.
    uint64_t reads = 0;
    EXPECT_EQ(ReadAll(&reads), chain_.text()) << "every record once, in order";
    const size_t objects = Layout().size();
    EXPECT_LE(reads, 3u) << "the inputs left behind are not read";
    auto check = Check(RepoDir());
    ASSERT_TRUE(check.ok());
    EXPECT_TRUE(check->ok()) << Lines(check->problems);
    EXPECT_TRUE(AnyContains(check->notes, "left by an interrupted compaction")) << Lines(check->notes);

    // The next pass removes them, and only them.
    auto next = repo::PlanWalCompaction(repo_.get(), Stream(), replicate::CheckShippedRecords);
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(next->redundant.size(), inputs - static_cast<size_t>(removes));
    EXPECT_TRUE(next->merges.empty());
    auto finished = repo::ExecuteWalCompaction(repo_.get(), std::move(next.value()), replicate::CheckShippedRecords, {});
    ASSERT_TRUE(finished.ok()) << finished.status().ToString();
    EXPECT_EQ(Layout().size(), objects - (inputs - static_cast<size_t>(removes)));
    EXPECT_EQ(ReadAll(), chain_.text());
  }
  EXPECT_EQ(Layout(), (std::vector<std::string>{"1-10:L1", "11-15:L1", "16-16:L0"}));
}

TEST_F(WalCompactTest, AReaderWhoseObjectWasMergedAfterItListedTheStreamReadsTheMergedObject) {
  std::vector<int64_t> ts;
  for (int i = 0; i < 10; ++i) ts.push_back(kWalDay + i * kWalSecond);
  ts.push_back(kWalDay + 31 * kWalSecond);
  ShipEach(ts);
  repo::WalStreamReader reader(repo_->backend(), repo_->key(), Stream(), replicate::CheckShippedRecords);
  ASSERT_TRUE(reader.List().ok());
  EXPECT_EQ(reader.listed(), 11u);
  ASSERT_TRUE(CompactOnce().ok());  // removes the object the reader was about to read
  auto step = reader.Next(0);
  ASSERT_TRUE(step.ok());
  ASSERT_EQ(step->kind, repo::WalStreamReader::Step::Kind::kObject) << step->error.ToString();
  EXPECT_EQ(step->object.level, 1);
  EXPECT_EQ(step->object.last_seq, 10u);
  EXPECT_EQ(reader.listed(), 2u) << "listed again";
}

TEST_F(WalCompactTest, CheckFindsAGapAndAnOverlapBetweenLevels) {
  std::vector<int64_t> ts;
  for (int i = 0; i < 20; ++i) ts.push_back(kWalDay + (i < 10 ? i : 30 + i) * kWalSecond);  // two 30-s windows
  ts.push_back(kWalDay + 61 * kWalSecond);
  ShipEach(ts);
  ASSERT_TRUE(CompactOnce().ok());
  ASSERT_EQ(Layout(), (std::vector<std::string>{"1-10:L1", "11-20:L1", "21-21:L0"}));
  auto check = Check(RepoDir());
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok()) << Lines(check->problems);

  // An object of level 0 across the end of one merged object and into the next.
  ASSERT_TRUE(repo_->backend()
                  .Write(repo::PathOf(repo::kWalFolder, repo::WalObjectName(Stream(), 9, 12)), "overlapping")
                  .ok());
  check = Check(RepoDir());
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(AnyContains(check->problems, "overlaps")) << Lines(check->problems);
  ASSERT_TRUE(repo_->backend().Remove(repo::PathOf(repo::kWalFolder, repo::WalObjectName(Stream(), 9, 12))).ok());

  // A merged object lost between two others.
  auto names = repo::ListWal(repo_->backend(), Stream());
  ASSERT_TRUE(names.ok());
  ASSERT_TRUE(repo_->backend().Remove(repo::PathOf(repo::kWalFolder, (*names)[1].name)).ok());
  check = Check(RepoDir());
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(AnyContains(check->problems, "no object holds records 11-20")) << Lines(check->problems);
}

}  // namespace
}  // namespace pb::testing
