// ScanTotals: the ledger totals a snapshot records, from a scan of the
// journal's complete records, checked against a full replay (LedgerState).
#include "ledger/totals.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "ledger/journal.h"
#include "ledger/state.h"
#include "test_util.h"

namespace pb::ledger {
namespace {

using testing::LedgerHarness;
using testing::TempDir;

// The totals of a full replay through `through_seq` (hash chain and effects
// checked): the oracle of the scan.
LedgerTotals ReplayedTotals(const std::string& journal_dir, uint64_t through_seq) {
  LedgerState state;
  auto read = ReadJournal(journal_dir, ChainPoint{}, OnTornTail::kReport, [&](const Record& r, std::string_view) {
    return r.seq <= through_seq ? state.Apply(r) : Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.status().ToString();
  LedgerTotals t;
  t.orchestrators = state.orchestrators().size();
  t.workloads = state.workloads().size();
  for (const auto& [id, wei] : state.balances()) t.balance_wei += wei;
  return t;
}

// orch-1 registered twice, three orchestrators, credits and a payout: seq 1..8.
void WriteLedger(const std::string& dir) {
  LedgerHarness h(dir);
  ASSERT_TRUE(h.Open().ok());
  h.Register("orch-1");
  h.Register("orch-2");
  h.Credit("w-1", "orch-1", "0.000123");
  h.Register("orch-1");
  h.Credit("w-2", "orch-2", "1");
  h.Register("orch-\"3\"");
  h.Credit("w-3", "orch-\"3\"", "2.5");
  uint64_t seq = h.Adjust("orch-2", "-0.25", "payout");
  ASSERT_TRUE(h.WaitDurable(seq));
  ASSERT_TRUE(h.Shutdown().ok());
}

void Append(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::app | std::ios::binary) << bytes;
}

TEST(Totals, MatchAFullReplayAtEverySeq) {
  TempDir tmp;
  WriteLedger(tmp.path());
  const std::string journal = tmp.path() + "/journal";
  for (uint64_t seq = 1; seq <= 8; ++seq) {
    auto totals = ScanTotals(journal, seq);
    ASSERT_TRUE(totals.ok()) << totals.status().ToString();
    EXPECT_TRUE(*totals == ReplayedTotals(journal, seq)) << "at seq " << seq << ": " << DescribeTotals(*totals);
  }
  auto all = ScanTotals(journal, 8);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->orchestrators, 3u);
  EXPECT_EQ(all->workloads, 3u);
  EXPECT_TRUE(all->balance_wei == Wei(3250123000000000000)) << FormatEth(all->balance_wei);  // 0.000123 + 1 + 2.5 - 0.25 ETH
}

TEST(Totals, ATornLastLineIsNotCounted) {
  TempDir tmp;
  WriteLedger(tmp.path());
  const std::string journal = tmp.path() + "/journal";
  auto segments = ListSegments(journal);
  ASSERT_TRUE(segments.ok() && !segments->empty());
  Append(segments->back().path, std::string(64, 'a') + " {\"seq\":9,\"ts\":\"2026-11-24T00:00:00.000Z\",\"ty");
  auto totals = ScanTotals(journal, 8);
  ASSERT_TRUE(totals.ok()) << totals.status().ToString();
  EXPECT_EQ(totals->workloads, 3u);
  EXPECT_EQ(ScanTotals(journal, 9).status().kind(), Status::Kind::kInvalidArgument);
}

TEST(Totals, ACompleteLineThatDoesNotParseIsCorruptionNamingTheSegment) {
  TempDir tmp;
  WriteLedger(tmp.path());
  const std::string journal = tmp.path() + "/journal";
  auto segments = ListSegments(journal);
  ASSERT_TRUE(segments.ok() && !segments->empty());
  Append(segments->back().path, std::string(64, 'b') + " {not json}\n");
  auto totals = ScanTotals(journal, 9);
  ASSERT_FALSE(totals.ok());
  EXPECT_EQ(totals.status().kind(), Status::Kind::kCorruption);
  EXPECT_NE(totals.status().message().find(segments->back().path), std::string::npos) << totals.status().message();
  EXPECT_NE(totals.status().message().find("after seq 8"), std::string::npos) << totals.status().message();
}

TEST(Totals, AJournalThatEndsTooEarlyIsInvalidArgument) {
  TempDir tmp;
  WriteLedger(tmp.path());
  auto totals = ScanTotals(tmp.path() + "/journal", 100);
  EXPECT_EQ(totals.status().kind(), Status::Kind::kInvalidArgument);
}

}  // namespace
}  // namespace pb::ledger
