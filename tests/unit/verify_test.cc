// VerifyDataDir: the offline check behind `paymentsctl verify`. It never
// modifies the directory.
#include "ledger/verify.h"

#include <gtest/gtest.h>

#include <string>

#include "ledger/ledger.h"
#include "test_util.h"

namespace pb::ledger {
namespace {

using testing::ChainBuilder;
using testing::Join;
using testing::LedgerHarness;
using testing::ReadAll;
using testing::SnapshotTree;
using testing::SplitLines;
using testing::TempDir;
using testing::WriteAll;
using testing::WriteCheckpointedLedger;

bool AnyContains(const std::vector<std::string>& list, std::string_view needle) {
  for (const auto& s : list) {
    if (s.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(Verify, ACleanDirectoryIsOk) {
  TempDir tmp;
  WriteCheckpointedLedger(tmp.path());
  const auto before = SnapshotTree(tmp.path());
  auto report = VerifyDataDir(tmp.path());
  EXPECT_TRUE(report.ok()) << VerifyReportText(report);
  EXPECT_FALSE(report.python_era);
  EXPECT_EQ(report.journal_seq, 6u);
  EXPECT_EQ(report.checkpoint_seq, 4u);
  EXPECT_EQ(report.orchestrators, 2u);
  EXPECT_EQ(report.workloads, 3u);
  EXPECT_EQ(SnapshotTree(tmp.path()), before);
  EXPECT_NE(VerifyReportText(report).find("verify: OK"), std::string::npos);
}

TEST(Verify, AnEmptyNewDirectoryIsOk) {
  TempDir tmp;
  {
    LedgerHarness h(tmp.path());
    ASSERT_TRUE(h.Open().ok());
    ASSERT_TRUE(h.Shutdown().ok());
  }
  auto report = VerifyDataDir(tmp.path());
  EXPECT_TRUE(report.ok()) << VerifyReportText(report);
  EXPECT_EQ(report.journal_seq, 0u);
}

TEST(Verify, AMissingDirectoryIsAProblem) {
  TempDir tmp;
  auto report = VerifyDataDir(tmp.Sub("nope"));
  EXPECT_FALSE(report.ok());
}

TEST(Verify, DetectsAnEditedJournalRecordEvenBeforeTheCheckpoint) {
  TempDir tmp;
  WriteCheckpointedLedger(tmp.path());
  const std::string seg = testing::FirstSegment(tmp.path());
  auto lines = SplitLines(ReadAll(seg));
  // Record 3 (covered by the checkpoint): credit w-1 of 0.000123 ETH -> 0.000923 ETH.
  size_t at = lines[2].find("\"amount\":\"123000000000000\"");
  ASSERT_NE(at, std::string::npos) << lines[2];
  lines[2][at + 10] = '9';
  WriteAll(seg, Join(lines));
  const auto before = SnapshotTree(tmp.path());
  auto report = VerifyDataDir(tmp.path());
  EXPECT_FALSE(report.ok());
  EXPECT_TRUE(AnyContains(report.problems, "seq 3 at byte offset " + std::to_string(lines[0].size() + lines[1].size())))
      << VerifyReportText(report);
  EXPECT_TRUE(AnyContains(report.problems, "hash chain broken")) << VerifyReportText(report);
  EXPECT_EQ(SnapshotTree(tmp.path()), before);
  EXPECT_NE(VerifyReportText(report).find("verify: FAILED"), std::string::npos);
}

TEST(Verify, DetectsBalancesJsonThatDoesNotMatchTheCheckpoint) {
  TempDir tmp;
  WriteCheckpointedLedger(tmp.path());
  WriteAll(tmp.Sub("balances.json"), "{\n  \"orch-1\": \"5\",\n  \"orch-2\": \"1\"\n}\n");
  auto report = VerifyDataDir(tmp.path());
  EXPECT_FALSE(report.ok());
  EXPECT_TRUE(AnyContains(report.problems, "balances.json does not match journal/CHECKPOINT")) << VerifyReportText(report);
  EXPECT_TRUE(AnyContains(report.problems, "balances.json says 'orch-1' = 5 ETH, the journal 0.000123 ETH at seq 4"))
      << VerifyReportText(report);
}

TEST(Verify, DetectsAWorkloadCountThatDoesNotMatchTheCheckpoint) {
  TempDir tmp;
  WriteCheckpointedLedger(tmp.path());
  WriteAll(tmp.Sub("workloads.json"), "{}\n");
  auto report = VerifyDataDir(tmp.path());
  EXPECT_FALSE(report.ok());
  EXPECT_TRUE(AnyContains(report.problems, "workloads.json has 0 workloads, the journal 2 at seq 4"))
      << VerifyReportText(report);
}

TEST(Verify, DetectsACheckpointAheadOfTheJournal) {
  TempDir tmp;
  {
    LedgerHarness h(tmp.path());
    ASSERT_TRUE(h.Open().ok());
    h.Register("orch-1");
    h.Credit("w-1", "orch-1", "1");
    ASSERT_TRUE(h.Shutdown().ok());  // checkpoint at seq 2
  }
  const std::string seg = testing::FirstSegment(tmp.path());
  auto lines = SplitLines(ReadAll(seg));
  lines.pop_back();  // record 2 vanished although the checkpoint covers it
  WriteAll(seg, Join(lines));
  auto report = VerifyDataDir(tmp.path());
  EXPECT_FALSE(report.ok());
  EXPECT_TRUE(AnyContains(report.problems, "journal/CHECKPOINT is at seq 2 but the journal ends at seq 1"))
      << VerifyReportText(report);
  auto opened = Ledger::Open(tmp.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().kind(), Status::Kind::kCorruption);
}

TEST(Verify, DetectsADoubleCreditInAnOtherwiseValidChain) {
  TempDir tmp;
  ChainBuilder chain;
  chain.Add(testing::RegisterRecord("orch-1"));
  chain.Add(testing::WorkloadRecord("w-1", "orch-1", kWeiPerEth, kWeiPerEth));
  chain.Add(testing::WorkloadRecord("w-1", "orch-1", kWeiPerEth, 2 * kWeiPerEth));  // credited twice
  WriteAll(testing::FirstSegment(tmp.path()), chain.text());
  // The chain itself is intact: only the replay rule is violated.
  EXPECT_EQ(testing::JournalEnd(tmp.path()).seq, 3u);

  auto report = VerifyDataDir(tmp.path());
  EXPECT_FALSE(report.ok());
  EXPECT_TRUE(AnyContains(report.problems, "record seq 3")) << VerifyReportText(report);
  EXPECT_TRUE(AnyContains(report.problems, "workload 'w-1'")) << VerifyReportText(report);
  EXPECT_TRUE(AnyContains(report.problems, "credited twice")) << VerifyReportText(report);

  const auto before = SnapshotTree(tmp.path());
  auto opened = Ledger::Open(tmp.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().kind(), Status::Kind::kCorruption);
  EXPECT_NE(opened.status().message().find("seq 3"), std::string::npos) << opened.status().message();
  EXPECT_EQ(SnapshotTree(tmp.path()), before);
}

TEST(Verify, DetectsARecordedBalanceThatReplayDoesNotReproduce) {
  TempDir tmp;
  ChainBuilder chain;
  chain.Add(testing::RegisterRecord("orch-1"));
  chain.Add(testing::WorkloadRecord("w-1", "orch-1", kWeiPerEth, 5 * kWeiPerEth));  // says 5, replay gives 1
  WriteAll(testing::FirstSegment(tmp.path()), chain.text());
  auto report = VerifyDataDir(tmp.path());
  EXPECT_FALSE(report.ok());
  EXPECT_TRUE(AnyContains(report.problems, "record seq 2")) << VerifyReportText(report);
}

TEST(Verify, ATornTailIsANoteNotAProblemAndIsNotCut) {
  TempDir tmp;
  WriteCheckpointedLedger(tmp.path());
  const std::string seg = testing::FirstSegment(tmp.path());
  const std::string good = ReadAll(seg);
  testing::AppendAll(seg, "0123abcd {\"seq\":7,\"ts\":");
  const auto before = SnapshotTree(tmp.path());
  auto report = VerifyDataDir(tmp.path());
  EXPECT_TRUE(report.ok()) << VerifyReportText(report);
  EXPECT_EQ(report.journal_seq, 6u);
  EXPECT_TRUE(AnyContains(report.notes, "torn at byte offset " + std::to_string(good.size())))
      << VerifyReportText(report);
  EXPECT_EQ(SnapshotTree(tmp.path()), before);
}

TEST(Verify, APythonEraDuplicateCreditInLedgerEventsIsAProblem) {
  TempDir tmp;
  WriteAll(tmp.Sub("registry.json"), R"({"orch-1": {"orchestrator_id": "orch-1", "address": "0xab"}})");
  WriteAll(tmp.Sub("balances.json"), R"({"orch-1": "2"})");
  WriteAll(tmp.Sub("workloads.json"), "{}");
  WriteAll(tmp.Sub("audit/ledger-events.log"),
           R"({"timestamp": "2025-06-02T10:00:00Z", "event": "credit", "orchestrator_id": "orch-1", "amount": "1", "balance": "1", "delta": "1", "reason": "workload", "metadata": {"workload_id": "wl-1"}})"
           "\n"
           R"({"timestamp": "2025-06-02T10:00:01Z", "event": "credit", "orchestrator_id": "orch-1", "amount": "1", "balance": "2", "delta": "1", "reason": "workload", "metadata": {"workload_id": "wl-2"}})"
           "\n"
           R"({"timestamp": "2025-06-02T10:00:02Z", "event": "credit", "orchestrator_id": "orch-1", "amount": "1", "balance": "3", "delta": "1", "reason": "workload", "metadata": {"workload_id": "wl-1"}})"
           "\n");
  auto report = VerifyDataDir(tmp.path());
  EXPECT_TRUE(report.python_era);
  EXPECT_FALSE(report.ok());
  EXPECT_TRUE(AnyContains(report.problems, "line 3: workload 'wl-1' credited twice")) << VerifyReportText(report);
}

TEST(Verify, APythonEraLogWithDistinctCreditsAndOtherEventsIsOk) {
  TempDir tmp;
  WriteAll(tmp.Sub("balances.json"), R"({"orch-1": "1E-7"})");
  WriteAll(tmp.Sub("audit/ledger-events.log"),
           R"({"timestamp": "2025-06-02T10:00:00Z", "event": "credit", "orchestrator_id": "orch-1", "amount": "1", "metadata": {"workload_id": "wl-1"}})"
           "\n"
           R"({"timestamp": "2025-06-02T10:00:01Z", "event": "set_balance", "orchestrator_id": "orch-1", "metadata": {"workload_id": "wl-1"}})"
           "\n"
           R"({"timestamp": "2025-06-02T10:00:0)");  // torn last line of a best-effort log
  auto report = VerifyDataDir(tmp.path());
  EXPECT_TRUE(report.python_era);
  EXPECT_TRUE(report.ok()) << VerifyReportText(report);
}

}  // namespace
}  // namespace pb::ledger
