// I/O faults under the service (issue 7): for each fault kind, injected at
// many points of a sequence of credits, the service either refuses a request
// or has made it durable — never acknowledges and then loses. After a failed
// journal fsync it refuses every write until restarted and /health says so.
// The service runs in-process (Ledger + Api, wired as HttpServer wires them);
// after each fault it is "restarted" (dropped without a shutdown, reopened
// without faults) and the replayed state is compared with what was
// acknowledged. Each test prints how many faults it injected.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "ledger/mirror.h"
#include "server/api.h"
#include "support/fault_file_ops.h"
#include "test_util.h"

namespace pb::testing {
namespace {

constexpr const char* kOrch = "orch-1";
constexpr int kCredits = 24;     // credits per run
constexpr int kPhases = 3;       // restarts per run (kCredits / kPhases credits each)
constexpr uint64_t kPoints = 40; // fault points tried per kind (1..kPoints)

std::string WorkloadId(int i) { return "wl-" + std::to_string(i); }
std::string Amount(int i) {
  char text[32];
  std::snprintf(text, sizeof text, "0.%06d", i);
  return text;
}

// The service in-process: a reply counts as acknowledged only when the
// server would send it (a 2xx whose records are durable), as in
// HttpServer::Impl::Deliver.
class Service {
 public:
  // Opens `dir` and starts group commit; false when either fails (the
  // service would not start, so it acknowledges nothing).
  bool Start(const std::string& dir) {
    auto opened = ledger::Ledger::Open(dir);
    if (!opened.ok()) return false;
    ledger_ = std::move(opened.value());
    api_ = std::make_unique<server::Api>(ledger_.get(), "");
    api_->SetDurableSeq(ledger_->last_seq());
    return ledger_->Start({[this](uint64_t seq) {
                             std::lock_guard lock(mu_);
                             api_->SetDurableSeq(seq);
                             cv_.notify_all();
                           },
                           [this](const Status& st) {
                             std::lock_guard lock(mu_);
                             api_->SetFailed(st.message());
                             cv_.notify_all();
                           }})
        .ok();
  }
  ~Service() {
    ledger_.reset();  // a crash: no shutdown, no final checkpoint; stops the committer first
    api_.reset();
  }

  // The status the client receives.
  int Post(const std::string& target, const std::string& body) {
    server::Reply reply = api_->Handle({"POST", target, body, ""});
    ledger_->MaybeCheckpoint();
    if (reply.response.status >= 300 || reply.wait_seq == 0) return reply.response.status;
    std::unique_lock lock(mu_);
    bool settled = cv_.wait_for(lock, std::chrono::seconds(10), [&] {
      return api_->durable_seq() >= reply.wait_seq || api_->failed();
    });
    EXPECT_TRUE(settled) << "no durability answer for seq " << reply.wait_seq;
    return api_->durable_seq() >= reply.wait_seq ? reply.response.status : 503;
  }

  server::Response Get(const std::string& target) {
    server::Reply reply = api_->Handle({"GET", target, "", ""});
    server::RenderNow(&reply);
    return reply.response;
  }
  ledger::Ledger& ledger() { return *ledger_; }

 private:
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<server::Api> api_;
  std::mutex mu_;
  std::condition_variable cv_;
};

// The seqs of the lines of a mirror log, in file order.
std::vector<uint64_t> MirrorSeqs(const std::string& path) {
  std::vector<uint64_t> out;
  if (!Exists(path)) return out;
  for (const std::string& line : SplitLines(ReadAll(path))) {
    size_t at = line.rfind("\"seq\":");
    out.push_back(at == std::string::npos ? 0 : std::stoull(line.substr(at + 6)));
  }
  return out;
}

// Every journal record that has a line in `log` has exactly one there, in
// order: the readable mirrors are complete after a restart.
void ExpectMirrorComplete(const std::string& dir, ledger::MirrorLog log, const char* name, const FaultPlan& plan) {
  std::vector<uint64_t> expected;
  for (const auto& r : JournalRecords(dir)) {
    if (ledger::MirrorLogOf(r.type) == log) expected.push_back(r.seq);
  }
  EXPECT_EQ(MirrorSeqs(dir + "/" + name), expected)
      << name << " misses or repeats records after " << FaultKindName(plan.kind) << " at call " << plan.at;
}

struct Totals {
  uint64_t runs = 0, injected = 0, acknowledged = 0, refused = 0, lost = 0, stopped_service = 0;
};

// One run: registers, posts kCredits credits with the fault armed, then
// restarts without faults and checks every acknowledged credit (and nothing
// that was never sent) is there.
void RunOnce(const FaultPlan& plan, Totals* totals) {
  TempDir tmp;
  FaultFileOps ops(plan);
  SetFileOpsForTesting(&ops);
  std::map<std::string, Wei> acknowledged;
  bool registered = false;
  // Three lives of the service, each ending in an orderly shutdown (a final
  // checkpoint: renames, fsyncs) and starting with recovery, all under faults.
  for (int phase = 0; phase < kPhases; ++phase) {
    bool journal_failed = false;
    Service service;
    if (service.Start(tmp.path())) {
      if (!registered) {
        int reg = service.Post("/api/orchestrators/register",
                               R"({"orchestrator_id":"orch-1","address":"0x1111111111111111111111111111111111111111"})");
        registered = reg == 201;
      }
      for (int i = phase * kCredits / kPhases + 1; i <= (phase + 1) * kCredits / kPhases; ++i) {
        int status = service.Post("/api/workloads", R"({"workload_id":")" + WorkloadId(i) +
                                                        R"(","orchestrator_id":"orch-1","amount":")" + Amount(i) +
                                                        R"("})");
        if (status / 100 == 2) {
          EXPECT_TRUE(registered) << "a credit was acknowledged for an orchestrator whose registration was not";
          EXPECT_FALSE(journal_failed) << "credit " << i << " acknowledged after the journal failed";
          acknowledged[WorkloadId(i)] = Eth(Amount(i));
        } else {
          EXPECT_EQ(status, 503) << "credit " << i;
          ++totals->refused;
        }
        server::Response health = service.Get("/health");
        if (health.status == 503) {
          EXPECT_NE(health.body.find(R"("status":"failed")"), std::string::npos) << health.body;
          journal_failed = true;
        }
      }
      if (journal_failed) ++totals->stopped_service;
      (void)service.ledger().Shutdown();  // may fail under the fault; the next start recovers
    }
  }
  SetFileOpsForTesting(nullptr);
  totals->injected += ops.injected();
  totals->acknowledged += acknowledged.size();
  ++totals->runs;

  Service restarted;
  ASSERT_TRUE(restarted.Start(tmp.path())) << "the data directory does not reopen after " << FaultKindName(plan.kind)
                                           << " at call " << plan.at;
  const auto& state = restarted.ledger().state();
  Wei sum = 0;
  for (const auto& [id, amount] : acknowledged) {
    const auto* w = state.FindWorkload(id);
    if (w == nullptr || w->amount != amount) ++totals->lost;
    EXPECT_NE(w, nullptr) << FaultKindName(plan.kind) << " at call " << plan.at << ": acknowledged " << id
                          << " is lost";
  }
  for (const auto& w : state.workloads()) {
    int i = std::stoi(std::string(w.id.substr(3)));
    EXPECT_TRUE(i >= 1 && i <= kCredits && w.amount == Eth(Amount(i))) << "unexpected workload " << w.id;
    sum += w.amount;
  }
  EXPECT_EQ(state.Balance(kOrch), sum) << "balance differs from the sum of the replayed credits";
  ExpectMirrorComplete(tmp.path(), ledger::MirrorLog::kLedgerEvents, ledger::kLedgerEventsLog, plan);
  ExpectMirrorComplete(tmp.path(), ledger::MirrorLog::kRegistry, ledger::kRegistryLog, plan);
  EXPECT_EQ(restarted.Post("/api/workloads",
                           R"({"workload_id":"after-restart","orchestrator_id":"orch-1","amount":"0.5"})") / 100,
            registered || state.FindOrchestrator(kOrch) != nullptr ? 2 : 4)
      << "the restarted service does not accept writes";
}

Totals RunAtEveryPoint(FaultKind kind, const std::string& path_contains) {
  Totals totals;
  for (uint64_t at = 1; at <= kPoints && !::testing::Test::HasFatalFailure(); ++at) {
    RunOnce({kind, at, path_contains}, &totals);
  }
  std::printf("faults: kind=%s path=%s runs=%llu injected=%llu acknowledged=%llu refused=%llu "
              "service_stopped=%llu lost=%llu\n",
              FaultKindName(kind), path_contains.empty() ? "*" : path_contains.c_str(),
              static_cast<unsigned long long>(totals.runs), static_cast<unsigned long long>(totals.injected),
              static_cast<unsigned long long>(totals.acknowledged), static_cast<unsigned long long>(totals.refused),
              static_cast<unsigned long long>(totals.stopped_service), static_cast<unsigned long long>(totals.lost));
  return totals;
}

TEST(Faults, ShortWritesAreCompletedAndNothingIsRefused) {
  Totals t = RunAtEveryPoint(FaultKind::kShortWrite, "");
  EXPECT_EQ(t.injected, kPoints);
  EXPECT_EQ(t.refused, 0u);
  EXPECT_EQ(t.lost, 0u);
}

TEST(Faults, JournalFsyncEioStopsWritesUntilRestartAndLosesNothingAcknowledged) {
  Totals t = RunAtEveryPoint(FaultKind::kFsyncEio, "journal/0");
  EXPECT_GE(t.injected, static_cast<uint64_t>(kCredits));
  EXPECT_EQ(t.stopped_service, t.injected) << "a failed journal fdatasync did not stop the service";
  EXPECT_EQ(t.lost, 0u);
}

TEST(Faults, AnyFsyncEioLosesNothingAcknowledged) {
  Totals t = RunAtEveryPoint(FaultKind::kFsyncEio, "");
  EXPECT_GE(t.injected, static_cast<uint64_t>(kCredits));
  EXPECT_EQ(t.lost, 0u);
}

TEST(Faults, MirrorFsyncEioKeepsServingAndTheMirrorsAreCompleteAfterRestart) {
  Totals t = RunAtEveryPoint(FaultKind::kFsyncEio, "audit/ledger-events.log");
  EXPECT_GE(t.injected, static_cast<uint64_t>(kPhases));
  EXPECT_EQ(t.refused, 0u);
  EXPECT_EQ(t.lost, 0u);
}

TEST(Faults, EnospcMidFileLosesNothingAcknowledged) {
  Totals t = RunAtEveryPoint(FaultKind::kEnospc, "");
  EXPECT_EQ(t.injected, kPoints);
  EXPECT_GT(t.stopped_service, 0u);
  EXPECT_EQ(t.lost, 0u);
}

TEST(Faults, FailingRenameLosesNothingAcknowledged) {
  Totals t = RunAtEveryPoint(FaultKind::kRenameFails, "");
  EXPECT_GE(t.injected, static_cast<uint64_t>(kPhases) * 4);
  EXPECT_EQ(t.lost, 0u);
}

}  // namespace
}  // namespace pb::testing
