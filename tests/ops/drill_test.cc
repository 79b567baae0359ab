// paymentsctl drill through the real binaries on local repositories: a
// healthy snapshot passes with its times; damaged packs, a journal that fails
// verify and totals that differ fail non-zero; the temporary copy is gone in
// every case.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "ledger/totals.h"
#include "repo/local/local_backend.h"
#include "repo/repository.h"
#include "repo/snapshot.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

namespace fs = std::filesystem;

class DrillTest : public BackupTest {
 protected:
  void SetUp() override {
    fs::create_directories(Work());
    PB_ASSERT_OK(MakeLedgerDataDir(Sub("data"), 300));
    InitRepo();
    snapshot_ = JsonDoc(Backup(Sub("data"))).Str("snapshot_id");
    ASSERT_FALSE(snapshot_.empty());
  }

  std::string Work() const { return Sub("work"); }

  ChildResult Drill(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"drill", "--work-dir", Work()};
    args.insert(args.end(), extra.begin(), extra.end());
    return Ctl(args);
  }

  void ExpectNoTempLeft(const ChildResult& r) {
    EXPECT_TRUE(DirEntries(Work()).empty()) << "left in the work directory after: " << r.Describe();
  }

  // The pack files of the repository.
  std::vector<std::string> Packs() {
    std::vector<std::string> packs;
    for (const auto& e : fs::recursive_directory_iterator(Repo() + "/data")) {
      if (e.is_regular_file()) packs.push_back(e.path().string());
    }
    return packs;
  }

  // Stores a copy of snapshot_ changed by `edit` and returns its id.
  template <typename Edit>
  std::string RewrittenSnapshot(Edit edit) {
    auto backend = repo::LocalBackend::Open(Repo());
    EXPECT_TRUE(backend.ok());
    auto repo = repo::Repository::Open(std::move(backend).value(), kRepoPassword);
    EXPECT_TRUE(repo.ok()) << repo.status().ToString();
    std::vector<std::string> damaged;
    auto all = (*repo)->ListSnapshots(&damaged);
    EXPECT_TRUE(all.ok());
    auto found = repo::FindSnapshot(*all, snapshot_);
    EXPECT_TRUE(found.ok());
    repo::Snapshot changed = found->snapshot;
    edit(&changed);
    auto id = (*repo)->SaveFile("snapshots", repo::EncodeSnapshot(changed));
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : "";
  }

  std::string snapshot_;
};

TEST_F(DrillTest, HealthySnapshotPassesAndPrintsEachStepsTime) {
  ChildResult r = Drill({"latest"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  for (const char* step : {"restore", "start", "balances", "stop", "verify", "cleanup"}) {
    EXPECT_NE(r.out.find(std::string("ok     ") + step), std::string::npos) << step << " missing:\n" << r.out;
  }
  EXPECT_NE(r.out.find("(as recorded in the snapshot)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("recovery time: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("drill passed"), std::string::npos) << r.out;
  ExpectNoTempLeft(r);
}

TEST_F(DrillTest, LaterSnapshotsRecordTheTotalsOfTheirOwnJournal) {
  // Unchanged: the parent's totals are reused; grown: replayed again.
  Backup(Sub("data"));
  ChildResult unchanged = Drill({"latest"});
  EXPECT_EQ(unchanged.exit_code, 0) << unchanged.Describe();
  EXPECT_NE(unchanged.out.find("300 workloads"), std::string::npos) << unchanged.out;
  ChildResult gen = RunChild({BinPath("bench-journal-gen"), "--data-dir", Sub("data"), "--workloads", "25", "--append"},
                             {}, std::chrono::seconds(60));
  ASSERT_EQ(gen.exit_code, 0) << gen.Describe();
  Backup(Sub("data"));
  ChildResult grown = Drill({"latest"});
  EXPECT_EQ(grown.exit_code, 0) << grown.Describe();
  EXPECT_NE(grown.out.find("325 workloads"), std::string::npos) << grown.out;
  ExpectNoTempLeft(grown);
}

TEST_F(DrillTest, JsonReportHasStepsRecoveryTimeAndTotalsSource) {
  ChildResult r = Drill({snapshot_.substr(0, 8), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  JsonDoc doc(r.out);
  ASSERT_TRUE(doc.ok()) << r.out;
  EXPECT_TRUE(doc.Bool("ok"));
  EXPECT_EQ(doc.Str("snapshot_id"), snapshot_);
  EXPECT_EQ(doc.Str("totals_source"), "snapshot");
  EXPECT_TRUE(doc.Bool("temp_removed"));
  EXPECT_GT(doc.Number("recovery_seconds"), 0.0) << r.out;
  simdjson::dom::array steps;
  ASSERT_EQ(doc.root()["steps"].get_array().get(steps), simdjson::SUCCESS);
  EXPECT_EQ(steps.size(), 6u);
  for (auto step : steps) {  // keyed as the remote reports' steps
    std::string_view name;
    double seconds = -1;
    EXPECT_EQ(step["step"].get_string().get(name), simdjson::SUCCESS) << r.out;
    EXPECT_EQ(step["seconds"].get_double().get(seconds), simdjson::SUCCESS) << r.out;
    EXPECT_GE(seconds, 0.0) << r.out;
  }
  ExpectNoTempLeft(r);
}

TEST_F(DrillTest, CorruptedPackFailsAndLeavesNoTemporaryCopy) {
  for (const std::string& pack : Packs()) {
    fs::permissions(pack, fs::perms::owner_write, fs::perm_options::add);
    std::fstream f(pack, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x5a');
  }
  ChildResult r = Drill();
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.out.find("FAILED restore"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("drill FAILED"), std::string::npos) << r.out;
  ExpectNoTempLeft(r);
}

TEST_F(DrillTest, RemovedPackFailsAndLeavesNoTemporaryCopy) {
  std::vector<std::string> packs = Packs();
  ASSERT_FALSE(packs.empty());
  for (const std::string& pack : packs) fs::remove(pack);
  ChildResult r = Drill({"--json"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  JsonDoc doc(r.out);
  EXPECT_FALSE(doc.Bool("ok")) << r.out;
  EXPECT_TRUE(doc.Bool("temp_removed")) << r.out;
  ExpectNoTempLeft(r);
}

TEST_F(DrillTest, JournalThatFailsVerifyFailsTheDrill) {
  // A credit's amount edited in place: the hash chain no longer holds.
  std::string segment;
  for (const auto& e : fs::directory_iterator(Sub("data") + "/journal")) {
    if (e.path().extension() == ".journal") segment = e.path().string();
  }
  ASSERT_FALSE(segment.empty());
  std::string text = ReadFileOrEmpty(segment);
  size_t at = text.find("\"amount\":\"");
  ASSERT_NE(at, std::string::npos);
  at += 10;
  text[at] = text[at] == '9' ? '8' : static_cast<char>(text[at] + 1);
  std::ofstream(segment, std::ios::binary | std::ios::trunc) << text;
  Backup(Sub("data"));
  ChildResult r = Drill({"latest"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.out.find("FAILED restore"), std::string::npos) << r.out;
  ExpectNoTempLeft(r);
}

TEST_F(DrillTest, TotalsThatDifferFromTheServiceFailTheBalancesStep) {
  std::string id = RewrittenSnapshot([](repo::Snapshot* s) {
    auto totals = ledger::DecodeTotals(*s->ledger->totals);
    ASSERT_TRUE(totals.ok()) << totals.status().ToString();
    totals->balance_wei += 1;
    s->ledger->totals = ledger::EncodeTotals(*totals);
  });
  ChildResult r = Drill({id});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.out.find("FAILED balances"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("but the snapshot recorded"), std::string::npos) << r.out;
  ExpectNoTempLeft(r);
}

TEST_F(DrillTest, OlderSnapshotWithoutTotalsIsComparedWithItsJournalsReplay) {
  std::string id = RewrittenSnapshot([](repo::Snapshot* s) { s->ledger->totals.reset(); });
  ChildResult r = Drill({id, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  JsonDoc doc(r.out);
  EXPECT_EQ(doc.Str("totals_source"), "replay") << r.out;
  EXPECT_NE(r.out.find("totals not recorded in this older snapshot"), std::string::npos) << r.out;
  ExpectNoTempLeft(r);
}

TEST_F(DrillTest, BackendThatCannotStartFailsTheStartStep) {
  ChildResult r = Drill({"--backend", Sub("no-such-payments-backend")});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.out.find("ok     restore"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAILED start"), std::string::npos) << r.out;
  ExpectNoTempLeft(r);
}

TEST_F(DrillTest, SigtermWhileWaitingForTheServiceStillRemovesTheTemporaryCopy) {
  // A "service" that never answers: the drill waits in its start step.
  std::string backend = Sub("silent-backend");
  std::ofstream(backend) << "#!/bin/sh\nexec sleep 300\n";
  fs::permissions(backend, fs::perms::owner_all);
  std::unique_ptr<Child> drill = StartCtl({"drill", "--work-dir", Work(), "--backend", backend});
  ASSERT_NE(drill, nullptr);
  // Bounded wait for the start step: the restored copy and the service's log exist.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto started = [&] {
    for (const std::string& d : DirEntries(Work())) {
      if (fs::exists(Work() + "/" + d + "/payments-backend.log")) return true;
    }
    return false;
  };
  while (!started() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(started()) << "the drill never reached its start step";
  ::kill(drill->pid(), SIGTERM);
  ChildResult r = drill->Wait(std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 128 + SIGTERM) << r.Describe();
  EXPECT_NE(r.out.find("FAILED start"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("interrupted by a signal"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ok     cleanup"), std::string::npos) << r.out;
  ExpectNoTempLeft(r);
}

TEST_F(DrillTest, UnknownSnapshotIsRefusedBeforeAnythingIsMade) {
  ChildResult r = Drill({"ffffffff"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("no snapshot with id"), std::string::npos) << r.err;
  ExpectNoTempLeft(r);
}

}  // namespace
}  // namespace pb::integration
