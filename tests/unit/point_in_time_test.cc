// CutLedgerAt: cutting a restored data directory back to its state at a
// given time (paymentsctl restore --at).
#include "ledger/point_in_time.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/time_util.h"
#include "ledger/checkpoint.h"
#include "ledger/mirror.h"
#include "ledger/verify.h"
#include "test_util.h"

namespace pb::ledger {
namespace {

using testing::ChainBuilder;
using testing::Eth;
using testing::Exists;
using testing::Join;
using testing::LedgerHarness;
using testing::ReadAll;
using testing::RegisterRecord;
using testing::SnapshotTree;
using testing::SplitLines;
using testing::TempDir;
using testing::WorkloadRecord;
using testing::WriteAll;
using testing::WriteSegments;

// 2026-11-24T10:00:00.000Z (20781 days after 1970-01-01).
constexpr int64_t kT0 = (20781LL * 86400 + 10 * 3600) * 1000;
constexpr int64_t kSecond = 1000;
// A line of the Python-era ledger-events.log (no "seq"), an hour before kT0.
const std::string kPythonEraEvent =
    R"({"timestamp": "2026-11-24T09:00:00.000000Z", "event": "credit", "orchestrator_id": "orch-py", )"
    R"("amount": "1", "balance": "1", "delta": "1", "reason": "workload", "metadata": {"workload_id": "wl-py"}})"
    "\n";

Record At(Record r, int64_t ts_ms) {
  r.ts_ms = ts_ms;
  return r;
}

Record Payout(const std::string& oid, Wei delta, Wei balance_after) {
  Record r;
  r.type = RecordType::kAdjustment;
  r.orchestrator_id = oid;
  r.delta = delta;
  r.reason = "payout";
  r.balance = balance_after;
  return r;
}

// Journal lines (lines[i] is record i + 1) and the records they hold.
struct History {
  std::vector<Record> records;
  std::vector<std::string> lines;
};

History Chain(std::vector<Record> records) {
  History h;
  ChainBuilder chain;
  for (auto& r : records) {
    h.lines.push_back(chain.Add(r));
    r.seq = chain.seq();
  }
  h.records = std::move(records);
  return h;
}

// Eight records one second apart from kT0:
//   1 register orch-1   2 register orch-2   3 credit w-1 orch-1 1 ETH   4 credit w-2 orch-2 2 ETH
//   5 payout orch-1 -0.25 ETH   6 credit w-3 orch-1 3 ETH   7 register orch-3   8 credit w-4 orch-3 1 ETH
History SampleHistory() {
  return Chain({At(RegisterRecord("orch-1"), kT0), At(RegisterRecord("orch-2"), kT0 + 1 * kSecond),
                At(WorkloadRecord("w-1", "orch-1", Eth("1"), Eth("1")), kT0 + 2 * kSecond),
                At(WorkloadRecord("w-2", "orch-2", Eth("2"), Eth("2")), kT0 + 3 * kSecond),
                At(Payout("orch-1", Eth("-0.25"), Eth("0.75")), kT0 + 4 * kSecond),
                At(WorkloadRecord("w-3", "orch-1", Eth("3"), Eth("3.75")), kT0 + 5 * kSecond),
                At(RegisterRecord("orch-3"), kT0 + 6 * kSecond),
                At(WorkloadRecord("w-4", "orch-3", Eth("1"), Eth("1")), kT0 + 7 * kSecond)});
}

// The mirror lines of records 1..through of `h`.
struct Mirrors {
  std::string events, registry;
};
Mirrors MirrorsThrough(const History& h, uint64_t through) {
  Mirrors m;
  for (const auto& r : h.records) {
    if (r.seq <= through) AppendMirrorLine(r, &m.events, &m.registry);
  }
  return m;
}

std::string Segment(const std::string& dir, uint64_t first_seq) { return SegmentPath(dir + "/journal", first_seq); }

// A data directory as the service leaves it: `h` in segments starting at seq
// 1, 4 and 7, both mirrors complete (ledger-events.log after a Python-era
// line) and a checkpoint at the last record.
void WriteDataDir(const std::string& dir, const History& h) {
  WriteSegments(dir, h.lines, {1, 4, 7});
  const Mirrors all = MirrorsThrough(h, h.records.size());
  WriteAll(dir + "/" + kLedgerEventsLog, kPythonEraEvent + all.events);
  WriteAll(dir + "/" + kRegistryLog, all.registry);
  LedgerHarness service(dir);
  ASSERT_TRUE(service.Open().ok());
  ASSERT_TRUE(service.Shutdown().ok());
  auto marker = ReadCheckpointMarker(dir);
  ASSERT_TRUE(marker.ok()) << marker.status().ToString();
  ASSERT_EQ(marker->point.seq, h.records.size());
}

void ExpectVerifiedAt(const std::string& dir, uint64_t seq, uint64_t workloads) {
  auto report = VerifyDataDir(dir);
  EXPECT_TRUE(report.ok()) << VerifyReportText(report);
  EXPECT_EQ(report.journal_seq, seq);
  EXPECT_EQ(report.checkpoint_seq, seq);
  EXPECT_EQ(report.workloads, workloads);
}

TEST(CutLedgerAt, BetweenRecordsKeepsTheEarlierOnesAndRebuildsTheCheckpoint) {
  TempDir tmp;
  const History h = SampleHistory();
  WriteDataDir(tmp.path(), h);

  auto cut = CutLedgerAt(tmp.path(), kT0 + 4 * kSecond + 500);
  ASSERT_TRUE(cut.ok()) << cut.status().ToString();
  EXPECT_EQ(cut->last_kept_seq, 5u);
  EXPECT_EQ(cut->last_kept_ts_ms, kT0 + 4 * kSecond);
  EXPECT_EQ(cut->records_removed, 3u);
  EXPECT_EQ(cut->segments_removed, 1u);

  EXPECT_EQ(ReadAll(Segment(tmp.path(), 1)), h.lines[0] + h.lines[1] + h.lines[2]);
  EXPECT_EQ(ReadAll(Segment(tmp.path(), 4)), h.lines[3] + h.lines[4]);
  EXPECT_FALSE(Exists(Segment(tmp.path(), 7)));
  EXPECT_EQ(ReadAll(tmp.Sub("balances.json")), "{\n  \"orch-1\": \"0.75\",\n  \"orch-2\": \"2\"\n}\n");
  EXPECT_EQ(ReadAll(tmp.Sub(kLedgerEventsLog)), kPythonEraEvent + MirrorsThrough(h, 5).events);
  EXPECT_EQ(ReadAll(tmp.Sub(kRegistryLog)), MirrorsThrough(h, 5).registry);
  auto marker = ReadCheckpointMarker(tmp.path());
  ASSERT_TRUE(marker.ok()) << marker.status().ToString();
  EXPECT_EQ(marker->point.seq, 5u);
  EXPECT_EQ(ToHex(marker->point.hash), h.lines[4].substr(0, 64));
  ExpectVerifiedAt(tmp.path(), 5, 2);
}

TEST(CutLedgerAt, TheServiceOpensTheCutDirectoryFromItsCheckpointAndContinuesTheJournal) {
  TempDir tmp;
  const History h = SampleHistory();
  WriteDataDir(tmp.path(), h);
  ASSERT_TRUE(CutLedgerAt(tmp.path(), kT0 + 4 * kSecond + 500).ok());

  LedgerHarness service(tmp.path());
  ASSERT_TRUE(service.Open().ok());
  EXPECT_EQ(service->checkpoint_seq(), 5u);
  EXPECT_EQ(service->replayed_records(), 0u);
  EXPECT_TRUE(service->state().Balance("orch-1") == Eth("0.75"));
  EXPECT_EQ(service->state().FindWorkload("w-3"), nullptr);
  EXPECT_EQ(service->state().FindOrchestrator("orch-3"), nullptr);
  uint64_t seq = service.Credit("w-3", "orch-1", "0.5");  // removed by the cut: may be credited again
  EXPECT_EQ(seq, 6u);
  ASSERT_TRUE(service.Shutdown().ok());
  ExpectVerifiedAt(tmp.path(), 6, 3);
}

TEST(CutLedgerAt, ExactlyAtARecordsTimeKeepsThatRecord) {
  TempDir tmp;
  const History h = SampleHistory();
  WriteDataDir(tmp.path(), h);

  auto cut = CutLedgerAt(tmp.path(), kT0 + 3 * kSecond);
  ASSERT_TRUE(cut.ok()) << cut.status().ToString();
  EXPECT_EQ(cut->last_kept_seq, 4u);
  EXPECT_EQ(cut->records_removed, 4u);
  EXPECT_EQ(cut->segments_removed, 1u);
  EXPECT_EQ(ReadAll(Segment(tmp.path(), 4)), h.lines[3]);
  EXPECT_EQ(ReadAll(tmp.Sub("balances.json")), "{\n  \"orch-1\": \"1\",\n  \"orch-2\": \"2\"\n}\n");
  ExpectVerifiedAt(tmp.path(), 4, 2);
}

TEST(CutLedgerAt, ACutAtASegmentsEndDeletesEveryLaterSegmentAndKeepsThatOneWhole) {
  TempDir tmp;
  const History h = SampleHistory();
  WriteDataDir(tmp.path(), h);
  const std::string first = ReadAll(Segment(tmp.path(), 1));

  auto cut = CutLedgerAt(tmp.path(), kT0 + 3 * kSecond - 1);
  ASSERT_TRUE(cut.ok()) << cut.status().ToString();
  EXPECT_EQ(cut->last_kept_seq, 3u);
  EXPECT_EQ(cut->records_removed, 5u);
  EXPECT_EQ(cut->segments_removed, 2u);
  EXPECT_EQ(ReadAll(Segment(tmp.path(), 1)), first);
  EXPECT_FALSE(Exists(Segment(tmp.path(), 4)));
  EXPECT_FALSE(Exists(Segment(tmp.path(), 7)));
  auto segs = ListSegments(tmp.Sub("journal"));
  ASSERT_TRUE(segs.ok());
  EXPECT_EQ(segs->size(), 1u);
  EXPECT_EQ(ReadAll(tmp.Sub("balances.json")), "{\n  \"orch-1\": \"1\"\n}\n");
  EXPECT_EQ(ReadAll(tmp.Sub(kRegistryLog)), MirrorsThrough(h, 3).registry);
  ExpectVerifiedAt(tmp.path(), 3, 1);
}

TEST(CutLedgerAt, BeforeTheFirstRecordIsInvalidArgumentNamingTheJournalsStartAndChangesNothing) {
  TempDir tmp;
  WriteDataDir(tmp.path(), SampleHistory());
  const auto before = SnapshotTree(tmp.path());

  auto cut = CutLedgerAt(tmp.path(), kT0 - 1);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().kind(), Status::Kind::kInvalidArgument);
  EXPECT_NE(cut.status().message().find("the journal starts at 2026-11-24T10:00:00.000Z; choose a later --at"),
            std::string::npos)
      << cut.status().message();
  EXPECT_EQ(SnapshotTree(tmp.path()), before);
}

TEST(CutLedgerAt, AtOrAfterTheLastRecordChangesNothingAndSaysSo) {
  for (int64_t at : {kT0 + 7 * kSecond, kT0 + int64_t{365} * 86400 * kSecond}) {
    TempDir tmp;
    WriteDataDir(tmp.path(), SampleHistory());
    const auto before = SnapshotTree(tmp.path());

    auto cut = CutLedgerAt(tmp.path(), at);
    ASSERT_TRUE(cut.ok()) << cut.status().ToString();
    EXPECT_EQ(cut->last_kept_seq, 8u);
    EXPECT_EQ(cut->last_kept_ts_ms, kT0 + 7 * kSecond);
    EXPECT_EQ(cut->records_removed, 0u);
    EXPECT_EQ(cut->segments_removed, 0u);
    EXPECT_EQ(SnapshotTree(tmp.path()), before) << FormatIso8601(at);
  }
}

TEST(CutLedgerAt, CuttingAgainAtTheSameTimeChangesNothing) {
  TempDir tmp;
  WriteDataDir(tmp.path(), SampleHistory());
  ASSERT_TRUE(CutLedgerAt(tmp.path(), kT0 + 4 * kSecond + 500).ok());
  const auto before = SnapshotTree(tmp.path());

  auto again = CutLedgerAt(tmp.path(), kT0 + 4 * kSecond + 500);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->last_kept_seq, 5u);
  EXPECT_EQ(again->records_removed, 0u);
  EXPECT_EQ(SnapshotTree(tmp.path()), before);
}

TEST(CutLedgerAt, ACorruptRecordEvenAfterTheCutIsCorruptionNamingFileSeqAndOffsetAndChangesNothing) {
  TempDir tmp;
  const History h = SampleHistory();
  WriteDataDir(tmp.path(), h);
  const std::string seg = Segment(tmp.path(), 4);
  auto lines = SplitLines(ReadAll(seg));
  size_t at = lines[1].find("\"delta\":\"-250000000000000000\"");  // record 5, the payout
  ASSERT_NE(at, std::string::npos) << lines[1];
  lines[1][at + 10] = '3';  // -0.35 ETH
  WriteAll(seg, Join(lines));
  const auto before = SnapshotTree(tmp.path());

  auto cut = CutLedgerAt(tmp.path(), kT0 + 1 * kSecond);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().kind(), Status::Kind::kCorruption);
  EXPECT_NE(cut.status().message().find(seg + ": record seq 5 at byte offset " + std::to_string(lines[0].size())),
            std::string::npos)
      << cut.status().message();
  EXPECT_EQ(SnapshotTree(tmp.path()), before);
}

TEST(CutLedgerAt, AKeptRecordThatDoesNotReplayIsCorruptionNamingFileSeqAndOffsetAndChangesNothing) {
  TempDir tmp;
  const History h = Chain({At(RegisterRecord("orch-1"), kT0),
                           At(WorkloadRecord("w-1", "orch-1", Eth("1"), Eth("1")), kT0 + 1 * kSecond),
                           At(WorkloadRecord("w-1", "orch-1", Eth("1"), Eth("2")), kT0 + 2 * kSecond),  // twice
                           At(RegisterRecord("orch-2"), kT0 + 3 * kSecond)});
  WriteSegments(tmp.path(), h.lines, {1});
  const auto before = SnapshotTree(tmp.path());

  auto cut = CutLedgerAt(tmp.path(), kT0 + 2 * kSecond);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().kind(), Status::Kind::kCorruption);
  EXPECT_NE(cut.status().message().find(Segment(tmp.path(), 1) + ": record seq 3 at byte offset " +
                                        std::to_string(h.lines[0].size() + h.lines[1].size()) + " cannot be replayed"),
            std::string::npos)
      << cut.status().message();
  EXPECT_EQ(SnapshotTree(tmp.path()), before);
}

TEST(CutLedgerAt, APythonEraDirectoryWithoutJournalIsNotFound) {
  TempDir tmp;
  WriteAll(tmp.Sub("balances.json"), R"({"orch-1": "2"})");
  const auto before = SnapshotTree(tmp.path());

  auto cut = CutLedgerAt(tmp.path(), kT0);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().kind(), Status::Kind::kNotFound);
  EXPECT_NE(cut.status().message().find("--at needs the journal"), std::string::npos) << cut.status().message();
  EXPECT_EQ(SnapshotTree(tmp.path()), before);
}

TEST(CutLedgerAt, WhenTimesGoBackwardsTheCutIsAtTheFirstRecordAfterAt) {
  TempDir tmp;
  // The clock stepped back between records 3 and 4.
  const History h = Chain({At(RegisterRecord("orch-1"), kT0),
                           At(WorkloadRecord("w-1", "orch-1", Eth("1"), Eth("1")), kT0 + 1 * kSecond),
                           At(WorkloadRecord("w-2", "orch-1", Eth("1"), Eth("2")), kT0 + 5 * kSecond),
                           At(WorkloadRecord("w-3", "orch-1", Eth("1"), Eth("3")), kT0 + 2 * kSecond)});
  WriteSegments(tmp.path(), h.lines, {1});

  auto cut = CutLedgerAt(tmp.path(), kT0 + 3 * kSecond);
  ASSERT_TRUE(cut.ok()) << cut.status().ToString();
  EXPECT_EQ(cut->last_kept_seq, 2u);
  EXPECT_EQ(cut->records_removed, 2u);
  EXPECT_EQ(ReadAll(Segment(tmp.path(), 1)), h.lines[0] + h.lines[1]);
  EXPECT_EQ(ReadAll(tmp.Sub("balances.json")), "{\n  \"orch-1\": \"1\"\n}\n");
  ExpectVerifiedAt(tmp.path(), 2, 1);
}

TEST(CutLedgerAt, ATornTailInTheSegmentHoldingTheCutIsRemovedWithTheLaterRecords) {
  TempDir tmp;
  const History h = SampleHistory();
  WriteDataDir(tmp.path(), h);
  testing::AppendAll(Segment(tmp.path(), 7), "0123abcd {\"seq\":9,\"ts\":");

  auto cut = CutLedgerAt(tmp.path(), kT0 + 6 * kSecond);
  ASSERT_TRUE(cut.ok()) << cut.status().ToString();
  EXPECT_EQ(cut->last_kept_seq, 7u);
  EXPECT_EQ(cut->records_removed, 1u);
  EXPECT_EQ(cut->segments_removed, 0u);
  EXPECT_EQ(ReadAll(Segment(tmp.path(), 7)), h.lines[6]);
  EXPECT_EQ(ReadAll(tmp.Sub("balances.json")), "{\n  \"orch-1\": \"3.75\",\n  \"orch-2\": \"2\"\n}\n");
  ExpectVerifiedAt(tmp.path(), 7, 3);
}

TEST(CutLedgerAt, MirrorLinesWithoutSeqAreKeptByTimestampAndMissingMirrorLinesAreWritten) {
  TempDir tmp;
  const History h = SampleHistory();
  WriteSegments(tmp.path(), h.lines, {1, 4, 7});
  // Both Python-era lines lack "seq"; the second is dated after the cut. There
  // is no registry.log at all.
  std::string late = kPythonEraEvent;
  late.replace(late.find("09:00:00"), 8, "10:00:02");
  WriteAll(tmp.Sub(kLedgerEventsLog), kPythonEraEvent + late + "{\"timestamp\": \"2026-11-24T1");  // torn

  auto cut = CutLedgerAt(tmp.path(), kT0 + 1 * kSecond + 500);
  ASSERT_TRUE(cut.ok()) << cut.status().ToString();
  EXPECT_EQ(cut->last_kept_seq, 2u);
  EXPECT_EQ(ReadAll(tmp.Sub(kLedgerEventsLog)), kPythonEraEvent);
  EXPECT_EQ(ReadAll(tmp.Sub(kRegistryLog)), MirrorsThrough(h, 2).registry);  // both registrations, appended
  EXPECT_EQ(ReadAll(tmp.Sub("balances.json")), "{}\n");
  ExpectVerifiedAt(tmp.path(), 2, 0);
}

}  // namespace
}  // namespace pb::ledger
