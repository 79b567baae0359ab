// Continuous journal shipping through the real binaries: paymentsctl
// replicate beside a running payments-backend, payments-backend
// --replicate-to, restore latest / --at across a snapshot and the shipped
// records, --status and /health.
#include <signal.h>

#include <filesystem>
#include <thread>

#include "common/time_util.h"
#include "repo/wal.h"
#include "support/backup_fixture.h"
#include "support/replication_fixture.h"

namespace pb::integration {
namespace {

using namespace std::chrono_literals;

// The wal object names of the target (a local repository), in order.
std::vector<repo::WalName> WalNames(const std::string& repo_dir) {
  std::vector<repo::WalName> out;
  if (!std::filesystem::exists(repo_dir + "/wal")) return out;
  for (const auto& e : std::filesystem::directory_iterator(repo_dir + "/wal")) {
    auto name = repo::ParseWalName(e.path().filename().string());
    if (name.ok()) out.push_back(*name);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first_seq < b.first_seq; });
  return out;
}

// SIGTERM, then the exit code within 30 s.
int Terminate(Child* child) {
  ::kill(child->pid(), SIGTERM);
  return child->Wait(30s).exit_code;
}

class ReplicateCliTest : public ReplicateTest {
 protected:
  // restore latest --to DIR --json <extra...>; fails the test unless exit 0.
  std::string Restore(const std::string& snapshot, const std::string& to, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"restore", snapshot, "--to", to, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    ChildResult r = Ctl(args);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return r.out;
  }
  void ExpectAll(const std::vector<Ack>& acks, const std::string& restored) {
    std::set<std::string> ids = WorkloadIds(restored);
    size_t missing = 0;
    for (const Ack& a : acks) missing += ids.count(a.workload_id) == 0;
    EXPECT_EQ(missing, 0u) << "of " << acks.size() << " acknowledged credits";
    RunOutput verify = RunVerify(restored);
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
  }
};

TEST_F(ReplicateCliTest, ReplicatesARunningBackendUnderLoadAndRestoreLatestHasEveryAcknowledgedCredit) {
  const std::string data = dir_.Sub("data");
  auto backend = StartBackend(data);
  ASSERT_NE(backend, nullptr);
  Register(backend->port(), "orch-1");
  auto replicator = StartReplicator(data);
  ASSERT_NE(replicator, nullptr);
  AckedCredits load(backend->port(), "orch-1", "wl", 2, 3s);
  std::this_thread::sleep_for(3s);
  load.Stop();
  ASSERT_GT(load.count(), 50u);
  ChildResult ok = WaitForState(data, "ok");
  EXPECT_NE(ok.out.find("\"state\":\"ok\""), std::string::npos) << ok.Describe();
  EXPECT_EQ(Terminate(replicator.get()), 0);
  EXPECT_EQ(backend->Kill9(), 137);

  std::string out = Restore("latest", dir_.Sub("restored"));
  JsonDoc doc(out);
  EXPECT_GT(doc.UInt("wal_objects"), 0u) << out;
  EXPECT_EQ(doc.UInt("wal_lost_from"), 0u) << out;
  ExpectAll(load.acks(), dir_.Sub("restored"));
  ChildResult check = Ctl({"check", "--read-data", "--json"});
  EXPECT_EQ(check.exit_code, 0) << check.Describe();
}

TEST_F(ReplicateCliTest, ARestartedReplicatorResumesWithoutGapOrDuplicate) {
  const std::string data = dir_.Sub("data");
  auto backend = StartBackend(data);
  ASSERT_NE(backend, nullptr);
  Register(backend->port(), "orch-1");
  std::vector<Ack> acks;
  for (int round = 0; round < 3; ++round) {
    // --no-compact: the test checks the objects as shipped (a merge, or a
    // kill -9 during one, would change them).
    auto replicator = StartReplicator(data, {"--interval", "200ms", "--no-compact"});
    ASSERT_NE(replicator, nullptr);
    AckedCredits load(backend->port(), "orch-1", "r" + std::to_string(round), 1, 700ms);
    std::this_thread::sleep_for(700ms);
    load.Stop();
    auto a = load.acks();
    acks.insert(acks.end(), a.begin(), a.end());
    // Each run ships its round before it ends (so each leaves objects of its
    // own, however slowly it started on a busy machine).
    HttpClient http(backend->port());
    ASSERT_TRUE(http.Connect().ok());
    auto health = http.Get("/health");
    ASSERT_TRUE(health.ok());
    ASSERT_NO_FATAL_FAILURE(WaitShipped(data, JsonDoc(health->body).UInt("journal_seq")));
    if (round == 1) {
      replicator->Kill9();  // no final ship: the next one picks up where the repository is
    } else {
      EXPECT_EQ(Terminate(replicator.get()), 0);
    }
  }
  // One more start that only catches up, then stops.
  auto last = StartReplicator(data, {"--interval", "200ms", "--no-compact"});
  ASSERT_NE(last, nullptr);
  WaitForState(data, "ok");
  EXPECT_EQ(Terminate(last.get()), 0);

  auto names = WalNames(target_.repo);
  ASSERT_GE(names.size(), 3u);
  for (size_t i = 1; i < names.size(); ++i) {
    EXPECT_EQ(names[i].first_seq, names[i - 1].last_seq + 1) << names[i - 1].name << " then " << names[i].name;
  }
  ChildResult check = Ctl({"check", "--read-data", "--json"});
  EXPECT_EQ(check.exit_code, 0) << check.Describe();
  EXPECT_EQ(backend->Terminate(), 0);
  Restore("latest", dir_.Sub("restored"));
  ExpectAll(acks, dir_.Sub("restored"));
}

TEST_F(ReplicateCliTest, AtCutsAcrossTheSnapshotAndTheShippedRecords) {
  const std::string data = dir_.Sub("data");
  auto backend = StartBackend(data);
  ASSERT_NE(backend, nullptr);
  Register(backend->port(), "orch-1");
  auto credit = [&](const std::string& id) {
    HttpClient http(backend->port());
    ASSERT_TRUE(http.Connect().ok());
    auto r = http.Post("/api/workloads", CreditBody(id, "orch-1", "0.000001"));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 201) << r->body;
  };
  credit("before-snapshot");
  auto replicator = StartReplicator(data, {"--interval", "200ms"});  // takes the first snapshot
  ASSERT_NE(replicator, nullptr);
  ASSERT_NO_FATAL_FAILURE(WaitForFirstSnapshot());
  std::this_thread::sleep_for(20ms);
  credit("shipped-1");
  std::this_thread::sleep_for(20ms);
  const int64_t at = NowMillis();
  std::this_thread::sleep_for(20ms);
  credit("shipped-2");
  EXPECT_EQ(Terminate(replicator.get()), 0);
  EXPECT_EQ(backend->Terminate(), 0);

  std::string out = Restore("latest", dir_.Sub("at"), {"--at", FormatIso8601(at)});
  std::set<std::string> ids = WorkloadIds(dir_.Sub("at"));
  EXPECT_EQ(ids, (std::set<std::string>{"before-snapshot", "shipped-1"})) << out;
  EXPECT_EQ(RunVerify(dir_.Sub("at")).exit_code, 0);

  // An explicit snapshot id keeps its old meaning: the snapshot alone.
  std::string id = JsonDoc(out).Str("snapshot_id");
  Restore(id, dir_.Sub("snapshot-only"));
  EXPECT_EQ(WorkloadIds(dir_.Sub("snapshot-only")), (std::set<std::string>{"before-snapshot"}));
  Restore(id, dir_.Sub("snapshot-and-wal"), {"--wal"});
  EXPECT_EQ(WorkloadIds(dir_.Sub("snapshot-and-wal")).size(), 3u);
}

TEST_F(ReplicateCliTest, StatusIsOkThenStalledWhenTheRepositoryGoesAwayThenStopped) {
  const std::string data = dir_.Sub("data");
  auto backend = StartBackend(data);
  ASSERT_NE(backend, nullptr);
  Register(backend->port(), "orch-1");
  auto replicator = StartReplicator(data, {"--interval", "200ms"});
  ASSERT_NE(replicator, nullptr);
  ChildResult ok = WaitForState(data, "ok");
  EXPECT_EQ(ok.exit_code, 0) << ok.Describe();

  std::filesystem::rename(target_.repo, target_.repo + ".away");
  {
    HttpClient http(backend->port());
    ASSERT_TRUE(http.Connect().ok());
    ASSERT_EQ(http.Post("/api/workloads", CreditBody("waiting", "orch-1", "0.000001"))->status, 201);
  }
  ChildResult stalled = WaitForState(data, "stalled");
  EXPECT_EQ(stalled.exit_code, 1) << stalled.Describe();
  JsonDoc doc(stalled.out);
  EXPECT_NE(doc.Str("last_error"), "") << stalled.out;
  EXPECT_GT(doc.Number("lag_seconds"), 0.0) << stalled.out;

  std::filesystem::rename(target_.repo + ".away", target_.repo);
  ok = WaitForState(data, "ok");
  EXPECT_EQ(ok.exit_code, 0) << ok.Describe();
  EXPECT_EQ(JsonDoc(ok.out).Number("lag_seconds"), 0.0) << ok.out;

  EXPECT_EQ(Terminate(replicator.get()), 0);
  ChildResult stopped = ReplicateStatus(data);
  EXPECT_EQ(stopped.exit_code, 1) << stopped.Describe();
  EXPECT_NE(stopped.out.find("\"state\":\"stopped\""), std::string::npos) << stopped.out;
}

TEST_F(ReplicateCliTest, HealthShowsReplicationOfReplicateToAndDegradesWhenStalled) {
  const std::string data = dir_.Sub("data");
  auto backend = StartBackend(data, {"--replicate-to", target_.repo, "--replicate-interval", "200ms"});
  ASSERT_NE(backend, nullptr);
  Register(backend->port(), "orch-1");
  HttpClient http(backend->port());
  ASSERT_TRUE(http.Connect().ok());
  auto health = [&] {
    auto r = http.Get("/health");
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->body : std::string();
  };
  std::string body;
  // The state turns "ok" with the status write after the first shipped round,
  // which can come a round after shipped_seq does.
  for (int i = 0; i < 100; ++i) {
    body = health();
    if (body.find("\"shipped_seq\":1,") != std::string::npos &&
        body.find("\"replication\":{\"state\":\"ok\"") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_NE(body.find("\"status\":\"ok\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"replication\":{\"state\":\"ok\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"shipped_seq\":1,"), std::string::npos) << body;

  std::filesystem::rename(target_.repo, target_.repo + ".away");
  for (int i = 0; i < 100 && body.find("\"status\":\"degraded\"") == std::string::npos; ++i) {
    std::this_thread::sleep_for(50ms);
    body = health();
  }
  EXPECT_NE(body.find("\"status\":\"degraded\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"state\":\"stalled\""), std::string::npos) << body;
  std::filesystem::rename(target_.repo + ".away", target_.repo);
  EXPECT_EQ(backend->Terminate(), 0);
}

// Credits `ids` one by one, each followed by a wait of more than an
// interval (200 ms) so that each lands in its own wal object.
void CreditEach(uint16_t port, const std::vector<std::string>& ids) {
  HttpClient http(port);
  ASSERT_TRUE(http.Connect().ok());
  for (const std::string& id : ids) {
    auto r = http.Post("/api/workloads", CreditBody(id, "orch-1", "0.000001"));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 201) << r->body;
    std::this_thread::sleep_for(400ms);
  }
}

TEST_F(ReplicateCliTest, AMissingWalObjectStopsRestoreAtTheLastGoodRecordAndNamesTheLoss) {
  const std::string data = dir_.Sub("data");
  Replicating running;
  ASSERT_NO_FATAL_FAILURE(StartReplicating(data, &running));
  std::unique_ptr<BackendProcess>& backend = running.backend;
  std::unique_ptr<Child>& replicator = running.replicator;
  CreditEach(backend->port(), {"a", "b", "c"});
  EXPECT_EQ(Terminate(replicator.get()), 0);
  EXPECT_EQ(backend->Terminate(), 0);

  auto names = WalNames(target_.repo);
  ASSERT_GE(names.size(), 3u);
  const repo::WalName& gone = names[names.size() - 2];  // the one holding "b"
  std::filesystem::remove(target_.repo + "/wal/" + gone.name);

  ChildResult check = Ctl({"check", "--json"});
  EXPECT_EQ(check.exit_code, 1) << check.Describe();
  EXPECT_NE(check.out.find("no object holds records " + std::to_string(gone.first_seq)), std::string::npos)
      << check.out;

  ChildResult r = Ctl({"restore", "latest", "--to", dir_.Sub("restored"), "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  JsonDoc doc(r.out);
  EXPECT_EQ(doc.UInt("wal_lost_from"), gone.first_seq) << r.out;
  EXPECT_EQ(doc.UInt("wal_lost_to"), names.back().last_seq) << r.out;
  EXPECT_NE(r.err.find("LOST"), std::string::npos) << r.err;
  EXPECT_EQ(WorkloadIds(dir_.Sub("restored")), (std::set<std::string>{"a"}));
  EXPECT_EQ(RunVerify(dir_.Sub("restored")).exit_code, 0);
}

TEST_F(ReplicateCliTest, PruneDeletesTheWalObjectsTheOldestSnapshotCoversAndKeepsTheRest) {
  const std::string data = dir_.Sub("data");
  Replicating running;
  ASSERT_NO_FATAL_FAILURE(StartReplicating(data, &running));
  std::unique_ptr<BackendProcess>& backend = running.backend;
  std::unique_ptr<Child>& replicator = running.replicator;
  CreditEach(backend->port(), {"a", "b"});
  EXPECT_EQ(Terminate(replicator.get()), 0);
  ChildResult backup = Ctl({"backup", "--data-dir", data, "--json"});  // covers a and b
  ASSERT_EQ(backup.exit_code, 0) << backup.Describe();
  replicator = StartReplicator(data, {"--interval", "200ms", "--no-compact"});
  ASSERT_NE(replicator, nullptr);
  WaitForState(data, "ok");
  CreditEach(backend->port(), {"c"});
  EXPECT_EQ(Terminate(replicator.get()), 0);
  EXPECT_EQ(backend->Terminate(), 0);
  const auto before = WalNames(target_.repo);

  ChildResult forget = Ctl({"forget", "--keep-last", "1", "--prune", "--json"});
  ASSERT_EQ(forget.exit_code, 0) << forget.Describe();
  const auto after = WalNames(target_.repo);
  ASSERT_FALSE(after.empty());
  EXPECT_LT(after.size(), before.size()) << forget.out;
  const uint64_t snapshot_seq = after.front().first_seq - 1;  // c's object comes right after the kept snapshot
  for (const auto& n : before) {
    bool kept = std::any_of(after.begin(), after.end(), [&](const auto& a) { return a.name == n.name; });
    EXPECT_EQ(kept, n.last_seq > snapshot_seq) << n.name;
  }
  ChildResult check = Ctl({"check", "--read-data", "--json"});
  EXPECT_EQ(check.exit_code, 0) << check.Describe();
  Restore("latest", dir_.Sub("restored"));
  EXPECT_EQ(WorkloadIds(dir_.Sub("restored")), (std::set<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace pb::integration
