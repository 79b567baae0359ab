// Checkpoints (docs/journal-format.md, "Checkpoints"): the JSON files plus
// journal/CHECKPOINT, their two-phase publication and recovery at start-up.
#include "ledger/checkpoint.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "ledger/ledger.h"
#include "ledger/verify.h"
#include "test_util.h"

namespace pb::ledger {
namespace {

using testing::Eth;
using testing::Exists;
using testing::LedgerHarness;
using testing::ReadAll;
using testing::SplitLines;
using testing::TempDir;
using testing::WriteAll;

const char* const kJsonFiles[] = {"registry.json", "balances.json", "workloads.json"};

// Registers two orchestrators and credits them; returns the last seq.
uint64_t AddSampleRecords(LedgerHarness& h) {
  h.Register("orch-0001");
  h.Register("orch-0002");
  h.Credit("w-1", "orch-0001", "0.000123");
  h.Credit("w-2", "orch-0002", "2");
  return h.Adjust("orch-0002", "-0.5", "payout");
}

void ExpectSampleState(const LedgerState& s) {
  EXPECT_EQ(s.orchestrators().size(), 2u);
  EXPECT_EQ(s.workloads().size(), 2u);
  EXPECT_TRUE(s.Balance("orch-0001") == Eth("0.000123"));
  EXPECT_TRUE(s.Balance("orch-0002") == Eth("1.5"));
  ASSERT_NE(s.FindWorkload("w-2"), nullptr);
  EXPECT_TRUE(s.FindWorkload("w-2")->amount == Eth("2"));
}

// Opens `dir`, adds the sample records and shuts down (final checkpoint).
uint64_t SampleWithCheckpoint(const std::string& dir) {
  LedgerHarness h(dir);
  EXPECT_TRUE(h.Open().ok());
  uint64_t last = AddSampleRecords(h);
  EXPECT_TRUE(h.Shutdown().ok());
  return last;
}

std::vector<std::string> CkptLeftovers(const TempDir& tmp) {
  std::vector<std::string> out;
  for (const char* name : kJsonFiles) {
    if (Exists(tmp.Sub(std::string(name) + ".ckpt"))) out.push_back(std::string(name) + ".ckpt");
  }
  if (Exists(tmp.Sub("journal/CHECKPOINT.ckpt"))) out.push_back("journal/CHECKPOINT.ckpt");
  return out;
}

TEST(Checkpoint, ShutdownWritesTheJsonFilesAndAMarkerNamingTheirDigests) {
  TempDir tmp;
  uint64_t last = SampleWithCheckpoint(tmp.path());
  for (const char* name : kJsonFiles) EXPECT_TRUE(Exists(tmp.Sub(name))) << name;
  ASSERT_TRUE(Exists(tmp.Sub("journal/CHECKPOINT")));
  EXPECT_TRUE(CkptLeftovers(tmp).empty());

  simdjson::dom::parser parser;
  simdjson::dom::element marker;
  ASSERT_EQ(parser.parse(simdjson::padded_string(ReadAll(tmp.Sub("journal/CHECKPOINT")))).get(marker),
            simdjson::SUCCESS);
  EXPECT_EQ(int64_t(marker["format"]), 1);
  EXPECT_EQ(uint64_t(marker["seq"]), last);
  std::string last_line = SplitLines(ReadAll(testing::FirstSegment(tmp.path()))).back();
  EXPECT_EQ(std::string_view(marker["hash"]), last_line.substr(0, 64));
  EXPECT_TRUE(std::string_view(marker["written_at"]).ends_with("Z"));
  for (const char* name : kJsonFiles) {
    EXPECT_EQ(std::string_view(marker["files"][name]), testing::OpenSslSha256Hex(ReadAll(tmp.Sub(name)))) << name;
  }
}

TEST(Checkpoint, BalancesJsonKeepsThePythonEraShapeOfDecimalEthStrings) {
  TempDir tmp;
  {
    LedgerHarness h(tmp.path());
    ASSERT_TRUE(h.Open().ok());
    h.Register("orch-0001");
    h.Credit("w-1", "orch-0001", "0.000123");
    ASSERT_TRUE(h.Shutdown().ok());
  }
  EXPECT_EQ(ReadAll(tmp.Sub("balances.json")), "{\n  \"orch-0001\": \"0.000123\"\n}\n");
}

TEST(Checkpoint, RegistryAndWorkloadsJsonHaveTheDocumentedFields) {
  TempDir tmp;
  SampleWithCheckpoint(tmp.path());
  simdjson::dom::parser parser;
  simdjson::dom::element registry;
  ASSERT_EQ(parser.parse(simdjson::padded_string(ReadAll(tmp.Sub("registry.json")))).get(registry),
            simdjson::SUCCESS);
  simdjson::dom::element o = registry["orch-0001"];
  EXPECT_EQ(std::string_view(o["orchestrator_id"]), "orch-0001");
  EXPECT_EQ(std::string_view(o["address"]), "0x00000000000000000000000000000000000000a1");
  EXPECT_EQ(uint64_t(o["registration_count"]), 1u);
  EXPECT_TRUE(bool(o["eligible_for_payments"]));
  EXPECT_FALSE(bool(o["denylisted"]));
  EXPECT_TRUE(o["registered_at"].is_string());
  EXPECT_TRUE(o["last_registered_at"].is_string());

  simdjson::dom::parser parser2;
  simdjson::dom::element workloads;
  ASSERT_EQ(parser2.parse(simdjson::padded_string(ReadAll(tmp.Sub("workloads.json")))).get(workloads),
            simdjson::SUCCESS);
  simdjson::dom::element w = workloads["w-1"];
  EXPECT_EQ(std::string_view(w["workload_id"]), "w-1");
  EXPECT_EQ(std::string_view(w["orchestrator_id"]), "orch-0001");
  EXPECT_EQ(std::string_view(w["amount"]), "0.000123");
  EXPECT_EQ(std::string_view(w["status"]), "credited");
  EXPECT_TRUE(bool(w["credited"]));
  EXPECT_TRUE(w["submitted_at"].is_string());
  EXPECT_TRUE(w["credited_at"].is_string());
  EXPECT_EQ(uint64_t(w["seq"]), 3u);
}

TEST(Checkpoint, ReopenLoadsTheCheckpointAndReplaysOnlyLaterRecords) {
  TempDir tmp;
  uint64_t last = SampleWithCheckpoint(tmp.path());
  {
    LedgerHarness h(tmp.path());
    ASSERT_TRUE(h.Open().ok());
    EXPECT_EQ(h->checkpoint_seq(), last);
    EXPECT_EQ(h->last_seq(), last);
    EXPECT_EQ(h->replayed_records(), 0u);
    ExpectSampleState(h->state());
    h.Credit("w-3", "orch-0001", "1");
    uint64_t seq = h.Register("orch-0003");
    ASSERT_TRUE(h.WaitDurable(seq));
    h.Crash();  // no new checkpoint
  }
  LedgerHarness h(tmp.path());
  ASSERT_TRUE(h.Open().ok());
  EXPECT_EQ(h->checkpoint_seq(), last);
  EXPECT_EQ(h->replayed_records(), 2u);
  EXPECT_EQ(h->last_seq(), last + 2);
  EXPECT_TRUE(h->state().Balance("orch-0001") == Eth("1.000123"));
  EXPECT_NE(h->state().FindOrchestrator("orch-0003"), nullptr);
}

TEST(Checkpoint, ShutdownWithoutChangesKeepsTheExistingCheckpoint) {
  TempDir tmp;
  SampleWithCheckpoint(tmp.path());
  const std::string marker = ReadAll(tmp.Sub("journal/CHECKPOINT"));
  LedgerHarness h(tmp.path());
  ASSERT_TRUE(h.Open().ok());
  ASSERT_TRUE(h.Shutdown().ok());
  EXPECT_EQ(ReadAll(tmp.Sub("journal/CHECKPOINT")), marker);
}

TEST(Checkpoint, ACrashAfterTheMarkerWasPublishedRollsTheRenamesForward) {
  TempDir tmp;
  const uint64_t first = SampleWithCheckpoint(tmp.path());
  std::map<std::string, std::string> pending;
  uint64_t last = 0;
  {
    LedgerHarness h(tmp.path());
    ASSERT_TRUE(h.Open().ok());
    h.Credit("w-3", "orch-0001", "1");
    last = h.Adjust("orch-0001", "-0.000123", "payout");
    ASSERT_TRUE(h.WaitDurable(last));
    h->committer().Stop();  // everything durable, mirrors written
    // Step 1, then step 2 by hand; the crash comes before step 3 (the renames).
    ASSERT_TRUE(WriteCheckpointFiles(tmp.path(), h->state().Image(), testing::JournalEnd(tmp.path())).ok());
    std::filesystem::rename(tmp.Sub("journal/CHECKPOINT.ckpt"), tmp.Sub("journal/CHECKPOINT"));
    for (const char* name : kJsonFiles) pending[name] = ReadAll(tmp.Sub(std::string(name) + ".ckpt"));
    h.Crash();
  }
  ASSERT_NE(pending["balances.json"], ReadAll(tmp.Sub("balances.json")));  // still the older checkpoint's

  LedgerHarness h(tmp.path());
  ASSERT_TRUE(h.Open().ok());
  EXPECT_EQ(h->checkpoint_seq(), last);
  EXPECT_GT(last, first);
  EXPECT_EQ(h->replayed_records(), 0u);  // the state came from the rolled-forward files
  EXPECT_TRUE(h->state().Balance("orch-0001") == Eth("1"));
  EXPECT_TRUE(h->state().Balance("orch-0002") == Eth("1.5"));
  EXPECT_NE(h->state().FindWorkload("w-3"), nullptr);
  for (const char* name : kJsonFiles) EXPECT_EQ(ReadAll(tmp.Sub(name)), pending[name]) << name;
  EXPECT_TRUE(CkptLeftovers(tmp).empty());
  h.Crash();
  auto report = VerifyDataDir(tmp.path());
  EXPECT_TRUE(report.ok()) << VerifyReportText(report);
}

TEST(Checkpoint, LeftoversOfAnUncommittedCheckpointAreRemovedAndTheOldOneIsUsed) {
  TempDir tmp;
  const uint64_t first = SampleWithCheckpoint(tmp.path());
  std::map<std::string, std::string> committed;
  for (const char* name : kJsonFiles) committed[name] = ReadAll(tmp.Sub(name));
  {
    LedgerHarness h(tmp.path());
    ASSERT_TRUE(h.Open().ok());
    uint64_t seq = h.Credit("w-3", "orch-0001", "1");
    ASSERT_TRUE(h.WaitDurable(seq));
    h->committer().Stop();
    // Step 1 only: the crash comes before CHECKPOINT is replaced.
    ASSERT_TRUE(WriteCheckpointFiles(tmp.path(), h->state().Image(), testing::JournalEnd(tmp.path())).ok());
    h.Crash();
  }
  ASSERT_EQ(CkptLeftovers(tmp).size(), 4u);

  LedgerHarness h(tmp.path());
  ASSERT_TRUE(h.Open().ok());
  EXPECT_TRUE(CkptLeftovers(tmp).empty());
  EXPECT_EQ(h->checkpoint_seq(), first);
  EXPECT_EQ(h->replayed_records(), 1u);
  EXPECT_TRUE(h->state().Balance("orch-0001") == Eth("1.000123"));
  for (const char* name : kJsonFiles) EXPECT_EQ(ReadAll(tmp.Sub(name)), committed[name]) << name;
}

TEST(Checkpoint, StrayCkptFilesAreRemovedWhenNoCheckpointWasEverCommitted) {
  TempDir tmp;
  uint64_t last = 0;
  {
    LedgerHarness h(tmp.path());
    ASSERT_TRUE(h.Open().ok());
    last = AddSampleRecords(h);
    ASSERT_TRUE(h.WaitDurable(last));
    h->committer().Stop();
    // The first checkpoint crashed while writing its JSON files: no marker at all.
    ASSERT_TRUE(WriteCheckpointFiles(tmp.path(), h->state().Image(), testing::JournalEnd(tmp.path())).ok());
    std::filesystem::remove(tmp.Sub("journal/CHECKPOINT.ckpt"));
    h.Crash();
  }
  ASSERT_EQ(CkptLeftovers(tmp).size(), 3u);
  LedgerHarness h(tmp.path());
  ASSERT_TRUE(h.Open().ok());
  EXPECT_TRUE(CkptLeftovers(tmp).empty());
  EXPECT_EQ(h->replayed_records(), last);
  ExpectSampleState(h->state());
}

TEST(Checkpoint, AHandEditedBalancesJsonIsMovedAsideAndTheStateIsRebuiltFromTheJournal) {
  TempDir tmp;
  const uint64_t last = SampleWithCheckpoint(tmp.path());
  const std::string edited = "{\n  \"orch-0001\": \"1000\",\n  \"orch-0002\": \"1.5\"\n}\n";
  WriteAll(tmp.Sub("balances.json"), edited);
  {
    LedgerHarness h(tmp.path());
    ASSERT_TRUE(h.Open().ok());
    const std::string aside = tmp.Sub("balances.json.stale-" + std::to_string(last));
    ASSERT_TRUE(Exists(aside));
    EXPECT_EQ(ReadAll(aside), edited);
    EXPECT_FALSE(Exists(tmp.Sub("balances.json")));
    EXPECT_EQ(h->replayed_records(), last);  // from seq 1
    ExpectSampleState(h->state());
    ASSERT_TRUE(h.Shutdown().ok());
  }
  EXPECT_EQ(ReadAll(tmp.Sub("balances.json")), "{\n  \"orch-0001\": \"0.000123\",\n  \"orch-0002\": \"1.5\"\n}\n");
  auto report = VerifyDataDir(tmp.path());
  EXPECT_TRUE(report.ok()) << VerifyReportText(report);
}

TEST(Checkpoint, AHandEditedRegistryJsonIsMovedAsideToo) {
  TempDir tmp;
  const uint64_t last = SampleWithCheckpoint(tmp.path());
  std::string registry = ReadAll(tmp.Sub("registry.json"));
  registry.insert(registry.size() - 2, " ");  // still valid JSON, other bytes
  WriteAll(tmp.Sub("registry.json"), registry);
  LedgerHarness h(tmp.path());
  ASSERT_TRUE(h.Open().ok());
  EXPECT_TRUE(Exists(tmp.Sub("registry.json.stale-" + std::to_string(last))));
  EXPECT_EQ(h->replayed_records(), last);
  ExpectSampleState(h->state());
}

TEST(Checkpoint, AMissingMarkerMeansAFullReplayFromSeqOne) {
  TempDir tmp;
  const uint64_t last = SampleWithCheckpoint(tmp.path());
  std::filesystem::remove(tmp.Sub("journal/CHECKPOINT"));
  LedgerHarness h(tmp.path());
  ASSERT_TRUE(h.Open().ok());
  EXPECT_EQ(h->checkpoint_seq(), 0u);
  EXPECT_EQ(h->replayed_records(), last);
  ExpectSampleState(h->state());
}

// Waits (bounded) for a background checkpoint thread to finish.
void WaitCheckpointDone(LedgerHarness& h) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (h->checkpoint_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_FALSE(h->checkpoint_running());
}

TEST(Checkpoint, ABackgroundCheckpointIsPublishedOnceItsRecordsAreDurable) {
  TempDir tmp;
  LedgerHarness h(tmp.path());
  ASSERT_TRUE(h.Open().ok());
  const uint64_t last = AddSampleRecords(h);
  ASSERT_TRUE(h.WaitDurable(last));
  h->MaybeCheckpoint();  // a background thread writes and publishes the files
  WaitCheckpointDone(h);
  ASSERT_EQ(h->checkpoint_seq(), last);
  EXPECT_TRUE(CkptLeftovers(tmp).empty());
  EXPECT_EQ(ReadAll(tmp.Sub("balances.json")), "{\n  \"orch-0001\": \"0.000123\",\n  \"orch-0002\": \"1.5\"\n}\n");
  auto report = VerifyDataDir(tmp.path());
  EXPECT_TRUE(report.ok()) << VerifyReportText(report);
  EXPECT_EQ(report.checkpoint_seq, last);
}

TEST(Checkpoint, ABackgroundCheckpointHoldsTheStateAtItsStartNotLaterChanges) {
  TempDir tmp;
  LedgerHarness h(tmp.path());
  ASSERT_TRUE(h.Open().ok());
  const uint64_t at = AddSampleRecords(h);
  h->MaybeCheckpoint();  // the image is taken here, before the next credits
  uint64_t later = 0;
  for (int i = 0; i < 200; ++i) later = h.Credit("late-" + std::to_string(i), "orch-0001", "1");
  ASSERT_TRUE(h.WaitDurable(later));
  WaitCheckpointDone(h);
  ASSERT_EQ(h->checkpoint_seq(), at);
  EXPECT_EQ(ReadAll(tmp.Sub("balances.json")), "{\n  \"orch-0001\": \"0.000123\",\n  \"orch-0002\": \"1.5\"\n}\n");
  auto report = VerifyDataDir(tmp.path());
  EXPECT_TRUE(report.ok()) << VerifyReportText(report);
  // A restart loads that checkpoint and replays exactly the later credits.
  h.Crash();
  LedgerHarness again(tmp.path());
  ASSERT_TRUE(again.Open().ok());
  EXPECT_EQ(again->replayed_records(), later - at);
  EXPECT_EQ(FormatEth(again->state().Balance("orch-0001")), "200.000123");
}

}  // namespace
}  // namespace pb::ledger
