// The text-level pieces of remote operations: shell quoting (checked by a
// real sh), .env editing, rsync statistics, and the rsync exclusions that
// must leave out exactly what the backup selection leaves out (checked by a
// real rsync).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "backup/selection.h"
#include "common/process.h"
#include "remote/env_file.h"
#include "remote/rsync.h"
#include "remote/ssh_session.h"
#include "support/temp_dir.h"

namespace pb::remote {
namespace {

TEST(ShellQuoteTest, ShReadsBackEveryByte) {
  const std::string words[] = {"plain", "a b", "it's", "$(touch /tmp/pwned)", "`id`", "a;b|c&d", "\"q\"",
                               "line\nbreak", "'", "''", "back\\slash", "*", "-n", ""};
  for (const std::string& w : words) {
    auto run = RunCaptured({"sh", "-c", "printf '%s' " + ShellQuote(w)}, {}, 5000);
    ASSERT_TRUE(run.ok());
    EXPECT_EQ(run->exit_code, 0);
    EXPECT_EQ(run->out, w);
  }
}

TEST(RunCapturedTest, FeedsLargeInputAndKillsOnTimeout) {
  std::string big(3 << 20, 'x');
  auto cat = RunCaptured({"cat"}, big, 10000);
  ASSERT_TRUE(cat.ok());
  EXPECT_EQ(cat->out.size(), big.size());
  auto slow = RunCaptured({"sh", "-c", "sleep 30 & sleep 30"}, {}, 200);
  ASSERT_TRUE(slow.ok());
  EXPECT_TRUE(slow->timed_out);
  auto missing = RunCaptured({"sh", "-c", "echo oops >&2; exit 7"}, {}, 5000);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->exit_code, 7);
  EXPECT_EQ(missing->err, "oops\n");
}

TEST(EnvFileTest, SetsOnlyTheImageLine) {
  std::string env = "# comment\nPAYMENTS_API_ADMIN_TOKEN=s3cr3t\nPAYMENTS_IMAGE=old:1\nOTHER='x y'\n";
  std::string out = SetEnvValue(env, "PAYMENTS_IMAGE", "new:2");
  EXPECT_EQ(out, "# comment\nPAYMENTS_API_ADMIN_TOKEN=s3cr3t\nPAYMENTS_IMAGE=new:2\nOTHER='x y'\n");
  EXPECT_EQ(GetEnvValue(out, "PAYMENTS_IMAGE"), "new:2");
  EXPECT_EQ(GetEnvValue(env, "OTHER"), "x y");
  EXPECT_EQ(GetEnvValue(env, "MISSING"), std::nullopt);
  // Appended when absent, after a last line without newline.
  EXPECT_EQ(SetEnvValue("A=1", "PAYMENTS_IMAGE", "i"), "A=1\nPAYMENTS_IMAGE=i\n");
  EXPECT_EQ(SetEnvValue("", "PAYMENTS_IMAGE", "i"), "PAYMENTS_IMAGE=i\n");
  // Duplicates collapse into the first; export and spaces are understood; a
  // key that only starts the same is left alone.
  EXPECT_EQ(SetEnvValue("export PAYMENTS_IMAGE = a\nPAYMENTS_IMAGE_OLD=b\nPAYMENTS_IMAGE=c\n", "PAYMENTS_IMAGE", "d"),
            "PAYMENTS_IMAGE=d\nPAYMENTS_IMAGE_OLD=b\n");
}

TEST(EnvFileTest, ImageNamesAreChecked) {
  EXPECT_TRUE(ValidateImage("registry.example.com:5000/payments/backend:1.4.2").ok());
  EXPECT_TRUE(ValidateImage("payments-backend@sha256:0123abcd").ok());
  for (const char* bad : {"", "-x", "a b", "a$(id)", "a\nb", "a;b", "a'b", "a\"b", "a`b`"}) {
    EXPECT_FALSE(ValidateImage(bad).ok()) << bad;
  }
}

TEST(RsyncStatsTest, ParsesWithAndWithoutCommas) {
  TransferStats s = ParseRsyncStats(
      "Number of regular files transferred: 1,234\nLiteral data: 3,000,000 bytes\n"
      "Total bytes sent: 35\nTotal bytes received: 3000838\n");
  EXPECT_EQ(s.files_transferred, 1234u);
  EXPECT_EQ(s.literal_bytes, 3000000u);
  EXPECT_EQ(s.bytes_sent, 35u);
  EXPECT_EQ(s.bytes_received, 3000838u);
}

// rsync with ExcludePatterns() copies exactly the files Selected() accepts.
TEST(ExcludePatternsTest, RsyncAgreesWithTheSelection) {
  pb::testing::TempDir dir;
  const std::string files[] = {"registry.json", "balances.json", "registry.json.ckpt", "x.tmp",
                               "journal/CHECKPOINT", "journal/00000000000000000001.journal",
                               "journal/CHECKPOINT.ckpt", "audit/ledger-events.log", "audit/registry.log",
                               "audit/payments-audit.log", "audit/payments-audit.log.1", "audit/docker.db",
                               "audit/docker.db-wal", "audit/docker.db-shm", "audit/other.log",
                               "sub/audit/payments-audit.log", "adopted-python-era/balances.json", "LOCK",
                               "journal/LOCK"};
  for (const std::string& f : files) {
    std::filesystem::create_directories(std::filesystem::path(dir.Sub("src/" + f)).parent_path());
    std::ofstream(dir.Sub("src/" + f)) << f;
  }
  for (backup::BackupMode mode : {backup::BackupMode::kEssential, backup::BackupMode::kFull}) {
    std::string dst = dir.Sub(std::string("dst-") + backup::ModeName(mode));
    std::vector<std::string> argv = {"rsync", "-a"};
    for (const std::string& p : backup::ExcludePatterns(mode)) argv.push_back("--exclude=" + p);
    argv.push_back(dir.Sub("src") + "/");
    argv.push_back(dst + "/");
    auto run = RunCaptured(argv, {}, 30000);
    ASSERT_TRUE(run.ok());
    ASSERT_EQ(run->exit_code, 0) << run->err;
    for (const std::string& f : files) {
      EXPECT_EQ(std::filesystem::exists(dst + "/" + f), backup::Selected(f, mode))
          << f << " in mode " << backup::ModeName(mode);
    }
  }
}

}  // namespace
}  // namespace pb::remote
