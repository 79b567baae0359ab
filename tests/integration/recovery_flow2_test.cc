// Issue 15, flow 2: `latest` is the newest snapshot of ONE data directory
// (its group: host + path), never of the whole repository. Through the real
// paymentsctl: restore/ls/drill pick the target's group or the only one and
// refuse, listing the groups, when several could be meant; `snapshots` shows
// host, path, mode, seq and journal; --host/--path/--tag filter; forget
// works per group and keeps the longest ledger; a replicator started on a
// fresh directory at the real one's path does not become its `latest`.
#include <simdjson.h>
#include <signal.h>

#include <filesystem>
#include <thread>

#include "repo/lock.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr uint64_t kOrchestrators = 64;  // bench-journal-gen's default

class RecoveryFlow2 : public BackupTest {
 protected:
  // A data directory whose ledger seq is 64 + workloads.
  void MakeLedger(const std::string& dir, uint64_t workloads) { PB_ASSERT_OK(MakeJournalDataDir(dir, workloads)); }
  std::string SnapshotId(const std::string& backup_json) { return JsonDoc(backup_json).Str("snapshot_id"); }
  // restore <snapshot> --to <to> --force --json <extra>: the journal seq restored, or UINT64_MAX on failure.
  uint64_t RestoredSeq(const ChildResult& r) { return r.exit_code == 0 ? JsonDoc(r.out).UInt("journal_seq") : UINT64_MAX; }

  const std::string host_ = repo::HostName();
};

TEST_F(RecoveryFlow2, RestoreLatestToADataDirectoryRestoresThatDirectorysNewestSnapshotNotTheRepositorysNewest) {
  const std::string d1 = Sub("d1"), d2 = Sub("d2");
  MakeLedger(d1, 300);
  MakeLedger(d2, 5);  // another (wrong) data directory, backed up after d1
  InitRepo();
  const std::string s1 = SnapshotId(Backup(d1));
  ASSERT_FALSE(s1.empty());
  ASSERT_FALSE(SnapshotId(Backup(d2)).empty());  // the newest snapshot of the repository

  ChildResult r = Restore("latest", d1, {"--force"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(JsonDoc(r.out).Str("snapshot_id"), s1) << r.out;
  EXPECT_EQ(RestoredSeq(r), kOrchestrators + 300) << r.out;
  EXPECT_NE(r.err.find("latest: " + s1.substr(0, 8) + " is the newest snapshot of host " + host_ + ", path " + d1 +
                       " (the target's)"),
            std::string::npos)
      << r.err;
}

TEST_F(RecoveryFlow2, LatestIntoANewDirectoryWithSeveralDataDirectoriesIsRefusedListingThemAndAFilterPicksOne) {
  const std::string d1 = Sub("d1"), d2 = Sub("d2");
  MakeLedger(d1, 300);
  MakeLedger(d2, 5);
  InitRepo();
  const std::string s1 = SnapshotId(Backup(d1));
  Backup(d2);

  ChildResult refused = Restore("latest", Sub("new"));
  EXPECT_EQ(refused.exit_code, 1) << refused.Describe();
  EXPECT_NE(refused.err.find("`latest` is ambiguous: the repository holds snapshots of 2 data directories"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("host " + host_ + ", path " + d1 + ": 1 snapshot(s)"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("host " + host_ + ", path " + d2 + ": 1 snapshot(s)"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("give --host HOST --path DIR"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(Sub("new")));

  ChildResult picked = Restore("latest", Sub("new"), {"--path", d1});
  ASSERT_EQ(picked.exit_code, 0) << picked.Describe();
  EXPECT_EQ(JsonDoc(picked.out).Str("snapshot_id"), s1);
  EXPECT_EQ(RestoredSeq(picked), kOrchestrators + 300);

  // ls and drill take the same filters and refuse the same way.
  EXPECT_EQ(Ctl({"ls", "latest"}).exit_code, 1);
  EXPECT_EQ(Ctl({"ls", "latest", "--path", d2}).exit_code, 0);
  ChildResult drill = Ctl({"drill", "latest", "--work-dir", Sub("")});
  EXPECT_EQ(drill.exit_code, 1) << drill.Describe();
  EXPECT_NE(drill.err.find("`latest` is ambiguous"), std::string::npos) << drill.err;
  // A tag narrows too; an id outside the filter is named as such.
  EXPECT_EQ(Ctl({"ls", "latest", "--tag", "nope"}).exit_code, 1);
  ChildResult outside = Ctl({"ls", s1.substr(0, 8), "--path", d2});
  EXPECT_EQ(outside.exit_code, 1);
  EXPECT_NE(outside.err.find("does not match --path " + d2), std::string::npos) << outside.err;
}

TEST_F(RecoveryFlow2, SnapshotsShowsHostPathModeLedgerSeqAndJournalPerDataDirectoryAndFilters) {
  const std::string d1 = Sub("d1"), d2 = Sub("d2");
  MakeLedger(d1, 20);
  fs::create_directories(d2);
  fs::create_directories(d2 + "/journal");  // a service's fresh directory: a journal without records
  InitRepo();
  Backup(d1, {"--tag", "nightly"});
  Backup(d2, {"--mode", "full"});

  ChildResult text = Ctl({"snapshots"});
  ASSERT_EQ(text.exit_code, 0) << text.Describe();
  EXPECT_NE(text.out.find("host " + host_ + "  path " + d1 + "\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("host " + host_ + "  path " + d2 + "\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("essential  84        yes"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("full       -         no"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("2 snapshot(s) of 2 data directories"), std::string::npos) << text.out;

  ChildResult json = Ctl({"snapshots", "--json", "--path", d1});
  ASSERT_EQ(json.exit_code, 0) << json.Describe();
  JsonDoc doc(json.out);
  simdjson::dom::array list;
  ASSERT_EQ(doc.root()["snapshots"].get_array().get(list), simdjson::SUCCESS) << json.out;
  ASSERT_EQ(list.size(), 1u) << json.out;
  simdjson::dom::element s = list.at(0);
  std::string_view host, path, mode;
  bool journal = false;
  uint64_t seq = 0;
  ASSERT_EQ(s["host"].get_string().get(host), simdjson::SUCCESS);
  ASSERT_EQ(s["data_dir"].get_string().get(path), simdjson::SUCCESS);
  ASSERT_EQ(s["mode"].get_string().get(mode), simdjson::SUCCESS);
  ASSERT_EQ(s["journal"].get_bool().get(journal), simdjson::SUCCESS);
  ASSERT_EQ(s["journal_seq"].get_uint64().get(seq), simdjson::SUCCESS);
  EXPECT_EQ(host, host_);
  EXPECT_EQ(path, d1);
  EXPECT_EQ(mode, "essential");
  EXPECT_TRUE(journal);
  EXPECT_EQ(seq, kOrchestrators + 20);

  EXPECT_NE(Ctl({"snapshots", "--tag", "nightly"}).out.find("1 snapshot(s) of 1 data directory"), std::string::npos);
  EXPECT_NE(Ctl({"snapshots", "--host", "elsewhere"}).out.find("0 snapshot(s)"), std::string::npos);
}

TEST_F(RecoveryFlow2, BackupHostOverrideMakesItsOwnGroupThatHostPicks) {
  const std::string d1 = Sub("d1");
  MakeLedger(d1, 10);
  InitRepo();
  Backup(d1);
  const std::string other = SnapshotId(Backup(d1, {"--host", "old-instance"}));
  ChildResult refused = Restore("latest", Sub("new"));
  EXPECT_EQ(refused.exit_code, 1) << refused.Describe();
  EXPECT_NE(refused.err.find("host old-instance, path " + d1), std::string::npos) << refused.err;
  ChildResult picked = Restore("latest", Sub("new"), {"--host", "old-instance"});
  ASSERT_EQ(picked.exit_code, 0) << picked.Describe();
  EXPECT_EQ(JsonDoc(picked.out).Str("snapshot_id"), other);
}

TEST_F(RecoveryFlow2, ForgetAppliesItsPolicyPerDataDirectoryAndNeverRemovesTheLongestLedgerUnlessNamed) {
  const std::string d1 = Sub("d1"), d2 = Sub("d2");
  MakeLedger(d1, 300);
  MakeLedger(d2, 5);
  InitRepo();
  const std::string longest = SnapshotId(Backup(d1));
  Backup(d2);
  fs::remove_all(d1);
  MakeLedger(d1, 10);  // a shorter ledger at d1, forced in by the operator
  const std::string forced = SnapshotId(Backup(d1, {"--allow-regression"}));
  ASSERT_FALSE(forced.empty());

  ChildResult forget = Ctl({"forget", "--keep-last", "1", "--json"});
  ASSERT_EQ(forget.exit_code, 0) << forget.Describe();
  JsonDoc doc(forget.out);
  EXPECT_EQ(doc.UInt("removed"), 0u) << forget.out;  // d2's only snapshot, d1's newest and d1's longest
  EXPECT_NE(forget.out.find("\"id\":\"" + longest + "\",\"keep\":true,\"reasons\":[\"highest ledger seq of its group\"]"),
            std::string::npos)
      << forget.out;
  EXPECT_NE(Ctl({"snapshots"}).out.find("3 snapshot(s) of 2 data directories"), std::string::npos);

  // Named by id it goes; ids and a policy together are refused (a usage error).
  EXPECT_EQ(Ctl({"forget", longest.substr(0, 8), "--keep-last", "1"}).exit_code, 2);
  ChildResult named = Ctl({"forget", longest.substr(0, 8)});
  ASSERT_EQ(named.exit_code, 0) << named.Describe();
  EXPECT_NE(named.out.find("removed 1 snapshot(s)"), std::string::npos) << named.out;
  EXPECT_NE(Ctl({"snapshots"}).out.find("2 snapshot(s) of 2 data directories"), std::string::npos);
}

TEST_F(RecoveryFlow2, AReplicatorStartedOnAFreshDirectoryAtTheRealPathDoesNotBecomeItsLatest) {
  const std::string data = Sub("data");
  MakeLedger(data, 300);
  InitRepo();
  const std::string real = SnapshotId(Backup(data));
  ASSERT_FALSE(real.empty());

  // The data volume did not mount: the service starts on an empty data/,
  // and a replicator follows it.
  fs::rename(data, Sub("data.unmounted"));
  BackendOptions options;
  options.data_dir = data;
  options.log_file = Sub("backend.log");
  auto backend = BackendProcess::Start(options);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  std::unique_ptr<Child> replicator =
      StartCtl({"replicate", "--data-dir", data, "--interval", "200ms", "--snapshot-every", "100ms"});
  ASSERT_NE(replicator, nullptr);
  // Until the replicator has tried its first snapshot (taken, or refused).
  std::string status;
  for (int i = 0; i < 400; ++i) {
    status = RunChild(CtlArgv({"replicate", "--status", "--json", "--data-dir", data}), CtlEnv(), 10s).out;
    JsonDoc doc(status);
    if (!doc.Str("last_snapshot_error").empty() || (doc.Str("last_snapshot_id") != real && !doc.Str("last_snapshot_id").empty())) break;
    std::this_thread::sleep_for(50ms);
  }
  ::kill(replicator->pid(), SIGTERM);
  replicator->Wait(30s);
  (*backend)->Terminate();
  EXPECT_NE(JsonDoc(status).Str("last_snapshot_error").find("holds the ledger through seq 0"), std::string::npos)
      << status;

  ChildResult r = Restore("latest", Sub("restored"));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(JsonDoc(r.out).Str("snapshot_id"), real) << r.out;
  EXPECT_EQ(RestoredSeq(r), kOrchestrators + 300) << r.out;
}

}  // namespace
}  // namespace pb::integration
