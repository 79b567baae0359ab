// The whole disaster, end to end over SSH: a payments host takes credits
// from several clients while paymentsctl backs it up remotely; then the host
// loses its service (kill -9) and its data directory (rm -rf); paymentsctl
// restores the latest snapshot of that target onto it. The service must come
// back healthy on data that passes `paymentsctl verify`, holding every credit
// acknowledged before the backup started, with balances equal to the sum of
// the credits it holds. The time of each step is printed and recorded.
#include <simdjson.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/remote_fixture.h"

namespace pb::integration {
namespace {

using Clock = std::chrono::steady_clock;
using RemoteDisaster = RemoteTest;

constexpr int kClients = 4;
constexpr int kOrchestrators = 8;
constexpr int kMaxCreditsPerClient = 20000;
constexpr size_t kAckedBeforeBackup = 500;  // credits acknowledged before the backup starts, at least

std::string OrchestratorId(int i) { return "dr-orch-" + std::to_string(i); }

struct Credit {
  std::string workload_id;
  int orchestrator = 0;
  Wei amount = 0;
  Clock::time_point acked_at;
};

struct ClientLog {
  std::vector<Credit> acked;
  std::vector<Credit> unanswered;  // sent, no 2xx (may or may not exist)
  std::string error;
};

// Posts unique credits until `stop`, an error, or the bound.
void RunClient(uint16_t port, int client, const std::atomic<bool>& stop, std::atomic<size_t>* acked_total,
               ClientLog* out) {
  HttpClient http(port, std::chrono::seconds(10));
  Status connected = http.ConnectWithRetry();
  if (!connected.ok()) {
    out->error = connected.ToString();
    return;
  }
  for (int n = 0; n < kMaxCreditsPerClient && !stop.load(std::memory_order_relaxed); ++n) {
    Credit c;
    c.workload_id = "dr-c" + std::to_string(client) + "-" + std::to_string(n);
    c.orchestrator = (client * 7 + n) % kOrchestrators;
    const std::string amount = "0.00000" + std::to_string(1 + n % 9);
    c.amount = EthToWei(amount);
    auto r = http.Post("/api/workloads", CreditBody(c.workload_id, OrchestratorId(c.orchestrator), amount));
    if (!r.ok() || r->status / 100 != 2) {
      out->error = r.ok() ? std::to_string(r->status) + " " + r->body.substr(0, 200) : r.status().ToString();
      out->unanswered.push_back(std::move(c));
      return;
    }
    c.acked_at = Clock::now();
    out->acked.push_back(std::move(c));
    acked_total->fetch_add(1, std::memory_order_relaxed);
  }
}

// Every workload the service holds (id -> amount), via GET /api/workloads.
Status FetchWorkloads(uint16_t port, std::map<std::string, std::pair<std::string, Wei>>* out) {
  HttpClient http(port, std::chrono::seconds(10));
  PB_RETURN_IF_ERROR(http.ConnectWithRetry());
  simdjson::dom::parser parser;
  uint64_t offset = 0;
  for (int page = 0; page < 10000; ++page) {
    auto r = http.Get("/api/workloads?offset=" + std::to_string(offset) + "&limit=1000");
    if (!r.ok()) return r.status();
    if (r->status != 200) return Status::IOError("GET /api/workloads: " + std::to_string(r->status) + " " + r->body);
    simdjson::dom::element doc;
    simdjson::dom::array items;
    uint64_t total = 0;
    if (parser.parse(r->body).get(doc) != simdjson::SUCCESS || doc["workloads"].get_array().get(items) ||
        doc["total"].get_uint64().get(total)) {
      return Status::IOError("unexpected workloads page: " + r->body.substr(0, 300));
    }
    uint64_t count = 0;
    for (auto item : items) {
      std::string_view id, orch, amount;
      if (item["workload_id"].get_string().get(id) || item["orchestrator_id"].get_string().get(orch) ||
          item["amount"].get_string().get(amount)) {
        return Status::IOError("workload without workload_id/orchestrator_id/amount");
      }
      (*out)[std::string(id)] = {std::string(orch), EthToWei(amount)};
      ++count;
    }
    offset += count;
    if (count == 0 || offset >= total) return Status::Ok();
  }
  return Status::IOError("too many workload pages");
}

Result<Wei> Balance(uint16_t port, const std::string& orchestrator) {
  HttpClient http(port);
  PB_RETURN_IF_ERROR(http.ConnectWithRetry());
  auto r = http.Get("/api/orchestrators/" + orchestrator);
  if (!r.ok()) return r.status();
  if (r->status != 200) return Status::NotFound(orchestrator + ": " + std::to_string(r->status));
  simdjson::dom::parser parser;
  std::string_view balance;
  if (parser.parse(r->body)["balance"].get_string().get(balance)) return Status::IOError("no balance: " + r->body);
  return EthToWei(balance);
}

TEST_F(RemoteDisaster, HostLosesServiceAndDataAndIsRestoredWithEveryCreditAcknowledgedBeforeTheBackup) {
  std::vector<std::pair<std::string, double>> timings;
  auto timed = [&](const std::string& step, Clock::time_point since) {
    double seconds = std::chrono::duration<double>(Clock::now() - since).count();
    timings.emplace_back(step, seconds);
    std::printf("[ disaster ] %-28s %7.2f s\n", step.c_str(), seconds);
    RecordProperty("seconds_" + step, std::to_string(seconds));
  };

  auto t = Clock::now();
  TestHost* host = RunningHost("prod", 2000);
  ASSERT_NE(host, nullptr);
  for (int i = 0; i < kOrchestrators; ++i) {
    ASSERT_EQ(PostCredits(host->port(), "dr-setup-" + std::to_string(i), 0, OrchestratorId(i)).size(), 0u);
  }
  WriteInventoryFile({TargetOf("prod", *host)});
  InitRepo();
  timed("host set up", t);

  // Load, then a remote backup while it runs.
  std::atomic<bool> stop{false};
  std::atomic<size_t> acked_total{0};
  std::vector<ClientLog> logs(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back(RunClient, host->port(), i, std::cref(stop), &acked_total, &logs[i]);
  }
  auto stop_load = [&] {
    stop = true;
    for (std::thread& c : clients) {
      if (c.joinable()) c.join();
    }
  };
  auto load_deadline = Clock::now() + std::chrono::seconds(20);
  while (acked_total.load() < kAckedBeforeBackup && Clock::now() < load_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const Clock::time_point backup_started = Clock::now();
  if (acked_total.load() < kAckedBeforeBackup) {
    stop_load();
    FAIL() << "only " << acked_total.load() << " credits acknowledged in 20 s; "
           << (logs[0].error.empty() ? "" : "client 0: " + logs[0].error);
  }
  ChildResult backup = RemoteBackup("prod");
  const size_t acked_during_backup = acked_total.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  stop_load();
  timed("remote backup under load", backup_started);
  ASSERT_EQ(backup.exit_code, 0) << backup.Describe();
  const std::string snapshot_id = ParseTargets(backup.out)["prod"].snapshot_id;

  std::vector<Credit> acked_before_backup;
  std::set<std::string> sent;
  size_t acked_all = 0;
  for (const ClientLog& log : logs) {
    EXPECT_TRUE(log.error.empty() || log.acked.size() == static_cast<size_t>(kMaxCreditsPerClient)) << log.error;
    for (const Credit& c : log.acked) {
      sent.insert(c.workload_id);
      if (c.acked_at < backup_started) acked_before_backup.push_back(c);
    }
    for (const Credit& c : log.unanswered) sent.insert(c.workload_id);
    acked_all += log.acked.size();
  }
  ASSERT_GE(acked_before_backup.size(), kAckedBeforeBackup);
  EXPECT_GT(acked_during_backup, acked_before_backup.size()) << "no credit was taken while the backup ran";

  // The disaster: the service dies, its data directory is deleted.
  t = Clock::now();
  const pid_t pid = host->ServicePid();
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  auto gone_deadline = Clock::now() + std::chrono::seconds(10);
  while (host->ServicePid() > 0 && Clock::now() < gone_deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_LE(host->ServicePid(), 0) << "the service survived SIGKILL";
  std::filesystem::remove_all(host->data());
  ASSERT_FALSE(FileExists(host->data()));
  ASSERT_FALSE(host->Healthy());
  timed("kill -9 and rm -rf data", t);

  // The restore.
  t = Clock::now();
  ChildResult restore = Ctl({"restore", "--repo", Repo(), "latest", "--staging-dir", Staging(), "--inventory", InventoryFile(), "--target", "prod",
                             "--timeout-seconds", "60", "--json"});
  timed("restore over ssh", t);
  ASSERT_EQ(restore.exit_code, 0) << restore.Describe() << "\nbackend.log:\n" << host->ServiceLogTail();
  EXPECT_EQ(ParseTargets(restore.out)["prod"].snapshot_id, snapshot_id) << restore.out;

  t = Clock::now();
  PB_ASSERT_OK(host->WaitHealthy(std::chrono::seconds(5)));
  timed("healthy after restore", t);

  // Every credit acknowledged before the backup started is there, exactly once,
  // with its amount; nothing that was never sent appeared.
  t = Clock::now();
  std::map<std::string, std::pair<std::string, Wei>> restored;
  PB_ASSERT_OK(FetchWorkloads(host->port(), &restored));
  size_t missing = 0;
  for (const Credit& c : acked_before_backup) {
    auto it = restored.find(c.workload_id);
    if (it == restored.end()) {
      if (++missing <= 10) ADD_FAILURE() << "acknowledged credit " << c.workload_id << " is missing";
      continue;
    }
    EXPECT_EQ(it->second.first, OrchestratorId(c.orchestrator)) << c.workload_id;
    EXPECT_EQ(it->second.second, c.amount) << c.workload_id;
  }
  EXPECT_EQ(missing, 0u) << "of " << acked_before_backup.size() << " credits acknowledged before the backup";
  std::map<std::string, Wei> sums;
  size_t ours = 0;
  for (const auto& [id, value] : restored) {
    if (id.rfind("dr-c", 0) != 0) continue;
    ++ours;
    EXPECT_TRUE(sent.count(id)) << id << " was never sent";
    sums[value.first] += value.second;
  }
  for (int i = 0; i < kOrchestrators; ++i) {
    auto balance = Balance(host->port(), OrchestratorId(i));
    ASSERT_TRUE(balance.ok()) << balance.status().ToString();
    EXPECT_EQ(*balance, sums[OrchestratorId(i)]) << OrchestratorId(i) << ": balance != sum of its credits";
  }
  timed("audit of the credits", t);

  t = Clock::now();
  ChildResult down = host->Compose({"down"});
  ASSERT_EQ(down.exit_code, 0) << down.Describe();
  RunOutput verify = RunVerify(host->data());
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  timed("verify", t);

  std::printf("[ disaster ] credits acknowledged: %zu before the backup, %zu while it ran, %zu in all; "
              "%zu restored\n",
              acked_before_backup.size(), acked_during_backup - acked_before_backup.size(), acked_all, ours);
  RecordProperty("credits_acked_before_backup", std::to_string(acked_before_backup.size()));
  RecordProperty("credits_restored", std::to_string(ours));
}

}  // namespace
}  // namespace pb::integration
