// The counts of a backup's summary (ctest -R service.BackupCounts): each
// file of the snapshot is counted once, as unchanged, appended to or read
// whole, so the three add up to the file count, in the text summary and in
// --json. (An operator once saw "7 files (0 unchanged, 3 appended to, 7 read
// whole)": a grown log of one chunk was counted twice, and the .env once
// though it is not one of the files.)
#include <fcntl.h>

#include <regex>
#include <string>

#include "common/file_util.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

struct Counts {
  uint64_t files = 0, unchanged = 0, appended = 0, read_whole = 0;
  bool operator==(const Counts&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Counts& c) {
  return os << c.files << " files (" << c.unchanged << " unchanged, " << c.appended << " appended to, "
            << c.read_whole << " read whole)";
}

Counts FromJson(const JsonDoc& doc) {
  return {doc.UInt("files"), doc.UInt("files_unchanged"), doc.UInt("files_grown"), doc.UInt("files_read")};
}

class BackupCounts : public BackupTest {
 protected:
  // The essential ledger data directory (registry, balances, workloads,
  // CHECKPOINT, one segment, two mirror logs) plus notes.json.
  void SetUp() override {
    PB_ASSERT_OK(MakeLedgerDataDir(data_, 300));
    PB_ASSERT_OK(WriteFileAtomic(data_ + "/notes.json", "{\"version\":1}\n"));
    InitRepo();
  }

  // Appends one line to a mirror log (small: one chunk) and rewrites
  // notes.json (a new file, same name).
  void AppendToALogAndRewriteAJsonFile(int round) {
    const std::string log = data_ + "/audit/ledger-events.log";
    ASSERT_TRUE(FileExists(log));
    ScopedFd fd(::open(log.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    ASSERT_GE(fd.get(), 0) << log;
    PB_ASSERT_OK(WriteAll(fd.get(), "{\"note\":\"appended by the test, round " + std::to_string(round) + "\"}\n", log));
    PB_ASSERT_OK(WriteFileAtomic(data_ + "/notes.json", "{\"version\":" + std::to_string(round + 1) + "}\n"));
  }

  const std::string data_ = Sub("data");
};

// After the change: the checkpoint group (4 files) is read whole (it is
// hashed against CHECKPOINT), so is the rewritten notes.json; the grown log
// is appended to; the other mirror and the journal segment are unchanged.
const Counts kAfterTheChange = {8, 2, 1, 5};

TEST_F(BackupCounts, AfterAnAppendToALogAndARewrittenJsonFileTheCountsAddUpInJsonAndText) {
  JsonDoc first(Backup(data_));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(FromJson(first), (Counts{8, 0, 0, 8}));

  AppendToALogAndRewriteAJsonFile(1);
  ChildResult text = Ctl({"backup", "--data-dir", data_});
  ASSERT_EQ(text.exit_code, 0) << text.Describe();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(text.err, m,
                                std::regex(R"(files: (\d+) \((\d+) unchanged, (\d+) appended to, (\d+) read whole\))")))
      << text.err;
  const Counts from_text = {std::stoull(m[1]), std::stoull(m[2]), std::stoull(m[3]), std::stoull(m[4])};
  EXPECT_EQ(from_text, kAfterTheChange) << text.err;

  AppendToALogAndRewriteAJsonFile(2);
  const std::string json_text = Backup(data_);
  JsonDoc json(json_text);
  ASSERT_TRUE(json.ok());
  const Counts from_json = FromJson(json);
  EXPECT_EQ(from_json, kAfterTheChange) << json_text;
  EXPECT_EQ(from_json.unchanged + from_json.appended + from_json.read_whole, from_json.files) << json_text;
}

TEST_F(BackupCounts, TheEnvFileIsNotOneOfTheCountedFiles) {
  const std::string env = Sub(".env");
  PB_ASSERT_OK(WriteFileAtomic(env, "PAYMENTS_API_ADMIN_TOKEN=s3cret\n"));
  const std::string out = Backup(data_, {"--include-env", env});
  JsonDoc doc(out);
  ASSERT_TRUE(doc.ok());
  EXPECT_TRUE(doc.Bool("include_env"));
  EXPECT_EQ(FromJson(doc), (Counts{8, 0, 0, 8})) << out;
}

}  // namespace
}  // namespace pb::integration
