// ledger/replay.h (ctest -R service.Replay): the start-up replay reads and
// checks the journal on a second thread; the records reach `apply` in order,
// and errors come out as a sequential read would give them, without the
// reader outliving an `apply` that failed while it waited for room.
#include "ledger/replay.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_util.h"

namespace pb::ledger {
namespace {

using testing::ChainBuilder;
using testing::TempDir;
using testing::WriteSegments;

// More records than the reader may hold ahead of `apply`, so it has to wait.
constexpr uint64_t kRecords = 10000;

// A journal of one registration and kRecords - 1 workloads; its lines.
std::vector<std::string> WriteJournal(const std::string& data_dir) {
  ChainBuilder chain;
  std::vector<std::string> lines = {chain.Add(testing::RegisterRecord("o-1"))};
  for (uint64_t i = 2; i <= kRecords; ++i) {
    lines.push_back(chain.Add(testing::WorkloadRecord("w-" + std::to_string(i), "o-1", 1, static_cast<Wei>(i))));
  }
  WriteSegments(data_dir, lines, {1, kRecords / 2});
  return lines;
}

// Breaks the hash of record `seq`'s line in `lines` and writes them again.
void BreakLine(const std::string& data_dir, std::vector<std::string> lines, uint64_t seq) {
  lines[seq - 1][0] = lines[seq - 1][0] == '0' ? '1' : '0';
  WriteSegments(data_dir, lines, {1, kRecords / 2});
}

TEST(Replay, EveryRecordIsAppliedOnceInOrderAndEachIsPrefetchedFirst) {
  TempDir tmp;
  WriteJournal(tmp.path());
  std::vector<uint64_t> applied;
  uint64_t prefetched = 0;
  auto read = ReplayJournal(
      tmp.Sub("journal"), ChainPoint{},
      [&](const Record& r) {
        applied.push_back(r.seq);
        return Status::Ok();
      },
      [&](const Record&) { ++prefetched; });
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->end.seq, kRecords);
  EXPECT_FALSE(read->torn);
  ASSERT_EQ(applied.size(), kRecords);
  for (uint64_t i = 0; i < kRecords; ++i) ASSERT_EQ(applied[i], i + 1);
  EXPECT_GT(prefetched, kRecords / 2);
}

TEST(Replay, AnApplyErrorBeforeABrokenLineIsTheErrorAndStopsTheWaitingReader) {
  TempDir tmp;
  BreakLine(tmp.path(), WriteJournal(tmp.path()), kRecords - 10);
  uint64_t calls = 0;
  auto read = ReplayJournal(
      tmp.Sub("journal"), ChainPoint{},
      [&](const Record& r) { return ++calls == 10 ? Status::Conflict("seq " + std::to_string(r.seq)) : Status::Ok(); },
      [](const Record&) {});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().kind(), Status::Kind::kConflict) << read.status().ToString();
  EXPECT_EQ(read.status().message(), "seq 10");
  EXPECT_EQ(calls, 10u);
}

TEST(Replay, ABrokenLineIsTheErrorOnceEveryRecordBeforeItWasApplied) {
  TempDir tmp;
  BreakLine(tmp.path(), WriteJournal(tmp.path()), 7001);
  uint64_t last = 0;
  auto read = ReplayJournal(
      tmp.Sub("journal"), ChainPoint{},
      [&](const Record& r) {
        last = r.seq;
        return Status::Ok();
      },
      [](const Record&) {});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().kind(), Status::Kind::kCorruption) << read.status().ToString();
  EXPECT_NE(read.status().message().find("seq 7001"), std::string::npos) << read.status().ToString();
  EXPECT_EQ(last, 7000u);
}

}  // namespace
}  // namespace pb::ledger
