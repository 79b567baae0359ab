// The ledger's file access goes through the file-system seam
// (common/file_ops.h) — reads, truncates, removals and appends — so a
// recording decorator sees every durable step and a fault decorator can
// interrupt or shorten every read (ctest -R ledger.Seam):
// - a torn journal tail (and a torn mirror line) cut at start-up is
//   ftruncate'd and then fsynced, before the ledger accepts writes;
// - leftovers of an uncommitted checkpoint are removed, and mirror lines
//   appended, through the seam;
// - reads shortened or interrupted (EINTR) at any point give the same
//   ledger, the same files and the same events as reads without faults.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/file_ops.h"
#include "ledger/datadir.h"
#include "ledger/ledger.h"
#include "support/fault_file_ops.h"
#include "support/file_ops_decorators.h"
#include "support/recording_file_ops.h"
#include "test_util.h"

namespace pb::ledger {
namespace {

using testing::AppendAll;
using testing::FaultFileOps;
using testing::FaultKind;
using testing::FaultKindName;
using testing::FirstSegment;
using testing::ReadAll;
using testing::RecordingFileOps;
using testing::ScopedFileOps;
using testing::SnapshotTree;
using testing::TempDir;
using testing::WriteAll;
using testing::WriteCheckpointedLedger;

// Index of the first record equal to `what` at or after `from` (calls.size() when none).
size_t IndexOf(const std::vector<std::string>& calls, const std::string& what, size_t from = 0) {
  for (size_t i = from; i < calls.size(); ++i) {
    if (calls[i] == what) return i;
  }
  return calls.size();
}

std::string Dump(const std::vector<std::string>& calls) {
  std::string out;
  for (const std::string& c : calls) out += "  " + c + "\n";
  return out;
}

TEST(Seam, ATornJournalTailIsCutAndTheCutFsyncedBeforeTheLedgerOpens) {
  TempDir tmp;
  WriteCheckpointedLedger(tmp.path());
  const uint64_t last = testing::JournalEnd(tmp.path()).seq;
  const std::string seg = FirstSegment(tmp.path());
  const uint64_t good = std::filesystem::file_size(seg);
  AppendAll(seg, "{\"seq\":99,\"ts\":\"20");  // a crash mid-write
  RecordingFileOps ops;
  {
    ScopedFileOps installed(&ops);
    auto ledger = Ledger::Open(tmp.path());
    ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
    EXPECT_EQ((*ledger)->last_seq(), last);
  }
  const auto calls = ops.CallsOn(seg);
  const size_t cut = IndexOf(calls, "ftruncate " + seg + " " + std::to_string(good));
  ASSERT_LT(cut, calls.size()) << "the torn tail was not cut through the seam:\n" << Dump(calls);
  EXPECT_LT(IndexOf(calls, "fsync " + seg, cut), calls.size()) << "the cut was not fsynced:\n" << Dump(calls);
  EXPECT_EQ(std::filesystem::file_size(seg), good);
}

TEST(Seam, ATornMirrorLineIsCutAndTheCutFsynced) {
  TempDir tmp;
  WriteCheckpointedLedger(tmp.path());
  const std::string events = DataPath(tmp.path(), kLedgerEventsLog);
  const uint64_t good = std::filesystem::file_size(events);
  AppendAll(events, "{\"timestamp\":\"2026-");
  RecordingFileOps ops;
  {
    ScopedFileOps installed(&ops);
    ASSERT_TRUE(Ledger::Open(tmp.path()).ok());
  }
  const auto calls = ops.CallsOn(events);
  const size_t cut = IndexOf(calls, "ftruncate " + events + " " + std::to_string(good));
  ASSERT_LT(cut, calls.size()) << Dump(calls);
  EXPECT_LT(IndexOf(calls, "fsync " + events, cut), calls.size()) << Dump(calls);
  EXPECT_EQ(std::filesystem::file_size(events), good);
}

TEST(Seam, MissingMirrorLinesAreAppendedThroughTheSeam) {
  TempDir tmp;
  WriteCheckpointedLedger(tmp.path());
  const std::string events = DataPath(tmp.path(), kLedgerEventsLog);
  const std::string complete = ReadAll(events);
  const auto lines = testing::SplitLines(complete);
  // The service died before writing the last two.
  WriteAll(events, testing::Join(std::vector<std::string>(lines.begin(), lines.end() - 2)));
  RecordingFileOps ops;
  {
    ScopedFileOps installed(&ops);
    ASSERT_TRUE(Ledger::Open(tmp.path()).ok());
  }
  EXPECT_LT(IndexOf(ops.calls(), "open-append " + events), ops.calls().size()) << Dump(ops.calls());
  EXPECT_EQ(ReadAll(events), complete);
}

TEST(Seam, LeftoversOfAnUncommittedCheckpointAreRemovedThroughTheSeam) {
  TempDir tmp;
  WriteCheckpointedLedger(tmp.path());
  const std::string marker_ckpt = DataPath(tmp.path(), kCheckpointMarker) + kPendingSuffix;
  const std::string balances_ckpt = DataPath(tmp.path(), kBalancesJson) + kPendingSuffix;
  WriteAll(marker_ckpt, "{}\n");
  WriteAll(balances_ckpt, "{}\n");
  RecordingFileOps ops;
  {
    ScopedFileOps installed(&ops);
    ASSERT_TRUE(Ledger::Open(tmp.path()).ok());
  }
  EXPECT_LT(IndexOf(ops.calls(), "unlink " + marker_ckpt), ops.calls().size()) << Dump(ops.calls());
  EXPECT_LT(IndexOf(ops.calls(), "unlink " + balances_ckpt), ops.calls().size()) << Dump(ops.calls());
  EXPECT_FALSE(testing::Exists(marker_ckpt));
  EXPECT_FALSE(testing::Exists(balances_ckpt));
}

// What an open of a copy of `dir` gives: the files afterwards, the ledger's
// position and balances, and its events.
struct Opened {
  bool ok = false;
  std::map<std::string, std::string> files;
  uint64_t last_seq = 0, checkpoint_seq = 0;
  std::string balances, events;
};

Opened OpenCopy(const std::string& dir, FileOps* ops) {
  TempDir copy;
  std::filesystem::copy(dir, copy.path(), std::filesystem::copy_options::recursive |
                                              std::filesystem::copy_options::overwrite_existing);
  Opened out;
  {
    ScopedFileOps installed(ops);
    auto ledger = Ledger::Open(copy.path());
    if (!ledger.ok()) {
      ADD_FAILURE() << ledger.status().ToString();
      return out;
    }
    out.last_seq = (*ledger)->last_seq();
    out.checkpoint_seq = (*ledger)->checkpoint_seq();
    std::map<std::string, Wei> balances;  // in a stable order
    for (const auto& [id, wei] : (*ledger)->state().balances()) balances[std::string(id)] = wei;
    for (const auto& [id, wei] : balances) out.balances += id + "=" + FormatEth(wei) + ";";
    auto events = (*ledger)->Events(0, out.last_seq, 1000);
    if (!events.ok()) {
      ADD_FAILURE() << events.status().ToString();
      return out;
    }
    for (const std::string& e : *events) out.events += e + "\n";
  }
  out.files = SnapshotTree(copy.path());
  out.ok = true;
  return out;
}

// Injects `kind` at the 1st, 2nd, ... read until a run reaches no more
// reads, and compares each run with a run without faults.
void ExpectReadFaultsChangeNothing(FaultKind kind) {
  TempDir tmp;
  WriteCheckpointedLedger(tmp.path());
  AppendAll(FirstSegment(tmp.path()), "{\"torn");
  AppendAll(DataPath(tmp.path(), kRegistryLog), "{\"torn");
  const Opened expected = OpenCopy(tmp.path(), nullptr);
  ASSERT_TRUE(expected.ok);
  uint64_t points = 0;
  for (uint64_t at = 1; at <= 200; ++at) {
    FaultFileOps ops({kind, at, ""});
    const Opened got = OpenCopy(tmp.path(), &ops);
    if (ops.injected() == 0) break;  // fewer reads than `at`
    ++points;
    ASSERT_TRUE(got.ok) << FaultKindName(kind) << " at read " << at;
    EXPECT_EQ(got.last_seq, expected.last_seq) << FaultKindName(kind) << " at read " << at;
    EXPECT_EQ(got.checkpoint_seq, expected.checkpoint_seq) << FaultKindName(kind) << " at read " << at;
    EXPECT_EQ(got.balances, expected.balances) << FaultKindName(kind) << " at read " << at;
    EXPECT_EQ(got.events, expected.events) << FaultKindName(kind) << " at read " << at;
    EXPECT_TRUE(got.files == expected.files) << FaultKindName(kind) << " at read " << at << " changed the files";
  }
  std::printf("seam: kind=%s read points=%llu\n", FaultKindName(kind), static_cast<unsigned long long>(points));
  // The marker, the JSON files' digests, both mirrors' tails, the segment
  // and the events index are all read through the seam.
  EXPECT_GE(points, 8u) << "reads do not go through the file-system seam";
}

TEST(Seam, ShortReadsAtAnyPointGiveTheSameLedgerFilesAndEvents) {
  ExpectReadFaultsChangeNothing(FaultKind::kShortRead);
}

TEST(Seam, InterruptedReadsAtAnyPointAreRetried) { ExpectReadFaultsChangeNothing(FaultKind::kReadEintr); }

}  // namespace
}  // namespace pb::ledger
