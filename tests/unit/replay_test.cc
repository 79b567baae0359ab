// ledger/replay.h (ctest -R service.Replay): the start-up replay reads and
// checks the journal on a second thread; the records reach `apply` in order,
// and errors come out as a sequential read would give them, without the
// reader outliving an `apply` that failed while it waited for room.
#include "ledger/replay.h"

#include <gtest/gtest.h>

#include <filesystem>
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

// ReadJournal's answer for the same journal, sequential with the chain
// checked as it reads.
Result<ReadResult> ReadSequentially(const std::string& journal_dir, const ChainPoint& start = {}) {
  return ReadJournal(journal_dir, start, OnTornTail::kReport, [](Record&, std::string_view) { return Status::Ok(); });
}

// Replays with an `apply` that only notes the seq of the last record it was given.
Result<ReadResult> ReplayAll(const std::string& journal_dir, const ChainPoint& start = {},
                             uint64_t* last_applied = nullptr) {
  return ReplayJournal(
      journal_dir, start,
      [&](const Record& r) {
        if (last_applied != nullptr) *last_applied = r.seq;
        return Status::Ok();
      },
      [](const Record&) {});
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
  auto read = ReplayAll(tmp.Sub("journal"), ChainPoint{}, &last);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().kind(), Status::Kind::kCorruption) << read.status().ToString();
  EXPECT_NE(read.status().message().find("seq 7001"), std::string::npos) << read.status().ToString();
  EXPECT_EQ(last, 7000u);
}

// The hash of each record is checked on the applying thread: an edited body
// (its stated hash left alone) breaks the chain there, and the error is the
// sequential read's word for word, though the reader has already met the
// undecodable line a few records later.
TEST(Replay, AnEditedRecordIsNamedAsTheSequentialReadNamesItBeforeALaterUndecodableLine) {
  TempDir tmp;
  std::vector<std::string> lines = WriteJournal(tmp.path());
  size_t at = lines[6000].find("\"amount\":\"");
  ASSERT_NE(at, std::string::npos);
  lines[6000][at + 10] = '9';              // seq 6001: another amount, same stated hash
  lines[6004].replace(70, 3, "!!!");       // seq 6005: not JSON
  WriteSegments(tmp.path(), lines, {1, kRecords / 2});
  uint64_t last = 0;
  auto replayed = ReplayAll(tmp.Sub("journal"), ChainPoint{}, &last);
  auto sequential = ReadSequentially(tmp.Sub("journal"));
  ASSERT_FALSE(replayed.ok());
  ASSERT_FALSE(sequential.ok());
  EXPECT_EQ(replayed.status().ToString(), sequential.status().ToString());
  EXPECT_NE(replayed.status().message().find("seq 6001"), std::string::npos) << replayed.status().ToString();
  EXPECT_NE(replayed.status().message().find("hash chain broken"), std::string::npos);
  EXPECT_EQ(last, 6000u);
}

TEST(Replay, EndsAtTheLastRecordWithItsHashAsTheSequentialReadFromAnyStart) {
  TempDir tmp;
  const std::vector<std::string> lines = WriteJournal(tmp.path());
  auto expected = ReadSequentially(tmp.Sub("journal"));
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();
  auto from_start = ReplayAll(tmp.Sub("journal"));
  ASSERT_TRUE(from_start.ok()) << from_start.status().ToString();
  EXPECT_EQ(from_start->end.seq, kRecords);
  EXPECT_EQ(from_start->end.hash, expected->end.hash);
  // From a record inside the second segment, and from the last one (nothing to apply).
  for (uint64_t seq : {uint64_t{7000}, kRecords}) {
    ChainPoint start{seq, {}};
    ASSERT_TRUE(FromHex(std::string_view(lines[seq - 1]).substr(0, 64), &start.hash));
    auto replayed = ReplayAll(tmp.Sub("journal"), start);
    ASSERT_TRUE(replayed.ok()) << replayed.status().ToString();
    EXPECT_EQ(replayed->end.seq, kRecords);
    EXPECT_EQ(replayed->end.hash, expected->end.hash);
  }
}

// A torn last line is cut only once every record before it was applied:
// never when an earlier line breaks the chain (nothing is modified then).
TEST(Replay, ATornTailIsCutAfterTheRecordsBeforeItAndNotWhenAnEarlierLineIsBroken) {
  TempDir tmp;
  std::vector<std::string> lines = WriteJournal(tmp.path());
  const std::string torn = lines.back().substr(0, 40);  // a write cut short: no newline
  const std::string last_segment = SegmentPath(tmp.Sub("journal"), kRecords / 2);
  std::vector<std::string> broken = lines;
  broken[8000][0] = broken[8000][0] == '0' ? '1' : '0';
  WriteSegments(tmp.path(), broken, {1, kRecords / 2});
  testing::AppendAll(last_segment, torn);
  const auto size_before = std::filesystem::file_size(last_segment);
  auto refused = ReplayAll(tmp.Sub("journal"));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("seq 8001"), std::string::npos) << refused.status().ToString();
  EXPECT_EQ(std::filesystem::file_size(last_segment), size_before);

  WriteSegments(tmp.path(), lines, {1, kRecords / 2});
  testing::AppendAll(last_segment, torn);
  auto cut = ReplayAll(tmp.Sub("journal"));
  ASSERT_TRUE(cut.ok()) << cut.status().ToString();
  EXPECT_TRUE(cut->torn);
  EXPECT_EQ(cut->end.seq, kRecords);
  EXPECT_EQ(cut->tail.offset, size_before - torn.size());
  EXPECT_EQ(std::filesystem::file_size(last_segment), size_before - torn.size());
}

}  // namespace
}  // namespace pb::ledger
