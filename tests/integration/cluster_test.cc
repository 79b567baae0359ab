// A primary and a standby, real payments-backend processes on 127.0.0.1
// (docs/cluster.md): the standby follows and refuses writes, and the load
// balancer's checks (/health/primary, /health/standby) say which is which; with
// --sync-standbys 1 the primary refuses writes while the standby is gone and
// resumes when it is back; a standby that falls silent (SIGSTOP) is dropped
// and follows again when it resumes; kill -9 of the primary under load, while the
// standby is stopped (SIGSTOP), loses no acknowledged credit (each one is on
// the standby, and nothing no client sent is); a standby whose journal
// is not the primary's is refused; with etcd (a real one), only the holder of
// the leader key accepts changes, and a leader stopped past its lease
// acknowledges nothing when it resumes; losing one etcd member of three
// changes nothing, losing two stops writes; HAProxy with ops/cluster/haproxy.cfg
// sends changes to the primary only; flags that cannot work refuse to start.
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/file_util.h"
#include "common/process.h"
#include "support/credit_load.h"
#include "support/etcd_fixture.h"
#include "support/test_support.h"

namespace pb::integration {
namespace {

using namespace std::chrono_literals;

class Cluster : public ::testing::Test {
 protected:
  // The primary on dir/primary, streaming on a free port.
  std::unique_ptr<BackendProcess> StartPrimary(std::vector<std::string> extra = {}) {
    repl_port_ = FreeLoopbackPort();
    std::vector<std::string> args = {"--node-name", "a", "--replication-listen",
                                     "127.0.0.1:" + std::to_string(repl_port_)};
    args.insert(args.end(), extra.begin(), extra.end());
    return Start(dir_.Sub("primary"), args);
  }
  std::unique_ptr<BackendProcess> StartStandby(const std::string& name = "standby") {
    return Start(dir_.Sub(name), {"--node-name", "b", "--standby-of", "127.0.0.1:" + std::to_string(repl_port_)});
  }
  std::unique_ptr<BackendProcess> Start(const std::string& data_dir, std::vector<std::string> args) {
    BackendOptions o;
    o.data_dir = data_dir;
    o.log_file = data_dir + ".log";
    o.extra_args = std::move(args);
    auto started = BackendProcess::Start(o);
    if (!started.ok()) {
      ADD_FAILURE() << started.status().ToString() << "\n" << FileTail(o.log_file);
      return nullptr;
    }
    return std::move(started.value());
  }

  // Polls `port`'s `target` until its body contains `text` (at most 20 s:
  // a bound on the test, not an assertion on speed).
  static bool WaitForBody(uint16_t port, const std::string& target, const std::string& text) {
    for (int i = 0; i < 400; ++i) {
      HttpClient c(port);
      if (c.Connect().ok()) {
        auto r = c.Get(target);
        if (r.ok() && r->body.find(text) != std::string::npos) return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  TempDir dir_;
  uint16_t repl_port_ = 0;
};

TEST_F(Cluster, TheStandbyFollowsServesReadsAndRefusesWrites) {
  auto primary = StartPrimary();
  ASSERT_NE(primary, nullptr);
  auto standby = StartStandby();
  ASSERT_NE(standby, nullptr);
  HttpClient p(primary->port());
  ASSERT_TRUE(p.Connect().ok());
  ASSERT_EQ(p.Post("/api/orchestrators/register", RegisterBody("o1"))->status, 201);
  for (int i = 0; i < 50; ++i) {
    auto r = p.Post("/api/workloads", CreditBody("w" + std::to_string(i), "o1", "0.000001"));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 201) << r->body;
  }
  ASSERT_TRUE(WaitForBody(standby->port(), "/api/balances", "\"o1\":\"0.00005\"")) << FileTail(standby->log_file());
  HttpClient s(standby->port());
  ASSERT_TRUE(s.Connect().ok());
  auto write = s.Post("/api/workloads", CreditBody("w-on-standby", "o1", "1"));
  ASSERT_TRUE(write.ok());
  EXPECT_EQ(write->status, 503);
  EXPECT_NE(write->body.find("standby of 127.0.0.1:" + std::to_string(repl_port_)), std::string::npos) << write->body;
  auto health = s.Get("/health");
  ASSERT_TRUE(health.ok());
  EXPECT_NE(health->body.find("\"role\":\"standby\""), std::string::npos) << health->body;
  EXPECT_NE(health->body.find("\"primary_node\":\"a\""), std::string::npos) << health->body;
  // A load balancer's checks: the standby is not a primary, and is a standby.
  EXPECT_EQ(s.Get("/health/primary")->status, 503);
  EXPECT_EQ(s.Get("/health/standby")->status, 200);
  EXPECT_EQ(p.Get("/health/primary")->status, 200);
  EXPECT_EQ(p.Get("/health/standby")->status, 503);
  auto primary_health = p.Get("/health");
  EXPECT_NE(primary_health->body.find("\"node\":\"b\",\"connected\":true"), std::string::npos) << primary_health->body;

  EXPECT_EQ(standby->Terminate(), 0);
  EXPECT_EQ(primary->Terminate(), 0);
  const std::string journal = "/journal/00000000000000000001.journal";
  EXPECT_EQ(ReadFileOrEmpty(dir_.Sub("standby") + journal), ReadFileOrEmpty(dir_.Sub("primary") + journal))
      << "the standby's journal is not the primary's, byte for byte";
  EXPECT_EQ(RunVerify(dir_.Sub("standby")).exit_code, 0);
}

TEST_F(Cluster, StrictSyncRefusesWritesWhileTheStandbyIsGoneAndResumesWhenItIsBack) {
  auto primary = StartPrimary({"--sync-standbys", "1", "--sync-timeout", "1s"});
  ASSERT_NE(primary, nullptr);
  HttpClient p(primary->port());
  ASSERT_TRUE(p.Connect().ok());
  // No standby yet: nothing is accepted.
  auto early = p.Post("/api/orchestrators/register", RegisterBody("o1"));
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->status, 503);
  EXPECT_NE(early->body.find("no synchronous standby"), std::string::npos) << early->body;

  auto standby = StartStandby();
  ASSERT_NE(standby, nullptr);
  ASSERT_TRUE(WaitForBody(primary->port(), "/health", "\"connected\":true"));
  ASSERT_EQ(p.Post("/api/orchestrators/register", RegisterBody("o1"))->status, 201);
  ASSERT_EQ(p.Post("/api/workloads", CreditBody("before", "o1", "0.000001"))->status, 201);

  ASSERT_GT(standby->Kill9(), 0);
  ASSERT_TRUE(WaitForBody(primary->port(), "/health/primary", "no synchronous standby"))
      << "a primary that refuses changes must fail its load balancer check";
  // Every answer from now on is a refusal, never a 2xx: the one that came
  // while the primary still counted the standby as in step is "unconfirmed"
  // once --sync-timeout passed; later ones are refused up front.
  std::vector<std::string> refused_kinds;
  for (int i = 0; i < 3; ++i) {
    auto r = p.Post("/api/workloads", CreditBody("during-" + std::to_string(i), "o1", "0.000001"));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 503) << r->body;
    refused_kinds.push_back(r->body.find("unconfirmed") != std::string::npos ? "unconfirmed" : "refused");
  }
  EXPECT_EQ(refused_kinds.back(), "refused");

  standby = StartStandby();
  ASSERT_NE(standby, nullptr);
  // Accepted again once the standby caught up (bounded wait).
  int status = 0;
  for (int i = 0; i < 200 && status != 201; ++i) {
    auto r = p.Post("/api/workloads", CreditBody("after", "o1", "0.000001"));
    ASSERT_TRUE(r.ok());
    status = r->status;
    if (status != 201) std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(status, 201);
  // Both acknowledged credits are on the standby.
  HttpClient s(standby->port());
  ASSERT_TRUE(s.Connect().ok());
  for (const std::string id : {"before", "after"}) {
    auto r = s.Get("/api/workloads/" + id);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << id << ": " << r->body;
  }
}

TEST_F(Cluster, AStandbyThatFallsSilentIsDroppedAndFollowsAgainWhenItResumes) {
  auto primary = StartPrimary({"--sync-standbys", "1"});
  ASSERT_NE(primary, nullptr);
  auto standby = StartStandby();
  ASSERT_NE(standby, nullptr);
  ASSERT_TRUE(WaitForBody(primary->port(), "/health", "\"connected\":true"));
  // Stopped, the standby neither reads nor acknowledges, but its socket
  // stays open, as a dead machine's would: the primary drops it on silence.
  ASSERT_EQ(::kill(standby->pid(), SIGSTOP), 0);
  ASSERT_TRUE(WaitForBody(primary->port(), "/health", "\"connected\":false")) << FileTail(primary->log_file());
  EXPECT_NE(FileTail(primary->log_file()).find("no acknowledgement for 3 s"), std::string::npos);
  HttpClient p(primary->port());
  ASSERT_TRUE(p.Connect().ok());
  EXPECT_EQ(p.Post("/api/orchestrators/register", RegisterBody("o1"))->status, 503);
  ASSERT_EQ(::kill(standby->pid(), SIGCONT), 0);
  ASSERT_TRUE(WaitForBody(primary->port(), "/health", "\"connected\":true")) << FileTail(standby->log_file());
  int status = 0;
  for (int i = 0; i < 200 && status != 201; ++i) {
    auto r = p.Post("/api/orchestrators/register", RegisterBody("o1"));
    ASSERT_TRUE(r.ok());
    status = r->status;
    if (status != 201) std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(status, 201);
}

TEST_F(Cluster, KillingThePrimaryUnderLoadLosesNoAcknowledgedCredit) {
  auto primary = StartPrimary({"--sync-standbys", "1", "--sync-timeout", "5s"});
  ASSERT_NE(primary, nullptr);
  auto standby = StartStandby();
  ASSERT_NE(standby, nullptr);
  ASSERT_TRUE(WaitForBody(primary->port(), "/health", "\"connected\":true"));
  constexpr int kOrchestrators = 4, kClients = 4;
  HttpClient p(primary->port());
  ASSERT_TRUE(p.Connect().ok());
  for (int i = 0; i < kOrchestrators; ++i) {
    ASSERT_EQ(p.Post("/api/orchestrators/register", RegisterBody(LoadOrchestratorId("cl", i)))->status, 201);
  }
  CreditLoad load{primary->port(), "cl", kOrchestrators, 3000};
  std::atomic<bool> stop{false};
  std::vector<ClientOutcome> outcomes(kClients);
  std::latch connected(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] { RunCreditClient(load, 1, c, stop, &outcomes[c], &connected); });
  }
  connected.wait();
  // Go on once credits are being acknowledged: the released seq (what
  // answers may show) is past the registrations (a count, not a clock).
  bool acknowledging = false;
  for (int i = 0; i < 1000 && !acknowledging; ++i) {
    HttpClient h(primary->port());
    if (h.Connect().ok()) {
      auto r = h.Get("/health");
      const size_t at = r.ok() ? r->body.find("\"durable_seq\":") : std::string::npos;
      acknowledging = at != std::string::npos && std::stoull(r->body.substr(at + 14)) >= 100;
    }
    if (!acknowledging) std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(acknowledging) << FileTail(primary->log_file());
  // The standby stops reading (SIGSTOP) while the load goes on: the
  // primary must acknowledge nothing the standby does not hold. Then the
  // primary dies, and the standby resumes without it.
  ASSERT_EQ(::kill(standby->pid(), SIGSTOP), 0);
  std::this_thread::sleep_for(300ms);
  ASSERT_GT(primary->Kill9(), 0);
  ASSERT_EQ(::kill(standby->pid(), SIGCONT), 0);
  stop = true;
  for (auto& t : clients) t.join();
  size_t acknowledged = 0;
  HttpClient s(standby->port());
  ASSERT_TRUE(s.Connect().ok());
  for (const ClientOutcome& o : outcomes) {
    EXPECT_TRUE(o.unexpected.empty()) << o.unexpected.front();
    for (const Credit& c : o.acknowledged) {
      ++acknowledged;
      auto r = s.Get("/api/workloads/" + c.workload_id);
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->status, 200) << "acknowledged credit " << c.workload_id << " is not on the standby";
    }
  }
  EXPECT_GT(acknowledged, 0u);
  // ... and nothing is there that no client sent: every workload on the
  // standby was acknowledged or left unanswered by the kill, once each.
  std::set<std::string> sent;
  for (const ClientOutcome& o : outcomes) {
    for (const Credit& c : o.acknowledged) sent.insert(c.workload_id);
    for (const Credit& c : o.unanswered) sent.insert(c.workload_id);
  }
  std::unordered_map<std::string, WorkloadSeen> held;
  uint64_t total = 0;
  Status fetched = FetchAllWorkloads(s, &held, &total);
  ASSERT_TRUE(fetched.ok()) << fetched.ToString();
  EXPECT_EQ(held.size(), total);
  for (const auto& [id, seen] : held) EXPECT_TRUE(sent.count(id)) << id << " is on the standby but no client sent it";
  std::cout << "acknowledged credits before the kill, all on the standby: " << acknowledged << "\n";
  EXPECT_EQ(standby->Terminate(), 0);
  EXPECT_EQ(RunVerify(dir_.Sub("standby")).exit_code, 0);
}

TEST_F(Cluster, AStandbyWhoseJournalIsNotThePrimarysIsRefused) {
  // A data directory with a history of its own.
  {
    auto other = Start(dir_.Sub("other"), {});
    ASSERT_NE(other, nullptr);
    HttpClient c(other->port());
    ASSERT_TRUE(c.Connect().ok());
    ASSERT_EQ(c.Post("/api/orchestrators/register", RegisterBody("elsewhere"))->status, 201);
    EXPECT_EQ(other->Terminate(), 0);
  }
  auto primary = StartPrimary();
  ASSERT_NE(primary, nullptr);
  HttpClient p(primary->port());
  ASSERT_TRUE(p.Connect().ok());
  ASSERT_EQ(p.Post("/api/orchestrators/register", RegisterBody("o1"))->status, 201);
  auto standby = StartStandby("other");
  ASSERT_NE(standby, nullptr);
  ASSERT_TRUE(WaitForBody(standby->port(), "/health", "\"stopped\":")) << FileTail(standby->log_file());
  HttpClient s(standby->port());
  ASSERT_TRUE(s.Connect().ok());
  auto health = s.Get("/health");
  EXPECT_NE(health->body.find("diverged"), std::string::npos) << health->body;
  EXPECT_NE(health->body.find("\"status\":\"degraded\""), std::string::npos) << health->body;
  auto orch = s.Get("/api/orchestrators/o1");
  EXPECT_EQ(orch->status, 404) << "the standby appended a record of a journal that is not its own";
}

// The value of "key":<integer> in `json`, or -1.
int64_t IntField(const std::string& json, const std::string& key) {
  const size_t at = json.find("\"" + key + "\":");
  return at == std::string::npos ? -1 : std::stoll(json.substr(at + key.size() + 3));
}

TEST_F(Cluster, OnlyTheLeaseHolderAcceptsChangesAndAStoppedLeaderAcknowledgesNothingOnceItsLeaseRanOut) {
  Etcd etcd(dir_.Sub("etcd"), 1);
  Status started = etcd.Start();
  ASSERT_TRUE(started.ok()) << started.ToString();
  auto primary_of = [&](const std::string& name) {
    return Start(dir_.Sub(name), {"--node-name", name, "--replication-listen",
                                  "127.0.0.1:" + std::to_string(FreeLoopbackPort()), "--etcd", etcd.Endpoints(),
                                  "--cluster-name", "t", "--lease-ttl", "2s"});
  };
  auto a = primary_of("a");
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(WaitForBody(a->port(), "/health/primary", "\"ok\":true")) << FileTail(a->log_file());
  EXPECT_EQ(etcd.Leader("t"), "a");
  auto b = primary_of("b");
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(WaitForBody(b->port(), "/health", "\"leader\":\"a\"")) << "b never read who leads";
  HttpClient ca(a->port()), cb(b->port());
  ASSERT_TRUE(ca.Connect().ok());
  ASSERT_TRUE(cb.Connect().ok());
  EXPECT_EQ(ca.Post("/api/orchestrators/register", RegisterBody("o1"))->status, 201);
  auto refused = cb.Post("/api/orchestrators/register", RegisterBody("o1"));
  EXPECT_EQ(refused->status, 503);
  EXPECT_NE(refused->body.find("node a leads"), std::string::npos) << refused->body;
  EXPECT_EQ(cb.Get("/health/primary")->status, 503);
  const int64_t term_a = IntField(ca.Get("/health")->body, "term");
  EXPECT_GT(term_a, 0);

  // a stops (a partition as etcd sees it) for longer than its lease: b
  // takes the leadership once etcd let a's lease run out.
  ASSERT_EQ(::kill(a->pid(), SIGSTOP), 0);
  bool moved = false;
  for (int i = 0; i < 400 && !moved; ++i) {
    moved = etcd.Leader("t") == "b";
    if (!moved) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(moved) << FileTail(b->log_file());
  ASSERT_TRUE(WaitForBody(b->port(), "/health/primary", "\"ok\":true"));
  EXPECT_EQ(cb.Post("/api/orchestrators/register", RegisterBody("o2"))->status, 201);
  const int64_t term_b = IntField(cb.Get("/health")->body, "term");
  EXPECT_GT(term_b, term_a) << "a new leader has a new, higher term";

  // a resumes: its lease ran out while it was stopped, so it acknowledges
  // nothing, before or after it notices.
  ASSERT_EQ(::kill(a->pid(), SIGCONT), 0);
  HttpClient late(a->port());
  ASSERT_TRUE(late.Connect().ok());
  auto after = late.Post("/api/orchestrators/register", RegisterBody("o3"));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->status, 503) << after->body;
  EXPECT_EQ(late.Get("/health/primary")->status, 503);
  EXPECT_EQ(a->Terminate(), 0);
  EXPECT_EQ(b->Terminate(), 0);
}

TEST_F(Cluster, LosingOneEtcdMemberOfThreeChangesNothingAndLosingTwoStopsWritesSafely) {
  Etcd etcd(dir_.Sub("etcd"), 3);
  Status started = etcd.Start();
  ASSERT_TRUE(started.ok()) << started.ToString();
  auto a = Start(dir_.Sub("a"), {"--node-name", "a", "--replication-listen",
                                 "127.0.0.1:" + std::to_string(FreeLoopbackPort()), "--etcd", etcd.Endpoints(),
                                 "--cluster-name", "t3", "--lease-ttl", "6s"});
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(WaitForBody(a->port(), "/health/primary", "\"ok\":true")) << FileTail(a->log_file());
  HttpClient c(a->port());
  ASSERT_TRUE(c.Connect().ok());
  ASSERT_EQ(c.Post("/api/orchestrators/register", RegisterBody("o1"))->status, 201);
  const int64_t term = IntField(c.Get("/health")->body, "term");

  // One member of three gone: a quorum remains (after an etcd election
  // when it was etcd's leader, which the 6 s lease outlasts: etcd's election
  // timeout is 1 s); the leader renews through the others and keeps its term
  // over a whole lease period.
  etcd.KillMember(0);
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(1500ms);  // about one renewal each
    auto w = c.Post("/api/workloads", CreditBody("one-down-" + std::to_string(i), "o1", "0.000001"));
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w->status, 201) << w->body;
  }
  EXPECT_EQ(IntField(c.Get("/health")->body, "term"), term) << "the leadership changed with one member gone";

  // Two of three gone: no quorum, no renewal; the leader stops accepting
  // changes once its lease deadline passes, and acknowledges none after.
  etcd.KillMember(1);
  ASSERT_TRUE(WaitForBody(a->port(), "/health/primary", "\"ok\":false")) << FileTail(a->log_file());
  auto w = c.Post("/api/workloads", CreditBody("no-quorum", "o1", "0.000001"));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->status, 503) << w->body;
  EXPECT_EQ(a->Terminate(), 0);
}

TEST_F(Cluster, HaproxyWithTheShippedConfigRoutesChangesToThePrimaryOnly) {
  auto primary = StartPrimary();
  ASSERT_NE(primary, nullptr);
  auto standby = StartStandby();
  ASSERT_NE(standby, nullptr);
  // ops/cluster/haproxy.cfg with this test's addresses.
  std::string cfg = ReadFileOrEmpty(SourcePath("ops/cluster/haproxy.cfg"));
  const uint16_t front = FreeLoopbackPort();
  for (auto [from, to] : {std::pair<std::string, std::string>{"127.0.0.1:8080", "127.0.0.1:" + std::to_string(front)},
                          {"127.0.0.1:8081", "127.0.0.1:" + std::to_string(primary->port())},
                          {"127.0.0.1:8082", "127.0.0.1:" + std::to_string(standby->port())}}) {
    const size_t at = cfg.find(from);
    ASSERT_NE(at, std::string::npos) << from << " is not in ops/cluster/haproxy.cfg";
    cfg.replace(at, from.size(), to);
  }
  ASSERT_TRUE(WriteFileAtomic(dir_.Sub("haproxy.cfg"), cfg).ok());
  SpawnOptions spawn;
  spawn.output_file = dir_.Sub("haproxy.log");
  auto haproxy = Spawn({"haproxy", "-db", "-f", dir_.Sub("haproxy.cfg")}, spawn);
  ASSERT_TRUE(haproxy.ok()) << haproxy.status().ToString();
  struct Stop {
    ChildProcess* child;
    ~Stop() { child->Kill(); }
  } stop{&*haproxy};
  HttpClient p(primary->port());
  ASSERT_TRUE(p.Connect().ok());
  ASSERT_EQ(p.Post("/api/orchestrators/register", RegisterBody("o1"))->status, 201);

  // Until its checks marked the standby down, HAProxy may send a change
  // there, which refuses it (503, nothing changes). Then every change goes
  // to the primary: 50 in a row accepted.
  int in_a_row = 0, sent = 0;
  for (; sent < 2000 && in_a_row < 50; ++sent) {
    HttpClient via(front);
    if (!via.Connect().ok()) {
      std::this_thread::sleep_for(50ms);
      continue;
    }
    auto r = via.Post("/api/workloads", CreditBody("via-" + std::to_string(sent), "o1", "0.000001"));
    in_a_row = r.ok() && r->status == 201 ? in_a_row + 1 : 0;
    if (in_a_row == 0) std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(in_a_row, 50) << FileTail(dir_.Sub("haproxy.log"));
  auto health = p.Get("/health");
  EXPECT_NE(health->body.find("\"workloads\":"), std::string::npos);
  for (int i = sent - 50; i < sent; ++i) {
    EXPECT_EQ(p.Get("/api/workloads/via-" + std::to_string(i))->status, 200) << i;
  }
}

TEST_F(Cluster, FlagsThatCannotWorkRefuseToStart) {
  const std::string data = dir_.Sub("data");
  const std::vector<std::vector<std::string>> bad = {
      {"--sync-standbys", "1"},
      {"--standby-of", "127.0.0.1:1", "--replication-listen", "127.0.0.1:0"},
      {"--replication-listen", "0.0.0.0:0"},
      {"--standby-of", "127.0.0.1:1", "--sync-standbys", "1"},
      {"--replication-listen", "127.0.0.1:0", "--node-name", "a b"},
      {"--replication-listen", "127.0.0.1:0", "--sync-timeout", "soon"},
      {"--standby-of", "127.0.0.1:1", "--etcd", "http://127.0.0.1:2379"},
      {"--replication-listen", "127.0.0.1:0", "--etcd", "127.0.0.1:2379"},
      {"--replication-listen", "127.0.0.1:0", "--etcd", "http://127.0.0.1:2379", "--lease-ttl", "1500ms"},
  };
  for (const auto& flags : bad) {
    std::vector<std::string> argv = {BinPath("payments-backend"), "--data-dir", data, "--listen",
                                     "127.0.0.1:" + std::to_string(FreeLoopbackPort())};
    argv.insert(argv.end(), flags.begin(), flags.end());
    RunOutput out = RunBounded(argv, {"PAYMENTS_REPLICATION_TOKEN="}, 30s);
    EXPECT_EQ(out.exit_code, 2) << flags.front() << " " << flags.back() << ": " << out.output;
  }
}

}  // namespace
}  // namespace pb::integration
