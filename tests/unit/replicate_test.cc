// Continuous journal shipping, in process: the wal object format
// (src/repo/wal.h), the wal/ folder of a local repository, and the journal
// tail (src/replicate/journal_tail.h).
#include <gtest/gtest.h>

#include <filesystem>

#include "ledger/journal.h"
#include "replicate/journal_tail.h"
#include "replicate/shipped_records.h"
#include "repo/local/local_backend.h"
#include "repo/wal.h"
#include "repo_test_util.h"
#include "support/temp_dir.h"
#include "test_util.h"

namespace pb::testing {
namespace {

// JournalLines 1..n of a valid journal (one registration each).
std::vector<std::string> JournalLines(ChainBuilder* chain, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(chain->Add(RegisterRecord("orch-" + std::to_string(chain->seq() + 1))));
  return out;
}

repo::MasterKey TestKey(uint8_t fill) {
  repo::MasterKey key;
  key.encryption.fill(fill);
  return key;
}

// A wal object holding lines[first-1 .. last-1] of segment 1.
repo::WalObject ObjectOf(const std::vector<std::string>& lines, uint64_t first, uint64_t last) {
  repo::WalObject obj;
  obj.host = "host-a";
  obj.data_dir = "/srv/payments/data";
  obj.segment = "00000000000000000001.journal";
  ledger::ChainPoint point;
  for (uint64_t seq = 1; seq <= last; ++seq) {
    if (seq == first) obj.prev_hash = point.hash;
    ledger::Record r;
    EXPECT_TRUE(ledger::CheckChainedLine(std::string_view(lines[seq - 1]).substr(0, lines[seq - 1].size() - 1), &point, &r).ok());
    if (seq < first) {
      obj.offset += lines[seq - 1].size();
      continue;
    }
    if (seq == first) obj.first_ts_ms = r.ts_ms;
    obj.last_ts_ms = r.ts_ms;
    obj.records += lines[seq - 1];
  }
  obj.first_seq = first;
  obj.last_seq = last;
  obj.last_hash = point.hash;
  return obj;
}

std::string NameOf(const repo::WalObject& obj) {
  return repo::WalObjectName(repo::WalStream(obj.host, obj.data_dir), obj.first_seq, obj.last_seq);
}

TEST(WalObjectTest, RoundTripKeepsEveryFieldAndTheRecordBytes) {
  ChainBuilder chain;
  auto lines = JournalLines(&chain, 6);
  repo::WalObject obj = ObjectOf(lines, 3, 6);
  const repo::MasterKey key = TestKey(7);
  std::string stored = repo::EncodeWalObject(key, obj);
  EXPECT_EQ(stored.find("orch-3"), std::string::npos) << "records must be encrypted";
  auto back = repo::DecodeWalObject(key, stored, NameOf(obj), "test object", replicate::CheckShippedRecords);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->host, obj.host);
  EXPECT_EQ(back->data_dir, obj.data_dir);
  EXPECT_EQ(back->segment, obj.segment);
  EXPECT_EQ(back->offset, lines[0].size() + lines[1].size());
  EXPECT_EQ(back->first_seq, 3u);
  EXPECT_EQ(back->last_seq, 6u);
  EXPECT_EQ(back->prev_hash, obj.prev_hash);
  EXPECT_EQ(back->last_hash, obj.last_hash);
  EXPECT_EQ(back->first_ts_ms, obj.first_ts_ms);
  EXPECT_EQ(back->last_ts_ms, obj.last_ts_ms);
  EXPECT_EQ(back->records, lines[2] + lines[3] + lines[4] + lines[5]);
}

TEST(WalObjectTest, DamageWrongKeyMismatchedNameAndBrokenChainAreCorruption) {
  ChainBuilder chain;
  auto lines = JournalLines(&chain, 4);
  repo::WalObject obj = ObjectOf(lines, 2, 4);
  const repo::MasterKey key = TestKey(7);
  std::string stored = repo::EncodeWalObject(key, obj);

  auto decode = [&](const repo::MasterKey& k, std::string_view bytes, std::string_view name) {
    return repo::DecodeWalObject(k, bytes, name, "x", replicate::CheckShippedRecords).status().kind();
  };
  std::string flipped = stored;
  flipped[flipped.size() / 2] ^= 0x01;
  EXPECT_EQ(decode(key, flipped, NameOf(obj)), Status::Kind::kCorruption);
  EXPECT_EQ(decode(key, stored.substr(0, stored.size() - 1), NameOf(obj)), Status::Kind::kCorruption);
  EXPECT_EQ(decode(TestKey(8), stored, NameOf(obj)), Status::Kind::kCorruption);
  std::string other_name = repo::WalObjectName(repo::WalStream(obj.host, obj.data_dir), 2, 5);
  EXPECT_EQ(decode(key, stored, other_name), Status::Kind::kCorruption);

  repo::WalObject wrong_prev = obj;
  wrong_prev.prev_hash[0] ^= 1;  // not the hash of record 1: the chain does not continue
  EXPECT_EQ(decode(key, repo::EncodeWalObject(key, wrong_prev), ""), Status::Kind::kCorruption);
  repo::WalObject torn = obj;
  torn.records.pop_back();  // the last record without its newline
  EXPECT_EQ(decode(key, repo::EncodeWalObject(key, torn), ""), Status::Kind::kCorruption);
  repo::WalObject short_run = obj;
  short_run.last_seq = 5;  // claims a record it does not hold
  EXPECT_EQ(decode(key, repo::EncodeWalObject(key, short_run), ""), Status::Kind::kCorruption);
}

TEST(WalObjectTest, NamesAreValidRepositoryNamesAndSortBySeq) {
  const std::string stream = repo::WalStream("h", "/d");
  ASSERT_EQ(stream.size(), 16u);
  std::string a = repo::WalObjectName(stream, 9, 10);
  std::string b = repo::WalObjectName(stream, 11, 200);
  EXPECT_TRUE(repo::ValidatePath(repo::PathOf(repo::kWalFolder, a)).ok());
  EXPECT_LT(a, b);
  auto parsed = repo::ParseWalName(b);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->stream, stream);
  EXPECT_EQ(parsed->first_seq, 11u);
  EXPECT_EQ(parsed->last_seq, 200u);
  EXPECT_FALSE(repo::ParseWalName(repo::WalObjectName(stream, 5, 4)).ok());
  EXPECT_FALSE(repo::ParseWalName("0123").ok());
  EXPECT_FALSE(repo::ValidatePath("wal/../config").ok());
}

TEST(WalFolderTest, ARepositoryWithoutWalOpensReadsAsEmptyAndGetsTheFolderOnFirstWrite) {
  TempDir dir;
  InitRepo(dir.Sub("repo"));
  std::filesystem::remove(dir.Sub("repo/wal"));  // as written before the folder existed
  auto backend = repo::LocalBackend::Open(dir.Sub("repo"));
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  auto names = (*backend)->List(repo::kWalFolder);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_TRUE(names->empty());
  const std::string name = repo::WalObjectName(repo::WalStream("h", "/d"), 1, 2);
  ASSERT_TRUE((*backend)->Write(repo::PathOf(repo::kWalFolder, name), "x").ok());
  names = (*backend)->List(repo::kWalFolder);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{name});
}

class JournalTailTest : public ::testing::Test {
 protected:
  std::string Journal() const { return dir_.Sub("data/journal"); }
  void SetUp() override { std::filesystem::create_directories(Journal()); }
  TempDir dir_;
};

TEST_F(JournalTailTest, ATornTailIsNeverReturnedUntilItsNewlineArrives) {
  ChainBuilder chain;
  auto lines = JournalLines(&chain, 4);
  const std::string seg = ledger::SegmentPath(Journal(), 1);
  WriteAll(seg, lines[0] + lines[1] + lines[2] + lines[3].substr(0, 30));
  replicate::JournalTail tail(Journal());
  ASSERT_TRUE(tail.SeekAfterSeq(0).ok());
  auto batch = tail.Peek(1 << 20);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->first_seq, 1u);
  EXPECT_EQ(batch->last_seq, 3u);
  EXPECT_EQ(batch->records, lines[0] + lines[1] + lines[2]);
  tail.Advance(*batch);
  batch = tail.Peek(1 << 20);
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE(batch->records.empty()) << "a partial record was returned";
  AppendAll(seg, lines[3].substr(30));
  batch = tail.Peek(1 << 20);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->first_seq, 4u);
  EXPECT_EQ(batch->records, lines[3]);
  EXPECT_EQ(batch->offset, lines[0].size() + lines[1].size() + lines[2].size());
}

TEST_F(JournalTailTest, FollowsSegmentRolloverAndKeepsEachObjectInOneSegment) {
  ChainBuilder chain;
  auto lines = JournalLines(&chain, 5);
  WriteSegments(dir_.Sub("data"), lines, {1, 4});
  replicate::JournalTail tail(Journal());
  ASSERT_TRUE(tail.SeekAfterSeq(0).ok());
  auto first = tail.Peek(1 << 20);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->segment, "00000000000000000001.journal");
  EXPECT_EQ(first->last_seq, 3u);
  tail.Advance(*first);
  auto second = tail.Peek(1 << 20);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->segment, "00000000000000000004.journal");
  EXPECT_EQ(second->offset, 0u);
  EXPECT_EQ(second->first_seq, 4u);
  EXPECT_EQ(second->last_seq, 5u);
  EXPECT_EQ(second->prev_hash, first->last_hash);
}

TEST_F(JournalTailTest, MaxBytesSplitsARunButAlwaysReturnsWholeRecords) {
  ChainBuilder chain;
  auto lines = JournalLines(&chain, 3);
  WriteSegments(dir_.Sub("data"), lines, {1});
  replicate::JournalTail tail(Journal());
  ASSERT_TRUE(tail.SeekAfterSeq(0).ok());
  auto batch = tail.Peek(1);  // a limit below one record still gives whole records
  ASSERT_TRUE(batch.ok());
  EXPECT_GE(batch->last_seq, 1u);
  EXPECT_EQ(batch->records.back(), '\n');
}

TEST_F(JournalTailTest, ResumesAfterWhatWasShippedAndRefusesAnotherJournal) {
  ChainBuilder chain;
  auto lines = JournalLines(&chain, 5);
  WriteSegments(dir_.Sub("data"), lines, {1});
  repo::WalObject shipped = ObjectOf(lines, 1, 3);
  replicate::JournalTail tail(Journal());
  ASSERT_TRUE(tail.SeekAfterShipped(shipped).ok());
  auto batch = tail.Peek(1 << 20);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->first_seq, 4u);
  EXPECT_EQ(batch->prev_hash, shipped.last_hash);

  // After a snapshot at seq 2: from record 3 on.
  replicate::JournalTail from_snapshot(Journal());
  ASSERT_TRUE(from_snapshot.SeekAfterSeq(2).ok());
  batch = from_snapshot.Peek(1 << 20);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->first_seq, 3u);
  EXPECT_EQ(batch->records, lines[2] + lines[3] + lines[4]);
  EXPECT_EQ(from_snapshot.SeekAfterSeq(9).kind(), Status::Kind::kNotFound);

  // Another journal (same length, other content) under the same directory.
  ChainBuilder other;
  std::vector<std::string> other_lines = {other.Add(RegisterRecord("someone-else"))};
  for (const std::string& line : JournalLines(&other, 4)) other_lines.push_back(line);
  WriteSegments(dir_.Sub("data"), other_lines, {1});
  replicate::JournalTail mismatched(Journal());
  EXPECT_EQ(mismatched.SeekAfterShipped(shipped).kind(), Status::Kind::kCorruption);
}

TEST_F(JournalTailTest, ARecordThatDoesNotContinueTheChainIsCorruption) {
  ChainBuilder chain;
  auto lines = JournalLines(&chain, 3);
  ChainBuilder other;
  other.Add(RegisterRecord("someone-else"));
  auto foreign = JournalLines(&other, 2);  // seq 2 and 3 of another chain
  WriteSegments(dir_.Sub("data"), {lines[0], lines[1], foreign[1]}, {1});
  replicate::JournalTail tail(Journal());
  ASSERT_TRUE(tail.SeekAfterSeq(0).ok());
  auto batch = tail.Peek(1 << 20);
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.status().kind(), Status::Kind::kCorruption);
  EXPECT_NE(batch.status().message().find("seq 3"), std::string::npos) << batch.status().message();
}

}  // namespace
}  // namespace pb::testing
