// Issue 15, flow 8: `drill` tests the disaster path. It restores exactly
// what `restore latest` would (the group's newest snapshot plus the journal
// shipped after it), compares the running service with that journal's
// totals, and never says "passed" over data a real restore would not give
// back (a snapshot without ledger, a shipped object that cannot be applied).
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "repo/wal.h"
#include "support/backup_fixture.h"
#include "support/replication_fixture.h"

namespace pb::integration {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int kCredits = 200;

class RecoveryFlow8 : public ReplicateTest {
 protected:
  // A fresh service on data/ with orch-1 registered (seq 1), a replicator
  // whose first snapshot holds only that record, then kCredits credits
  // (seq 2..201) that exist only as shipped journal; both processes stopped.
  void ShipCreditsAfterAnAlmostEmptySnapshot() {
    data_ = dir_.Sub("data");
    auto backend = StartBackend(data_);
    ASSERT_NE(backend, nullptr);
    Register(backend->port(), "orch-1");
    // --no-compact: a test removes one object as shipped (a merge would join the halves).
    auto replicator = StartReplicator(data_, {"--interval", "200ms", "--no-compact"});
    ASSERT_NE(replicator, nullptr);
    for (int i = 0; i < 400 && (!fs::exists(target_.repo + "/snapshots") || fs::is_empty(target_.repo + "/snapshots"));
         ++i) {
      std::this_thread::sleep_for(50ms);
    }
    ASSERT_FALSE(fs::is_empty(target_.repo + "/snapshots")) << "no first snapshot";
    HttpClient http(backend->port());
    ASSERT_TRUE(http.Connect().ok());
    // Two halves, the second sent once the first is shipped: at least two
    // wal objects hold credits, so one can go missing with another after it.
    for (int half : {kCredits / 2, kCredits}) {
      for (int i = half == kCredits ? kCredits / 2 : 0; i < half; ++i) {
        auto r = http.Post("/api/workloads", CreditBody("wl-" + std::to_string(i), "orch-1", "0.000001"));
        ASSERT_TRUE(r.ok() && r->status == 201) << (r.ok() ? r->body : r.status().ToString());
      }
      ChildResult status;
      for (int i = 0; i < 400; ++i) {
        status = ReplicateStatus(data_);
        if (JsonDoc(status.out).UInt("shipped_seq") == 1u + half) break;
        std::this_thread::sleep_for(50ms);
      }
      ASSERT_EQ(JsonDoc(status.out).UInt("shipped_seq"), 1u + half) << status.Describe();
    }
    ::kill(replicator->pid(), SIGTERM);
    EXPECT_EQ(replicator->Wait(30s).exit_code, 0);
    backend->Terminate();
    // The snapshot holds seq 1 only: everything else is in wal/.
    ChildResult snaps = Ctl({"snapshots", "--json"});
    ASSERT_NE(snaps.out.find("\"journal_seq\":1"), std::string::npos) << snaps.out;
  }

  ChildResult Drill(std::vector<std::string> extra) {
    fs::create_directories(dir_.Sub("work"));
    std::vector<std::string> args = {"drill", "--work-dir", dir_.Sub("work"), "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Ctl(args, 300s);
  }

  std::string data_;
};

TEST_F(RecoveryFlow8, DrillLatestRestoresTheShippedJournalAndComparesTheServiceWithIt) {
  ASSERT_NO_FATAL_FAILURE(ShipCreditsAfterAnAlmostEmptySnapshot());
  // What a disaster restore gives back.
  ChildResult restore = Ctl({"restore", "latest", "--to", dir_.Sub("restored"), "--json"});
  ASSERT_EQ(restore.exit_code, 0) << restore.Describe();
  ASSERT_EQ(JsonDoc(restore.out).UInt("journal_seq"), 1u + kCredits) << restore.out;

  ChildResult r = Drill({"latest"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  JsonDoc doc(r.out);
  EXPECT_TRUE(doc.Bool("ok")) << r.out;
  EXPECT_EQ(doc.Str("totals_source"), "journal") << r.out;
  EXPECT_NE(r.out.find("shipped records 2-" + std::to_string(1 + kCredits)), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ledger verified through seq " + std::to_string(1 + kCredits)), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 orchestrators, " + std::to_string(kCredits) + " workloads"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::is_empty(dir_.Sub("work")));

  // The snapshot alone is still what `drill <id>` (like `restore <id>`) means.
  std::string id = JsonDoc(restore.out).Str("snapshot_id");
  ChildResult alone = Drill({id.substr(0, 8)});
  ASSERT_EQ(alone.exit_code, 0) << alone.Describe();
  EXPECT_NE(alone.out.find("1 orchestrators, 0 workloads"), std::string::npos) << alone.out;
}

TEST_F(RecoveryFlow8, DrillFailsWhenAShippedObjectIsMissingAsTheRestoreWouldStopThere) {
  ASSERT_NO_FATAL_FAILURE(ShipCreditsAfterAnAlmostEmptySnapshot());
  // The first object holding credits (seq 2 on), after the one holding seq 1.
  std::string first_credits;
  uint64_t first_seq = UINT64_MAX;
  for (const auto& e : fs::directory_iterator(target_.repo + "/wal")) {
    auto name = repo::ParseWalName(e.path().filename().string());
    ASSERT_TRUE(name.ok()) << e.path();
    if (name->last_seq >= 2 && name->first_seq < first_seq) {
      first_seq = name->first_seq;
      first_credits = e.path().string();
    }
  }
  ASSERT_FALSE(first_credits.empty());
  fs::remove(first_credits);

  ChildResult r = Drill({"latest"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_FALSE(JsonDoc(r.out).Bool("ok")) << r.out;
  EXPECT_NE(r.out.find("cannot be applied"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("a disaster restore would stop at seq 1"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::is_empty(dir_.Sub("work")));
}

TEST_F(RecoveryFlow8, DrillOfASnapshotThatHoldsNoLedgerFailsInsteadOfPassing) {
  const std::string empty = dir_.Sub("empty");
  fs::create_directories(empty);
  std::ofstream(empty + "/hello.txt") << "hello\n";
  ChildResult backup = Ctl({"backup", "--data-dir", empty, "--allow-empty", "--json"});
  ASSERT_EQ(backup.exit_code, 0) << backup.Describe();

  ChildResult r = Drill({"latest"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.out.find("holds no payments data directory"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("drill passed"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace pb::integration
