// The journal format of docs/journal-format.md: record bodies, the line
// "<64 hex> <body>\n" with hash = SHA-256(prev || body), replay, torn tails,
// corruption detection and segments.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "common/time_util.h"
#include "ledger/journal.h"
#include "ledger/ledger.h"
#include "ledger/record.h"
#include "ledger/verify.h"
#include "test_util.h"

namespace pb::ledger {
namespace {

using testing::ChainBuilder;
using testing::Eth;
using testing::FirstSegment;
using testing::Join;
using testing::LedgerHarness;
using testing::ReadAll;
using testing::SnapshotTree;
using testing::SplitLines;
using testing::TempDir;
using testing::WriteAll;
using testing::WriteSegments;

// ---------------------------------------------------------------- records

std::vector<Record> OneRecordOfEachType() {
  std::vector<Record> out;
  Record reg;
  reg.seq = 1;
  reg.ts_ms = 1795000000123;
  reg.type = RecordType::kRegister;
  reg.orchestrator_id = "orch-0001";
  reg.address = "0x00000000000000000000000000000000000000A1";
  out.push_back(reg);

  Record work;
  work.seq = 2;
  work.ts_ms = 1795000000456;
  work.type = RecordType::kWorkload;
  work.workload_id = "w-1";
  work.orchestrator_id = "orch-0001";
  work.amount = Eth("0.000123");
  work.duration_ms = 1500;
  work.balance = Eth("0.000123");
  out.push_back(work);

  Record work_no_duration = work;
  work_no_duration.seq = 3;
  work_no_duration.workload_id = "w-2";
  work_no_duration.duration_ms.reset();
  work_no_duration.balance = Eth("0.000246");
  out.push_back(work_no_duration);

  Record adj;
  adj.seq = 4;
  adj.ts_ms = 1795000000789;
  adj.type = RecordType::kAdjustment;
  adj.orchestrator_id = "orch-0001";
  adj.delta = Eth("-0.0001");
  adj.reason = "payout \"weekly\"\\ \t";  // escaping is part of the format
  adj.tx_hash = "0x" + std::string(64, 'a');
  adj.balance = Eth("0.000146");
  out.push_back(adj);

  Record adj_no_tx = adj;
  adj_no_tx.seq = 5;
  adj_no_tx.reason = "adjustment";
  adj_no_tx.tx_hash.clear();
  adj_no_tx.delta = Eth("1");
  adj_no_tx.balance = Eth("1.000146");
  out.push_back(adj_no_tx);

  Record imp_o;
  imp_o.seq = 6;
  imp_o.ts_ms = 1795000001000;
  imp_o.type = RecordType::kImportOrchestrator;
  imp_o.orchestrator_id = "orch-py";
  imp_o.raw_record = R"({"orchestrator_id":"orch-py","address":"0xab","cooldown_until":null,"health":{"ok":true}})";
  out.push_back(imp_o);

  Record imp_b;
  imp_b.seq = 7;
  imp_b.ts_ms = 1795000001000;
  imp_b.type = RecordType::kImportBalance;
  imp_b.orchestrator_id = "orch-py";
  imp_b.balance = Eth("0.0000001");
  out.push_back(imp_b);

  Record imp_w;
  imp_w.seq = 8;
  imp_w.ts_ms = 1795000001000;
  imp_w.type = RecordType::kImportWorkload;
  imp_w.workload_id = "w-py";
  imp_w.raw_record = R"({"status":"credited","credited":true,"amount":"0.5"})";
  out.push_back(imp_w);
  return out;
}

void ExpectSameRecord(const Record& a, const Record& b) {
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.ts_ms, b.ts_ms);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.orchestrator_id, b.orchestrator_id);
  EXPECT_EQ(a.workload_id, b.workload_id);
  EXPECT_EQ(a.address, b.address);
  EXPECT_TRUE(a.amount == b.amount);
  EXPECT_EQ(a.duration_ms, b.duration_ms);
  EXPECT_TRUE(a.delta == b.delta);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.tx_hash, b.tx_hash);
  EXPECT_TRUE(a.balance == b.balance);
  EXPECT_EQ(a.raw_record, b.raw_record);
}

TEST(RecordBody, EveryRecordTypeRoundTripsThroughEncodeAndDecode) {
  for (const Record& r : OneRecordOfEachType()) {
    SCOPED_TRACE(RecordTypeName(r.type));
    std::string body = EncodeBody(r);
    EXPECT_EQ(body.find('\n'), std::string::npos) << body;
    auto decoded = DecodeBody(body);
    ASSERT_TRUE(decoded.ok()) << body << ": " << decoded.status().ToString();
    ExpectSameRecord(*decoded, r);
    EXPECT_EQ(EncodeBody(*decoded), body);
  }
}

TEST(RecordBody, StartsWithSeqTsTypeAndWritesMoneyAsIntegerWeiStrings) {
  Record r = OneRecordOfEachType()[1];
  EXPECT_EQ(EncodeBody(r),
            R"({"seq":2,"ts":"2026-11-18T11:06:40.456Z","type":"workload","workload_id":"w-1",)"
            R"("orchestrator_id":"orch-0001","amount":"123000000000000","duration_ms":1500,)"
            R"("balance":"123000000000000"})");
  Record adj = OneRecordOfEachType()[4];
  EXPECT_EQ(EncodeBody(adj),
            R"({"seq":5,"ts":"2026-11-18T11:06:40.789Z","type":"adjustment","orchestrator_id":"orch-0001",)"
            R"("delta":"1000000000000000000","reason":"adjustment","balance":"1000146000000000000"})");
}

TEST(RecordBody, DecodeRejectsBodiesOutsideTheFormat) {
  const std::string good =
      R"({"seq":1,"ts":"2026-11-18T11:06:40.456Z","type":"register","orchestrator_id":"o","address":"0x1"})";
  ASSERT_TRUE(DecodeBody(good).ok());
  const std::vector<std::string> bad = {
      "",
      "not json",
      "[1,2]",
      R"({"seq":1,"ts":"2026-11-18T11:06:40.456Z","type":"register","orchestrator_id":"o","extra":1})",
      R"({"ts":"2026-11-18T11:06:40.456Z","type":"register","orchestrator_id":"o"})",
      R"({"seq":1,"type":"register","orchestrator_id":"o"})",
      R"({"seq":1,"ts":"2026-11-18T11:06:40.456Z","orchestrator_id":"o"})",
      R"({"seq":1,"ts":"yesterday","type":"register","orchestrator_id":"o"})",
      R"({"seq":-1,"ts":"2026-11-18T11:06:40.456Z","type":"register","orchestrator_id":"o"})",
      R"({"seq":1,"ts":"2026-11-18T11:06:40.456Z","type":"refund","orchestrator_id":"o"})",
      R"({"seq":1,"ts":"2026-11-18T11:06:40.456Z","type":"register"})",
      // money must be an integer wei string, never a JSON number or decimal
      R"({"seq":2,"ts":"2026-11-18T11:06:40.456Z","type":"workload","workload_id":"w","orchestrator_id":"o","amount":5,"balance":"5"})",
      R"({"seq":2,"ts":"2026-11-18T11:06:40.456Z","type":"workload","workload_id":"w","orchestrator_id":"o","amount":"0.5","balance":"5"})",
      R"({"seq":2,"ts":"2026-11-18T11:06:40.456Z","type":"workload","workload_id":"w","orchestrator_id":"o","amount":"5"})",
      R"({"seq":3,"ts":"2026-11-18T11:06:40.456Z","type":"adjustment","orchestrator_id":"o","reason":"x","balance":"5"})",
      R"({"seq":6,"ts":"2026-11-18T11:06:40.456Z","type":"import_orchestrator","orchestrator_id":"o","record":"{}"})",
  };
  for (const auto& body : bad) {
    auto decoded = DecodeBody(body);
    EXPECT_FALSE(decoded.ok()) << body;
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.status().kind(), Status::Kind::kInvalidArgument);
    }
  }
}

// ----------------------------------------------------- journal on disk

// Writes a small journal through the Ledger (registrations, credits, an
// adjustment) and stops without a checkpoint. Returns the number of records.
uint64_t WriteSampleJournal(const std::string& dir) {
  LedgerHarness h(dir);
  EXPECT_TRUE(h.Open().ok());
  h.Register("orch-1");
  h.Register("orch-2");
  h.Credit("w-1", "orch-1", "0.000123");
  h.Credit("w-2", "orch-2", "1");
  h.Credit("w-3", "orch-1", "0.5");
  h.Adjust("orch-1", "-0.25", "payout");
  h.Register("orch-1", "0x00000000000000000000000000000000000000b2");
  uint64_t last = h.Credit("w-4", "orch-2", "2");
  EXPECT_TRUE(h.WaitDurable(last));
  h.Crash();
  return last;
}

// Byte offset of each line in `lines`.
std::vector<uint64_t> Offsets(const std::vector<std::string>& lines) {
  std::vector<uint64_t> out;
  uint64_t off = 0;
  for (const auto& l : lines) {
    out.push_back(off);
    off += l.size();
  }
  return out;
}

TEST(JournalFile, EachLineIsHashSpaceBodyWithHashOfPreviousHashAndBody) {
  TempDir tmp;
  uint64_t n = WriteSampleJournal(tmp.path());
  auto lines = SplitLines(ReadAll(FirstSegment(tmp.path())));
  ASSERT_EQ(lines.size(), n);
  const std::regex shape("[0-9a-f]{64} \\{\"seq\":[0-9]+,\"ts\":\"[^\"]+\",\"type\":\"[a-z_]+\".*\\}\n");
  // Recomputed with OpenSSL directly, as docs/journal-format.md's Python check does.
  std::string prev(32, '\0');
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    ASSERT_TRUE(std::regex_match(line, shape)) << line;
    std::string hash = line.substr(0, 64);
    std::string body = line.substr(65, line.size() - 66);
    EXPECT_EQ(hash, testing::OpenSslSha256Hex(prev + body)) << "record " << i + 1;
    EXPECT_EQ(body.find("{\"seq\":" + std::to_string(i + 1) + ","), 0u) << body;
    prev = testing::HexToBytes(hash);
  }
}

TEST(JournalFile, FirstRecordHashIsSha256OfThirtyTwoZeroBytesAndTheBody) {
  TempDir tmp;
  WriteSampleJournal(tmp.path());
  std::string first = SplitLines(ReadAll(FirstSegment(tmp.path())))[0];
  std::string body = first.substr(65, first.size() - 66);
  std::string expected = testing::OpenSslSha256Hex(std::string(32, '\0') + body);
  EXPECT_EQ(first.substr(0, 64), expected);
  // The library's helpers build the very same line.
  EXPECT_EQ(EncodeLine(ChainHash(Digest{}, body), body), first);
}

TEST(JournalFile, ReadJournalReplaysEveryRecordInOrder) {
  TempDir tmp;
  uint64_t n = WriteSampleJournal(tmp.path());
  auto lines = SplitLines(ReadAll(FirstSegment(tmp.path())));
  std::vector<Record> seen;
  std::vector<std::string> seen_lines;
  auto read = ReadJournal(tmp.Sub("journal"), ChainPoint{}, OnTornTail::kReport,
                          [&](const Record& r, std::string_view line) {
                            seen.push_back(r);
                            seen_lines.emplace_back(line);
                            return Status::Ok();
                          });
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_FALSE(read->torn);
  EXPECT_EQ(read->end.seq, n);
  EXPECT_EQ(ToHex(read->end.hash), lines.back().substr(0, 64));
  ASSERT_EQ(seen.size(), n);
  EXPECT_EQ(seen_lines, lines);
  const std::vector<RecordType> types = {RecordType::kRegister, RecordType::kRegister,   RecordType::kWorkload,
                                         RecordType::kWorkload, RecordType::kWorkload,   RecordType::kAdjustment,
                                         RecordType::kRegister, RecordType::kWorkload};
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].seq, i + 1);
    EXPECT_EQ(seen[i].type, types[i]) << "seq " << i + 1;
  }
  EXPECT_EQ(seen[2].workload_id, "w-1");
  EXPECT_TRUE(seen[2].amount == Eth("0.000123"));
  EXPECT_TRUE(seen[2].balance == Eth("0.000123"));
  EXPECT_TRUE(seen[5].delta == Eth("-0.25"));
  EXPECT_TRUE(seen[5].balance == Eth("0.250123"));
  EXPECT_EQ(seen[5].reason, "payout");
}

TEST(JournalFile, ReadJournalFromAChainPointReplaysOnlyLaterRecords) {
  TempDir tmp;
  uint64_t n = WriteSampleJournal(tmp.path());
  auto lines = SplitLines(ReadAll(FirstSegment(tmp.path())));
  ChainPoint start{3, {}};
  ASSERT_TRUE(FromHex(lines[2].substr(0, 64), &start.hash));
  std::vector<uint64_t> seqs;
  auto read = ReadJournal(tmp.Sub("journal"), start, OnTornTail::kReport, [&](const Record& r, std::string_view) {
    seqs.push_back(r.seq);
    return Status::Ok();
  });
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(seqs, (std::vector<uint64_t>{4, 5, 6, 7, 8}));
  EXPECT_EQ(read->end.seq, n);

  start.hash[0] ^= 1;  // a checkpoint hash that does not match record 3
  auto mismatch = ReadJournal(tmp.Sub("journal"), start, OnTornTail::kReport, [](const Record&, std::string_view) {
    return Status::Ok();
  });
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.status().kind(), Status::Kind::kCorruption);
}

TEST(JournalFile, LedgerReopensAtTheLastRecordWithTheSameState) {
  TempDir tmp;
  uint64_t n = WriteSampleJournal(tmp.path());
  LedgerHarness h(tmp.path());
  ASSERT_TRUE(h.Open().ok());
  EXPECT_EQ(h->last_seq(), n);
  EXPECT_EQ(h->replayed_records(), n);
  EXPECT_TRUE(h->state().Balance("orch-1") == Eth("0.250123"));
  EXPECT_TRUE(h->state().Balance("orch-2") == Eth("3"));
  EXPECT_EQ(h->state().FindOrchestrator("orch-1")->registration_count, 2u);
  EXPECT_EQ(h->state().FindOrchestrator("orch-1")->address, "0x00000000000000000000000000000000000000b2");
  EXPECT_EQ(h->state().workloads().size(), 4u);
}

// ---------------------------------------------------------- torn tails

struct TornCase {
  const char* name;
  // Damages the journal text (whose last line is `last`) in place.
  std::function<std::string(const std::string& text, const std::string& last)> damage;
  bool last_record_lost;  // the torn piece was the last record itself
};

void PrintTo(const TornCase& c, std::ostream* os) { *os << c.name; }

class TornTail : public ::testing::TestWithParam<TornCase> {};

TEST_P(TornTail, OpenCutsTheTornBytesAndKeepsEveryEarlierRecord) {
  TempDir tmp;
  uint64_t n = WriteSampleJournal(tmp.path());
  const std::string seg = FirstSegment(tmp.path());
  const std::string original = ReadAll(seg);
  const std::string last = SplitLines(original).back();
  WriteAll(seg, GetParam().damage(original, last));

  const uint64_t expected_seq = GetParam().last_record_lost ? n - 1 : n;
  const std::string expected_text =
      GetParam().last_record_lost ? original.substr(0, original.size() - last.size()) : original;
  {
    LedgerHarness h(tmp.path());
    Status st = h.Open();
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(h->last_seq(), expected_seq);
    EXPECT_EQ(ReadAll(seg), expected_text);
    EXPECT_TRUE(h->state().Balance("orch-1") == Eth("0.250123"));
    EXPECT_TRUE(h->state().Balance("orch-2") == (GetParam().last_record_lost ? Eth("1") : Eth("3")));
    // Writing continues right after the last good record.
    uint64_t seq = h.Credit("w-5", "orch-1", "0.1");
    EXPECT_EQ(seq, expected_seq + 1);
    ASSERT_TRUE(h.WaitDurable(seq));
    h.Crash();
  }
  auto records = testing::JournalRecords(tmp.path());
  ASSERT_EQ(records.size(), expected_seq + 1);
  EXPECT_EQ(records.back().workload_id, "w-5");
}

INSTANTIATE_TEST_SUITE_P(
    Journal, TornTail,
    ::testing::Values(
        TornCase{"LastLineCutMidway",
                 [](const std::string& text, const std::string& last) {
                   return text.substr(0, text.size() - last.size() / 2);
                 },
                 true},
        TornCase{"LastLineCutBeforeItsNewline",
                 [](const std::string& text, const std::string&) { return text.substr(0, text.size() - 1); }, true},
        TornCase{"LastLineCutInsideTheHash",
                 [](const std::string& text, const std::string& last) {
                   return text.substr(0, text.size() - last.size() + 10);
                 },
                 true},
        TornCase{"GarbageWithoutNewlineAppended",
                 [](const std::string& text, const std::string&) { return text + "{\"seq\":9,\"ts\":\"20"; }, false},
        TornCase{"ZeroBytesAppended",
                 [](const std::string& text, const std::string&) { return text + std::string(4096, '\0'); }, false},
        TornCase{"LastLineOverwrittenWithZeroBytes",
                 [](const std::string& text, const std::string& last) {
                   return text.substr(0, text.size() - last.size()) + std::string(last.size(), '\0');
                 },
                 true}),
    [](const ::testing::TestParamInfo<TornCase>& info) { return std::string(info.param.name); });

// ------------------------------------------------------ chain breaks

struct BreakCase {
  const char* name;
  // Returns the damaged lines and the (seq, line index) where replay must stop.
  std::function<std::vector<std::string>(std::vector<std::string>)> damage;
  uint64_t reported_seq;
  size_t reported_line;  // index into the ORIGINAL lines whose offset is reported
  uint64_t extra_offset;  // added to that offset
};

void PrintTo(const BreakCase& c, std::ostream* os) { *os << c.name; }

class ChainBreak : public ::testing::TestWithParam<BreakCase> {};

TEST_P(ChainBreak, OpenFailsWithCorruptionNamingFileSeqAndOffsetAndChangesNothing) {
  TempDir tmp;
  WriteSampleJournal(tmp.path());
  const std::string seg = FirstSegment(tmp.path());
  auto lines = SplitLines(ReadAll(seg));
  auto offsets = Offsets(lines);
  WriteAll(seg, Join(GetParam().damage(lines)));
  const auto before = SnapshotTree(tmp.path());

  auto opened = Ledger::Open(tmp.path());
  ASSERT_FALSE(opened.ok());
  const Status& st = opened.status();
  EXPECT_EQ(st.kind(), Status::Kind::kCorruption) << st.ToString();
  const uint64_t offset = offsets[GetParam().reported_line] + GetParam().extra_offset;
  EXPECT_NE(st.message().find(seg), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("seq " + std::to_string(GetParam().reported_seq) + " "), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("byte offset " + std::to_string(offset) + ":"), std::string::npos) << st.message();
  EXPECT_EQ(SnapshotTree(tmp.path()), before);

  // The offline verifier reports the same damage.
  auto report = VerifyDataDir(tmp.path());
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(SnapshotTree(tmp.path()), before);
}

INSTANTIATE_TEST_SUITE_P(
    Journal, ChainBreak,
    ::testing::Values(
        // Record 4 is "w-2" credited to orch-2; lines are 0-based here.
        BreakCase{"ByteEditedInAMiddleBody",
                  [](std::vector<std::string> l) {
                    size_t at = l[3].find("\"w-2\"");
                    l[3][at + 3] = '9';  // w-2 -> w-9: still valid JSON, same length
                    return l;
                  },
                  4, 3, 0},
        BreakCase{"AmountEditedInAMiddleBody",
                  [](std::vector<std::string> l) {
                    size_t at = l[3].find("\"amount\":\"1");
                    l[3][at + 10] = '2';
                    return l;
                  },
                  4, 3, 0},
        BreakCase{"TwoMiddleLinesSwapped",
                  [](std::vector<std::string> l) {
                    std::swap(l[3], l[4]);
                    return l;
                  },
                  4, 3, 0},
        BreakCase{"MiddleLineDeleted",
                  [](std::vector<std::string> l) {
                    l.erase(l.begin() + 3);
                    return l;
                  },
                  4, 3, 0},
        BreakCase{"MiddleLineDuplicated",
                  [](std::vector<std::string> l) {
                    l.insert(l.begin() + 3, l[3]);
                    return l;
                  },
                  5, 4, 0},  // the copy sits where record 5 was
        BreakCase{"HashOfAMiddleLineCorrupted",
                  [](std::vector<std::string> l) {
                    l[3][0] = l[3][0] == 'a' ? 'b' : 'a';
                    return l;
                  },
                  4, 3, 0},
        BreakCase{"HashOfTheFirstLineCorrupted",
                  [](std::vector<std::string> l) {
                    l[0][63] = l[0][63] == '0' ? '1' : '0';
                    return l;
                  },
                  1, 0, 0},
        BreakCase{"MiddleLineCutShort",
                  [](std::vector<std::string> l) {
                    l[3] = l[3].substr(0, 100) + "\n";
                    return l;
                  },
                  4, 3, 0},
        BreakCase{"ZeroBytesInAMiddleLine",
                  [](std::vector<std::string> l) {
                    for (size_t i = 70; i < 90; ++i) l[3][i] = '\0';
                    return l;
                  },
                  4, 3, 0},
        BreakCase{"ForeignLineInserted",
                  [](std::vector<std::string> l) {
                    l.insert(l.begin() + 3, "hello\n");
                    return l;
                  },
                  4, 3, 0},
        // A complete last record (newline present) that fails its hash was
        // acknowledged and then damaged: corruption, never cut as a torn tail.
        BreakCase{"CompleteLastLineEdited",
                  [](std::vector<std::string> l) {
                    size_t at = l.back().find("\"amount\":\"2");  // record 8: w-4, 2 ETH
                    l.back()[at + 10] = '3';
                    return l;
                  },
                  8, 7, 0}),
    [](const ::testing::TestParamInfo<BreakCase>& info) { return std::string(info.param.name); });

TEST(ChainBreakAfterCheckpoint, IsDetectedWhenReplayingTheRecordsAfterTheCheckpoint) {
  TempDir tmp;
  {
    LedgerHarness h(tmp.path());
    ASSERT_TRUE(h.Open().ok());
    h.Register("orch-1");
    h.Credit("w-1", "orch-1", "1");
    ASSERT_TRUE(h.Shutdown().ok());  // checkpoint at seq 2
  }
  {
    LedgerHarness h(tmp.path());
    ASSERT_TRUE(h.Open().ok());
    h.Credit("w-2", "orch-1", "1");
    h.Credit("w-3", "orch-1", "1");
    uint64_t last = h.Credit("w-4", "orch-1", "1");
    ASSERT_TRUE(h.WaitDurable(last));
    h.Crash();
  }
  const std::string seg = FirstSegment(tmp.path());
  auto lines = SplitLines(ReadAll(seg));
  ASSERT_EQ(lines.size(), 5u);
  auto offsets = Offsets(lines);
  lines[3][lines[3].find("\"w-3\"") + 3] = '8';  // record 4 (after the checkpoint): w-3 -> w-8
  WriteAll(seg, Join(lines));
  const auto before = SnapshotTree(tmp.path());
  auto opened = Ledger::Open(tmp.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().kind(), Status::Kind::kCorruption);
  EXPECT_NE(opened.status().message().find("seq 4 at byte offset " + std::to_string(offsets[3])), std::string::npos)
      << opened.status().message();
  EXPECT_EQ(SnapshotTree(tmp.path()), before);
}

// ------------------------------------------------------------ segments

std::vector<std::string> CreditChain(int credits) {
  ChainBuilder b;
  std::vector<std::string> lines;
  lines.push_back(b.Add(testing::RegisterRecord("orch-1")));
  for (int i = 1; i <= credits; ++i) {
    lines.push_back(b.Add(testing::WorkloadRecord("w-" + std::to_string(i), "orch-1", kWeiPerEth, i * kWeiPerEth)));
  }
  return lines;
}

TEST(Segments, AreNamedByTheirFirstSeqZeroPaddedToTwentyDigits) {
  EXPECT_EQ(SegmentPath("/d/journal", 1), "/d/journal/00000000000000000001.journal");
  EXPECT_EQ(SegmentPath("/d/journal", 52873), "/d/journal/00000000000000052873.journal");
  TempDir tmp;
  WriteAll(tmp.Sub("journal/00000000000000000004.journal"), "");
  WriteAll(tmp.Sub("journal/00000000000000000001.journal"), "");
  WriteAll(tmp.Sub("journal/CHECKPOINT"), "{}");
  WriteAll(tmp.Sub("journal/1.journal"), "");
  WriteAll(tmp.Sub("journal/0000000000000000000x.journal"), "");
  auto segs = ListSegments(tmp.Sub("journal"));
  ASSERT_TRUE(segs.ok());
  ASSERT_EQ(segs->size(), 2u);
  EXPECT_EQ((*segs)[0].first_seq, 1u);
  EXPECT_EQ((*segs)[1].first_seq, 4u);
}

TEST(Segments, RecordsAreReplayedAcrossSegmentsInNameOrder) {
  TempDir tmp;
  auto lines = CreditChain(7);  // seq 1..8
  WriteSegments(tmp.path(), lines, {1, 4, 7});
  LedgerHarness h(tmp.path());
  ASSERT_TRUE(h.Open().ok());
  EXPECT_EQ(h->last_seq(), 8u);
  EXPECT_TRUE(h->state().Balance("orch-1") == 7 * kWeiPerEth);
  // New records go to the newest segment.
  uint64_t seq = h.Credit("w-8", "orch-1", "1");
  ASSERT_TRUE(h.WaitDurable(seq));
  h.Crash();
  auto last = SplitLines(ReadAll(SegmentPath(tmp.Sub("journal"), 7)));
  ASSERT_EQ(last.size(), 3u);
  EXPECT_NE(last[2].find("\"seq\":9,"), std::string::npos);
}

TEST(Segments, AMissingMiddleSegmentIsCorruption) {
  TempDir tmp;
  auto lines = CreditChain(7);
  WriteSegments(tmp.path(), lines, {1, 4, 7});
  std::filesystem::remove(SegmentPath(tmp.Sub("journal"), 4));
  const auto before = SnapshotTree(tmp.path());
  auto opened = Ledger::Open(tmp.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().kind(), Status::Kind::kCorruption);
  EXPECT_NE(opened.status().message().find(SegmentPath(tmp.Sub("journal"), 7)), std::string::npos)
      << opened.status().message();
  EXPECT_NE(opened.status().message().find("seq 4 at byte offset 0"), std::string::npos) << opened.status().message();
  EXPECT_EQ(SnapshotTree(tmp.path()), before);
}

TEST(Segments, AMissingFirstSegmentIsCorruption) {
  TempDir tmp;
  WriteSegments(tmp.path(), CreditChain(7), {1, 4, 7});
  std::filesystem::remove(SegmentPath(tmp.Sub("journal"), 1));
  auto opened = Ledger::Open(tmp.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().kind(), Status::Kind::kCorruption);
  EXPECT_NE(opened.status().message().find("records 1 to 3 are missing"), std::string::npos)
      << opened.status().message();
}

TEST(Segments, ASegmentWhoseNameDisagreesWithItsFirstRecordIsCorruption) {
  TempDir tmp;
  auto lines = CreditChain(7);
  WriteSegments(tmp.path(), lines, {1, 4, 7});
  std::filesystem::rename(SegmentPath(tmp.Sub("journal"), 7), SegmentPath(tmp.Sub("journal"), 6));
  auto opened = Ledger::Open(tmp.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().kind(), Status::Kind::kCorruption) << opened.status().ToString();
}

TEST(Segments, ATornTailIsOnlyToleratedInTheNewestSegment) {
  TempDir tmp;
  auto lines = CreditChain(7);
  lines[2] = lines[2].substr(0, 40);  // record 3, the last one of segment 1, torn
  WriteSegments(tmp.path(), lines, {1, 4, 7});
  auto opened = Ledger::Open(tmp.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().kind(), Status::Kind::kCorruption);
  EXPECT_NE(opened.status().message().find("seq 3 at byte offset"), std::string::npos) << opened.status().message();
}

// A real roll needs a 64 MiB segment: built here from register records with
// a valid chain (~0.5 s), then one live record must open segment N+1.
TEST(Segments, TheWriterStartsANewSegmentOnceTheCurrentOnePassesTheRollSize) {
  TempDir tmp;
  ChainBuilder b;
  const std::string id(128, 'o');
  while (b.text().size() < kSegmentRollBytes) b.Add(testing::RegisterRecord(id));
  const uint64_t n = b.seq();
  WriteAll(FirstSegment(tmp.path()), b.text());
  {
    LedgerHarness h(tmp.path());
    ASSERT_TRUE(h.Open().ok());
    EXPECT_EQ(h->last_seq(), n);
    uint64_t seq = h.Credit("w-1", id, "1");
    ASSERT_EQ(seq, n + 1);
    ASSERT_TRUE(h.WaitDurable(seq));
    // Records on both sides of the roll are served to readers.
    auto events = h->Events(n - 1, n + 1, 10);
    ASSERT_TRUE(events.ok()) << events.status().ToString();
    ASSERT_EQ(events->size(), 2u);
    EXPECT_EQ((*events)[0].find("{\"seq\":" + std::to_string(n) + ","), 0u);
    EXPECT_EQ((*events)[1].find("{\"seq\":" + std::to_string(n + 1) + ","), 0u);
    h.Crash();
  }
  auto segs = ListSegments(tmp.Sub("journal"));
  ASSERT_TRUE(segs.ok());
  ASSERT_EQ(segs->size(), 2u);
  EXPECT_EQ((*segs)[1].first_seq, n + 1);
  EXPECT_EQ(std::filesystem::file_size(FirstSegment(tmp.path())), b.text().size());  // the full segment is untouched
  auto second = SplitLines(ReadAll((*segs)[1].path));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_NE(second[0].find("\"workload_id\":\"w-1\""), std::string::npos);
  {
    LedgerHarness h(tmp.path());
    ASSERT_TRUE(h.Open().ok());
    EXPECT_EQ(h->last_seq(), n + 1);
    EXPECT_TRUE(h->state().Balance(id) == kWeiPerEth);
    EXPECT_EQ(h->state().FindOrchestrator(id)->registration_count, n);
    uint64_t seq = h.Credit("w-2", id, "1");
    ASSERT_TRUE(h.WaitDurable(seq));
    ASSERT_TRUE(h.Shutdown().ok());  // checkpoint at n + 2, inside the second segment
  }
  LedgerHarness h(tmp.path());
  ASSERT_TRUE(h.Open().ok());
  EXPECT_EQ(h->checkpoint_seq(), n + 2);
  EXPECT_EQ(h->replayed_records(), 0u);
  EXPECT_TRUE(h->state().Balance(id) == 2 * kWeiPerEth);
  uint64_t seq = h.Credit("w-3", id, "1");
  EXPECT_EQ(seq, n + 3);
  ASSERT_TRUE(h.WaitDurable(seq));
}

}  // namespace
}  // namespace pb::ledger
