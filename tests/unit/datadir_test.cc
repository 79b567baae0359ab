// ledger/datadir.h, the one owner of the data-directory layout: names and
// segment names round trip, the CHECKPOINT marker round trips and its match
// check tells every case apart, and the last-line scan finds where a log
// (journal segment or mirror) ends (ctest -R ledger.DataDir).
#include "ledger/datadir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <climits>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/time_util.h"
#include "test_util.h"

namespace pb::ledger {
namespace {

using testing::ChainBuilder;
using testing::OpenSslSha256Hex;
using testing::RegisterRecord;
using testing::TempDir;
using testing::WriteAll;

// ------------------------------------------------------------------ names

TEST(DataDirNames, SegmentFileNamesRoundTripThroughTheirParse) {
  for (uint64_t seq : {uint64_t{0}, uint64_t{1}, uint64_t{52873}, uint64_t{UINT64_MAX}}) {
    const std::string name = SegmentFileName(seq);
    EXPECT_EQ(name.size(), 28u) << name;
    EXPECT_EQ(ParseSegmentFileName(name), seq) << name;
    EXPECT_TRUE(IsSegmentName(name)) << name;
    EXPECT_TRUE(IsJournalSegment(std::string(kJournalDir) + "/" + name)) << name;
  }
  EXPECT_EQ(SegmentFileName(52873), "00000000000000052873.journal");
  EXPECT_EQ(SegmentFileName(UINT64_MAX), "18446744073709551615.journal");
  EXPECT_EQ(SegmentPath("/d/journal", 1), "/d/journal/00000000000000000001.journal");
}

TEST(DataDirNames, NoOtherNameIsASegment) {
  for (const char* name : {"", "CHECKPOINT", "1.journal", "0000000000000000001.journal",
                           "000000000000000000001.journal", "0000000000000000000a.journal", "+0000000000000000001.journal",
                           "00000000000000000001.journal.tmp", "00000000000000000001.jrnl",
                           "18446744073709551616.journal" /* 2^64 */, "99999999999999999999.journal"}) {
    EXPECT_FALSE(ParseSegmentFileName(name).has_value()) << name;
    EXPECT_FALSE(IsSegmentName(name)) << name;
  }
  for (const char* rel : {"00000000000000000001.journal", "journalx/00000000000000000001.journal",
                          "audit/00000000000000000001.journal", "journal/sub/00000000000000000001.journal",
                          "journal/", "journal/CHECKPOINT"}) {
    EXPECT_FALSE(IsJournalSegment(rel)) << rel;
  }
}

TEST(DataDirNames, ListSegmentsSortsBySeqAndIgnoresEveryOtherFile) {
  TempDir tmp;
  const std::string journal = JournalDir(tmp.path());
  for (uint64_t seq : {52873, 1, 7}) WriteAll(SegmentPath(journal, seq), "");
  for (const char* other : {"CHECKPOINT", "CHECKPOINT.ckpt", "x.journal", "18446744073709551616.journal"}) {
    WriteAll(DataPath(journal, other), "");
  }
  auto segs = ListSegments(journal);
  ASSERT_TRUE(segs.ok()) << segs.status().ToString();
  ASSERT_EQ(segs->size(), 3u);
  const uint64_t expected[] = {1, 7, 52873};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*segs)[i].first_seq, expected[i]);
    EXPECT_EQ((*segs)[i].path, SegmentPath(journal, expected[i]));
  }
}

TEST(DataDirNames, PathsAreTheDataDirectoryAndTheDocumentedNames) {
  EXPECT_EQ(JournalDir("/srv/data"), "/srv/data/journal");
  EXPECT_EQ(DataPath("/srv/data", kCheckpointMarker), "/srv/data/journal/CHECKPOINT");
  EXPECT_EQ(DataPath("/srv/data", kLedgerEventsLog), "/srv/data/audit/ledger-events.log");
  EXPECT_EQ(DataPath("/srv/data", kRegistryLog), "/srv/data/audit/registry.log");
  EXPECT_EQ(DataPath("/srv/data", kAccessLog), "/srv/data/audit/payments-audit.log");
  EXPECT_EQ(std::string(kCheckpointMarker), std::string(kJournalDir) + "/" + kCheckpointMarkerName);
  EXPECT_EQ(StalePath("/srv/data/balances.json", 42), "/srv/data/balances.json.stale-42");
  EXPECT_STREQ(kStateFiles[0], "registry.json");
  EXPECT_STREQ(kStateFiles[1], "balances.json");
  EXPECT_STREQ(kStateFiles[2], "workloads.json");
}

TEST(DataDirNames, AnyStateFileMakesAPythonEraDirectory) {
  TempDir tmp;
  EXPECT_FALSE(HasStateFiles(tmp.path()));
  for (const char* name : kStateFiles) {
    TempDir one;
    WriteAll(DataPath(one.path(), name), "{}");
    EXPECT_TRUE(HasStateFiles(one.path())) << name;
  }
}

// --------------------------------------------------------- the marker

CheckpointMarker SampleMarker() {
  CheckpointMarker m;
  m.point.seq = 42;
  m.point.hash = ChainHash(Digest{}, "{\"seq\":42}");
  m.file_sha = {OpenSslSha256Hex("r"), OpenSslSha256Hex("b"), OpenSslSha256Hex("w")};
  return m;
}

TEST(DataDirCheckpointMarker, EncodeThenParseGivesTheSameMarker) {
  const CheckpointMarker m = SampleMarker();
  const std::string text = EncodeCheckpointMarker(m, 1795000000123);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find('\n'), text.size() - 1) << "one line";
  EXPECT_NE(text.find("\"format\":1"), std::string::npos) << text;
  EXPECT_NE(text.find("\"written_at\":\"" + FormatIso8601(1795000000123) + "\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"balances.json\":\"" + m.file_sha[1] + "\""), std::string::npos) << text;
  auto parsed = ParseCheckpointMarker(text, "/d/journal/CHECKPOINT");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->point.seq, m.point.seq);
  EXPECT_EQ(parsed->point.hash, m.point.hash);
  EXPECT_EQ(parsed->file_sha, m.file_sha);
}

TEST(DataDirCheckpointMarker, ParseRefusesAnythingButAWholeFormatOneMarker) {
  const std::string good = EncodeCheckpointMarker(SampleMarker(), 1795000000123);
  auto edit = [&](const std::string& from, const std::string& to) {
    std::string text = good;
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? text : text.replace(at, from.size(), to);
  };
  const std::string cases[] = {
      "", "{}", "[]", "not json", good.substr(0, good.size() / 2), edit("\"format\":1", "\"format\":2"),
      edit("\"seq\":42", "\"seq\":-1"), edit("\"seq\":42", "\"sequence\":42"),
      edit("\"hash\":\"", "\"hash\":\"zz"), edit("\"registry.json\"", "\"registry\""),
      edit("\"workloads.json\":\"", "\"workloads.json\":7,\"x\":\""), edit("\"files\"", "\"filez\"")};
  for (const std::string& text : cases) {
    auto parsed = ParseCheckpointMarker(text, "/d/journal/CHECKPOINT");
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().kind(), Status::Kind::kCorruption) << text;
    EXPECT_NE(parsed.status().message().find("/d/journal/CHECKPOINT is malformed"), std::string::npos)
        << parsed.status().message();
  }
}

TEST(DataDirCheckpointMarker, ReadingItIsNotFoundWithoutOneAndCorruptionWhenMalformed) {
  TempDir tmp;
  EXPECT_EQ(ReadCheckpointMarker(tmp.path()).status().kind(), Status::Kind::kNotFound);
  WriteAll(DataPath(tmp.path(), kCheckpointMarker), "{\"format\":1");
  EXPECT_EQ(ReadCheckpointMarker(tmp.path()).status().kind(), Status::Kind::kCorruption);
  WriteAll(DataPath(tmp.path(), kCheckpointMarker), EncodeCheckpointMarker(SampleMarker(), 0));
  auto read = ReadCheckpointMarker(tmp.path());
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->point.seq, 42u);
}

// ---------------------------------------------------- the match check

// Writes the three JSON files with `texts` and a CHECKPOINT naming them.
CheckpointMarker WriteGroup(const std::string& dir, const std::array<std::string, kStateFileCount>& texts) {
  CheckpointMarker m = SampleMarker();
  for (size_t i = 0; i < kStateFileCount; ++i) {
    WriteAll(DataPath(dir, kStateFiles[i]), texts[i]);
    m.file_sha[i] = OpenSslSha256Hex(texts[i]);
  }
  WriteAll(DataPath(dir, kCheckpointMarker), EncodeCheckpointMarker(m, 0));
  return m;
}

const std::array<std::string, kStateFileCount> kTexts = {"{\"o\":{}}\n", "{\"o\":\"1\"}\n", "{}\n"};

TEST(DataDirCheckpointMatch, FilesHoldingWhatTheMarkerNamesAllMatch) {
  TempDir tmp;
  const CheckpointMarker m = WriteGroup(tmp.path(), kTexts);
  const auto matches = MatchCheckpointFiles(tmp.path(), m);
  for (size_t i = 0; i < kStateFileCount; ++i) EXPECT_EQ(matches[i].match, FileMatch::kMatches) << kStateFiles[i];
  EXPECT_TRUE(AllMatch(matches));
}

TEST(DataDirCheckpointMatch, AnEditedFileDiffersAndTheOthersStillMatch) {
  TempDir tmp;
  const CheckpointMarker m = WriteGroup(tmp.path(), kTexts);
  WriteAll(DataPath(tmp.path(), kBalancesJson), "{\"o\":\"2\"}\n");
  const auto matches = MatchCheckpointFiles(tmp.path(), m);
  EXPECT_EQ(matches[0].match, FileMatch::kMatches);
  EXPECT_EQ(matches[1].match, FileMatch::kDiffers);
  EXPECT_EQ(matches[2].match, FileMatch::kMatches);
  EXPECT_FALSE(AllMatch(matches));
}

TEST(DataDirCheckpointMatch, AMissingFileIsUnreadableAndSaysWhy) {
  TempDir tmp;
  const CheckpointMarker m = WriteGroup(tmp.path(), kTexts);
  std::filesystem::remove(DataPath(tmp.path(), kRegistryJson));
  const auto matches = MatchCheckpointFiles(tmp.path(), m);
  EXPECT_EQ(matches[0].match, FileMatch::kUnreadable);
  EXPECT_EQ(matches[0].read_error.kind(), Status::Kind::kNotFound);
  EXPECT_NE(matches[0].read_error.message().find(kRegistryJson), std::string::npos);
  EXPECT_FALSE(AllMatch(matches));
}

TEST(DataDirCheckpointMatch, ACommittedCheckpointNotRenamedYetMatchesThroughItsCkpt) {
  TempDir tmp;
  const CheckpointMarker m = WriteGroup(tmp.path(), kTexts);
  // The service stopped between publishing CHECKPOINT and the renames: the
  // old files are in place, the committed ones under .ckpt (or the old one
  // never existed).
  const std::string workloads = DataPath(tmp.path(), kWorkloadsJson);
  std::filesystem::rename(workloads, workloads + kPendingSuffix);
  WriteAll(workloads, "{\"older\":{}}\n");
  const std::string registry = DataPath(tmp.path(), kRegistryJson);
  std::filesystem::rename(registry, registry + kPendingSuffix);
  const auto matches = MatchCheckpointFiles(tmp.path(), m);
  EXPECT_EQ(matches[0].match, FileMatch::kPendingMatches);
  EXPECT_EQ(matches[1].match, FileMatch::kMatches);
  EXPECT_EQ(matches[2].match, FileMatch::kPendingMatches);
  EXPECT_FALSE(AllMatch(matches)) << "a pending file is not in place";
}

TEST(DataDirCheckpointMatch, ALeftoverCkptThatDoesNotMatchChangesNothing) {
  TempDir tmp;
  const CheckpointMarker m = WriteGroup(tmp.path(), kTexts);
  WriteAll(DataPath(tmp.path(), kBalancesJson) + kPendingSuffix, "{\"newer\":\"9\"}\n");
  EXPECT_TRUE(AllMatch(MatchCheckpointFiles(tmp.path(), m)));
  WriteAll(DataPath(tmp.path(), kBalancesJson), "edited");
  EXPECT_EQ(MatchCheckpointFiles(tmp.path(), m)[1].match, FileMatch::kDiffers);
}

// ------------------------------------------------- where a log ends

// FindLastLine over the first `size` bytes (the whole file when -1).
LastLine Find(const std::string& path, uint64_t window, int64_t size = -1) {
  auto fd = OpenForReading(path);
  EXPECT_TRUE(fd.ok()) << fd.status().ToString();
  struct stat st;
  ::fstat(fd->get(), &st);
  auto last = FindLastLine(fd->get(), size < 0 ? static_cast<uint64_t>(st.st_size) : static_cast<uint64_t>(size),
                           window, path);
  EXPECT_TRUE(last.ok()) << last.status().ToString();
  return last.ok() ? *last : LastLine{};
}

TEST(DataDirLastLine, IsTheLastNewlineTerminatedLineAndATornTailIsNotOne) {
  TempDir tmp;
  const std::string log = tmp.Sub("log");
  const struct {
    std::string text;
    uint64_t end;
    std::optional<std::string> line;
  } cases[] = {
      {"a\nbb\nccc\n", 9, "ccc"},  {"a\nbb\ncc", 5, "bb"},  {"only\n", 5, "only"}, {"only\ntorn", 5, "only"},
      {"\n", 1, ""},               {"a\n\n", 3, ""},        {"", 0, std::nullopt}, {"torn", 0, std::nullopt},
  };
  for (const auto& c : cases) {
    WriteAll(log, c.text);
    for (uint64_t window : {uint64_t{1} << 16, uint64_t{UINT64_MAX}}) {
      const LastLine last = Find(log, window);
      EXPECT_EQ(last.end, c.end) << c.text;
      EXPECT_EQ(last.text, c.line) << c.text;
    }
  }
}

TEST(DataDirLastLine, LooksOnlyWithinTheFirstSizeBytesAndTheWindow) {
  TempDir tmp;
  const std::string log = tmp.Sub("log");
  WriteAll(log, "a\nb\nc\n");
  EXPECT_EQ(Find(log, UINT64_MAX, 4).end, 4u);
  EXPECT_EQ(Find(log, UINT64_MAX, 4).text, "b");
  // A torn tail longer than the window: no '\n' within it.
  WriteAll(log, "a\n" + std::string(70000, 'x'));
  EXPECT_EQ(Find(log, 1 << 16).end, 0u);
  EXPECT_EQ(Find(log, UINT64_MAX).end, 2u);
  EXPECT_EQ(Find(log, UINT64_MAX).text, "a");
  // The last line starts before the window: where it ends is known, not what it says.
  WriteAll(log, "a\n" + std::string(150, 'y') + "\n");
  EXPECT_EQ(Find(log, 100).end, 153u);
  EXPECT_FALSE(Find(log, 100).text.has_value());
  EXPECT_EQ(Find(log, 200).text, std::string(150, 'y'));
}

TEST(DataDirLastLine, ALineLongerThanTheLimitHasAnEndButNoText) {
  TempDir tmp;
  const std::string log = tmp.Sub("log");
  WriteAll(log, "a\n" + std::string(kMaxLineBytes + 10, 'z') + "\n");
  const LastLine last = Find(log, UINT64_MAX);
  EXPECT_EQ(last.end, kMaxLineBytes + 13);
  EXPECT_FALSE(last.text.has_value());
}

TEST(DataDirLastLine, AFileShorterThanTheSizeGivenIsAnIOErrorNamingIt) {
  TempDir tmp;
  const std::string log = tmp.Sub("log");
  WriteAll(log, "a\nb\n");
  auto fd = OpenForReading(log);
  ASSERT_TRUE(fd.ok());
  auto last = FindLastLine(fd->get(), 100, UINT64_MAX, log);
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.status().kind(), Status::Kind::kIOError);
  EXPECT_NE(last.status().message().find(log), std::string::npos) << last.status().message();
}

TEST(DataDirLastRecord, IsTheLastCompleteRecordOfTheNewestSegmentThatHasOne) {
  TempDir tmp;
  const std::string journal = JournalDir(tmp.path());
  EXPECT_EQ(LastJournalRecord(journal)->seq, 0u) << "no journal/: nothing yet";
  ChainBuilder chain;
  std::vector<std::string> lines;
  for (int i = 1; i <= 5; ++i) lines.push_back(chain.Add(RegisterRecord("orch-" + std::to_string(i))));
  WriteAll(SegmentPath(journal, 1), lines[0] + lines[1] + lines[2]);
  WriteAll(SegmentPath(journal, 4), lines[3] + lines[4] + "{\"torn");
  auto last = LastJournalRecord(journal);
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(last->seq, 5u);
  Digest stated;
  ASSERT_TRUE(FromHex(std::string_view(lines[4]).substr(0, 64), &stated));
  EXPECT_EQ(last->hash, stated);
  // A newest segment holding only a torn record: the one before holds the last record.
  WriteAll(SegmentPath(journal, 4), "{\"torn");
  EXPECT_EQ(LastJournalRecord(journal)->seq, 3u);
  // As backed up: the segment cut at a record's end.
  auto cut = LastRecordOfSegment(SegmentPath(journal, 1), lines[0].size() + lines[1].size());
  ASSERT_TRUE(cut.ok()) << cut.status().ToString();
  EXPECT_EQ(cut->seq, 2u);
  auto mid = LastRecordOfSegment(SegmentPath(journal, 1), lines[0].size() + 5);
  EXPECT_EQ(mid.status().kind(), Status::Kind::kCorruption) << "not at a record's end";
  auto hash = JournalRecordHash(journal, 2);
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_EQ(*hash, cut->hash);
}

TEST(DataDirLastRecord, ALastLineThatIsNoRecordIsCorruptionNamingTheSegment) {
  TempDir tmp;
  const std::string journal = JournalDir(tmp.path());
  WriteAll(SegmentPath(journal, 1), "not a record\n");
  auto last = LastJournalRecord(journal);
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.status().kind(), Status::Kind::kCorruption);
  EXPECT_NE(last.status().message().find(SegmentPath(journal, 1)), std::string::npos) << last.status().message();
}

}  // namespace
}  // namespace pb::ledger
