// What a backup reads of the ledger goes through ledger/datadir.h
// (ctest -R backup.): journal/CHECKPOINT is parsed by its one parser, so a
// marker that lacks a file's digest is corruption at once (it used to be
// retried for 10 s and reported as "kept changing"); the journal segments
// are the ones ListSegments names, so a file merely shaped like one is
// backed up as a plain file and does not decide the snapshot's seq.
#include <gtest/gtest.h>

#include <simdjson.h>

#include <string>

#include "backup/archiver.h"
#include "ledger/datadir.h"
#include "repo_test_util.h"
#include "test_util.h"

namespace pb::backup {
namespace {

using testing::InitRepo;
using testing::OpenRepo;
using testing::ReadAll;
using testing::TempDir;
using testing::WriteAll;
using testing::WriteCheckpointedLedger;

Result<BackupResult> BackUp(const std::string& repo_dir, const std::string& data_dir) {
  auto repo = OpenRepo(repo_dir);
  if (!repo.ok()) return repo.status();
  BackupOptions options;
  options.data_dir = data_dir;
  options.workers = 2;
  return RunBackup(repo->get(), options, nullptr);
}

// The marker's text without the digest of `name`.
std::string MarkerWithout(const std::string& text, const std::string& name) {
  std::string out = text;
  const std::string key = "\"" + name + "\":\"";
  size_t at = out.find(key);
  EXPECT_NE(at, std::string::npos) << text;
  size_t end = out.find('"', at + key.size());
  size_t comma = out[end + 1] == ',' ? 1 : 0;
  if (comma == 0 && out[at - 1] == ',') --at;  // the last member: drop the comma before it
  out.erase(at, end + 1 + comma - at);
  return out;
}

// A repository and a data directory the service wrote (checkpoint at seq 4,
// journal through seq 6).
class BackupOfALedger : public ::testing::Test {
 protected:
  void SetUp() override {
    InitRepo(repo_dir_.path());
    WriteCheckpointedLedger(data_.path());
    end_ = testing::JournalEnd(data_.path());
  }
  Result<BackupResult> BackUp() { return backup::BackUp(repo_dir_.path(), data_.path()); }

  TempDir repo_dir_, data_;
  ledger::ChainPoint end_;
};

TEST_F(BackupOfALedger, AMarkerLackingAFilesDigestIsCorruptionNamingItNotAGroupThatKeptChanging) {
  const std::string marker = ledger::DataPath(data_.path(), ledger::kCheckpointMarker);
  const std::string good = ReadAll(marker);
  for (const char* name : ledger::kStateFiles) {
    WriteAll(marker, MarkerWithout(good, name));
    simdjson::dom::parser parser;
    ASSERT_EQ(parser.parse(simdjson::padded_string(ReadAll(marker))).error(), simdjson::SUCCESS) << ReadAll(marker);
    auto result = BackUp();
    ASSERT_FALSE(result.ok()) << name;
    EXPECT_EQ(result.status().kind(), Status::Kind::kCorruption) << name << ": " << result.status().ToString();
    EXPECT_NE(result.status().message().find(marker + " is not a valid checkpoint marker"), std::string::npos)
        << result.status().message();
  }
  WriteAll(marker, good);
  EXPECT_TRUE(BackUp().ok()) << "the intact marker backs up";
}

TEST_F(BackupOfALedger, TheSnapshotRecordsTheCheckpointAndTheJournalsLastRecord) {
  auto result = BackUp();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_TRUE(result->snapshot.ledger.has_value());
  EXPECT_EQ(result->snapshot.ledger->checkpoint_seq, 4u);
  EXPECT_EQ(result->snapshot.ledger->seq, end_.seq);
  EXPECT_EQ(result->snapshot.ledger->hash, end_.hash);
}

TEST_F(BackupOfALedger, AFileNamedLikeASegmentBeyondTwoToThe64IsAPlainFileNotTheJournalsEnd) {
  auto before = BackUp();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  // Sorts after every real segment; the service (ListSegments) ignores it.
  WriteAll(ledger::DataPath(data_.path(), "journal/18446744073709551616.journal"), "not a record\n");
  auto result = BackUp();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_TRUE(result->snapshot.ledger.has_value());
  EXPECT_EQ(result->snapshot.ledger->seq, end_.seq);
  EXPECT_EQ(result->snapshot.stats.files, before->snapshot.stats.files + 1) << "backed up as a plain file";
}

}  // namespace
}  // namespace pb::backup
