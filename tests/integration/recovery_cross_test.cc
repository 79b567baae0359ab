// Issue 15, across flows: back up d1, then an empty d2 (a data volume that
// failed to mount), then a shorter ledger at d1 (an old disk), and every
// command that chooses a snapshot — restore latest into d1, drill, forget
// --keep-last 1, snapshots — still gives back d1's newest ledger or refuses.
#include <filesystem>

#include "repo/lock.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr uint64_t kSeq = 64 + 300;  // bench-journal-gen: 64 registrations, 300 credits

class RecoveryCrossCutting : public BackupTest {
 protected:
  void MakeLedger(const std::string& dir, uint64_t workloads) { PB_ASSERT_OK(MakeJournalDataDir(dir, workloads)); }
  // Every command that chooses a snapshot gives back d1's newest ledger
  // (seq kSeq, snapshot `newest`) or refuses; `when` names the moment.
  void ExpectD1sLedgerOrRefusal(const std::string& newest, const std::string& when) {
    SCOPED_TRACE(when);
    const std::string d1 = Sub("d1");
    ChildResult restore = Restore("latest", d1, {"--force"});
    if (restore.exit_code == 0) {
      EXPECT_EQ(JsonDoc(restore.out).UInt("journal_seq"), kSeq) << restore.out;
      EXPECT_EQ(JsonDoc(restore.out).Str("snapshot_id"), newest) << restore.out;
    } else {
      EXPECT_EQ(restore.exit_code, 1) << restore.Describe();
      EXPECT_NE(restore.err.find("latest"), std::string::npos) << restore.err;
    }
    fs::create_directories(Sub("work"));
    for (const std::vector<std::string>& filter :
         {std::vector<std::string>{}, std::vector<std::string>{"--path", d1}}) {
      std::vector<std::string> args = {"drill", "latest", "--work-dir", Sub("work"), "--json"};
      args.insert(args.end(), filter.begin(), filter.end());
      ChildResult drill = Ctl(args, 300s);
      if (drill.exit_code == 0) {
        EXPECT_EQ(JsonDoc(drill.out).Str("snapshot_id"), newest) << drill.out;
        EXPECT_NE(drill.out.find("300 workloads"), std::string::npos) << drill.out;
      } else {
        EXPECT_EQ(drill.exit_code, 1) << drill.Describe();
        EXPECT_EQ(drill.out.find("drill passed"), std::string::npos) << drill.out;
      }
    }
    ChildResult forget = Ctl({"forget", "--keep-last", "1", "--json"});
    ASSERT_EQ(forget.exit_code, 0) << forget.Describe();
    ChildResult snapshots = Ctl({"snapshots", "--json", "--path", d1});
    ASSERT_EQ(snapshots.exit_code, 0) << snapshots.Describe();
    EXPECT_NE(snapshots.out.find("\"id\":\"" + newest + "\""), std::string::npos)
        << "forget --keep-last 1 removed d1's longest ledger: " << forget.out;
    // Named by id, it is always there to restore.
    ChildResult by_id = Restore(newest.substr(0, 8), Sub("by-id"), {"--force"});
    ASSERT_EQ(by_id.exit_code, 0) << by_id.Describe();
    EXPECT_EQ(JsonDoc(by_id.out).UInt("journal_seq"), kSeq);
  }
};

TEST_F(RecoveryCrossCutting, AfterAnEmptyD2AndAShorterD1EveryCommandRestoresD1sNewestLedgerOrRefuses) {
  const std::string d1 = Sub("d1"), d2 = Sub("d2");
  MakeLedger(d1, 300);
  InitRepo();
  const std::string newest = JsonDoc(Backup(d1)).Str("snapshot_id");
  ASSERT_FALSE(newest.empty());
  ExpectD1sLedgerOrRefusal(newest, "after d1");

  // d2: empty (a data volume that did not mount). Refused; then forced.
  fs::create_directories(d2);
  ChildResult refused = Ctl({"backup", "--data-dir", d2});
  EXPECT_EQ(refused.exit_code, 1) << refused.Describe();
  ExpectD1sLedgerOrRefusal(newest, "after the refused empty d2");
  ChildResult forced = Ctl({"backup", "--data-dir", d2, "--allow-empty"});
  ASSERT_EQ(forced.exit_code, 0) << forced.Describe();
  ExpectD1sLedgerOrRefusal(newest, "after the empty d2 forced in");

  // d1: a shorter ledger (an old disk). Refused; then forced.
  fs::rename(d1, Sub("d1.real"));
  MakeLedger(d1, 100);
  ChildResult shorter = Ctl({"backup", "--data-dir", d1});
  EXPECT_EQ(shorter.exit_code, 1) << shorter.Describe();
  EXPECT_NE(shorter.err.find("seq 164"), std::string::npos) << shorter.err;
  EXPECT_NE(shorter.err.find("seq " + std::to_string(kSeq)), std::string::npos) << shorter.err;
  ExpectD1sLedgerOrRefusal(newest, "after the refused shorter d1");
  fs::remove_all(d1);
  MakeLedger(d1, 100);
  ChildResult shorter_forced = Ctl({"backup", "--data-dir", d1, "--allow-regression"});
  ASSERT_EQ(shorter_forced.exit_code, 0) << shorter_forced.Describe();
  ExpectD1sLedgerOrRefusal(newest, "after the shorter d1 forced in");
}

}  // namespace
}  // namespace pb::integration
