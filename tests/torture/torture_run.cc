#include "torture_run.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <latch>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "restore_target.h"
#include "support/backup_fixture.h"
#include "support/child_runner.h"
#include "support/credit_load.h"
#include "support/data_files.h"
#include "support/test_support.h"
#include "tally.h"

namespace pb::torture {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using integration::BackendOptions;
using integration::BackendProcess;
using integration::Child;
using integration::ChildResult;

constexpr int kClients = 4;
constexpr int kOrchestrators = 16;
constexpr const char* kOrchestratorPrefix = "torture-orch";
constexpr int kMaxRequestsPerClientPerCycle = 20000;
constexpr int kMinKillDelayMs = 20;
constexpr int kMaxKillDelayMs = 300;
// A checkpoint cycle waits at most this long for the background checkpoint
// (every second) to start, then kills anyway.
constexpr auto kCheckpointWait = 3s;
// A checkpoint cycle starts its load this long after the service was ready,
// shortly before that checkpoint, so the journal does not grow for a whole
// second of load.
constexpr auto kCheckpointLoadStart = 800ms;
constexpr auto kCtlTimeout = 60s;
// Every this many kills the run starts over in a fresh data directory and
// repository (after stopping, verifying and checking the old ones), so the
// cost of a cycle's checks stays bounded in a long run.
constexpr int kCyclesPerEpoch = 200;

class Torture {
 public:
  explicit Torture(const TortureOptions& options) : options_(options), rng_(options.seed) { typical_ms_.fill(300); }
  Torture(const Torture&) = delete;
  Torture& operator=(const Torture&) = delete;

  bool Run();

 private:
  // A fresh data directory with registered orchestrators, served, and a
  // repository with one snapshot of it, below epoch-<epoch>/.
  bool StartEpoch(int epoch);
  // Stops the service (SIGTERM), verifies the data directory and checks the
  // repository once more; removes the epoch's directory when all passed.
  bool FinishEpoch();
  // One backend kill with `op` beside the load, its checks and the restart.
  // False when the run cannot go on (no restart).
  bool Cycle(int cycle, Operation op);
  std::unique_ptr<Child> StartCtl(Operation op, const std::string& snapshot_id);
  // An uninterrupted restore of the latest snapshot below refs/; its
  // directory and snapshot id, or nullopt (reported) on failure.
  std::optional<std::pair<std::string, std::string>> MakeReference();
  void InspectTarget(int cycle, const std::string& new_reference, KindTally* t);
  void CheckRepository(int cycle, KindTally* t);
  void AuditJournal(int cycle, KindTally* t);
  ChildResult Ctl(std::vector<std::string> args) const;
  bool StartBackend();
  // Removes what killed restores leave beside the target (moved-aside old
  // targets, hidden temporary directories) and references no longer needed.
  void CleanUpRestoreLeftovers(const std::string& keep_a, const std::string& keep_b);

  const TortureOptions options_;
  std::mt19937_64 rng_;
  pb::testing::TempDir dir_;
  std::string epoch_dir_, data_, repo_, target_, refs_;
  std::unique_ptr<BackendProcess> server_;
  Clock::time_point ready_at_;  // when server_ answered /health
  std::string old_reference_;  // what target_ holds ("" when absent)
  std::array<int, kOperationCount> typical_ms_{};
  int repository_changes_ = 0;
  std::unordered_set<std::string> acknowledged_, unanswered_;
  Tally tally_{};
};

ChildResult Torture::Ctl(std::vector<std::string> args) const {
  args.push_back("--repo");
  args.push_back(repo_);
  return integration::RunChild(integration::CtlArgv(args), integration::CtlEnv(), kCtlTimeout);
}

bool Torture::StartBackend() {
  BackendOptions options;
  options.data_dir = data_;
  options.log_file = epoch_dir_ + "/backend.log";
  options.extra_args = {"--checkpoint-interval", "1"};
  options.ready_timeout = 30s;
  auto started = BackendProcess::Start(options);
  if (!started.ok()) {
    std::printf("[ torture ] restart failed: %s\n", started.status().ToString().c_str());
    return false;
  }
  server_ = std::move(started.value());
  ready_at_ = Clock::now();
  return true;
}

bool Torture::StartEpoch(int epoch) {
  epoch_dir_ = dir_.Sub("epoch-" + std::to_string(epoch));
  data_ = epoch_dir_ + "/data";
  repo_ = epoch_dir_ + "/repo";
  target_ = epoch_dir_ + "/restored";
  refs_ = epoch_dir_ + "/refs";
  old_reference_.clear();
  acknowledged_.clear();
  unanswered_.clear();
  fs::create_directories(refs_);
  ChildResult init = Ctl({"init"});
  if (init.exit_code != 0) {
    std::printf("[ torture ] init: %s\n", init.Describe().c_str());
    return false;
  }
  if (!StartBackend()) return false;
  integration::HttpClient http(server_->port());
  if (!http.Connect().ok()) return false;
  for (int i = 0; i < kOrchestrators; ++i) {
    auto r = http.Post("/api/orchestrators/register",
                       integration::RegisterBody(integration::LoadOrchestratorId(kOrchestratorPrefix, i)));
    if (!r.ok() || r->status != 201) {
      std::printf("[ torture ] registration %d failed\n", i);
      return false;
    }
  }
  ChildResult backup = Ctl({"backup", "--data-dir", data_, "--json"});
  if (backup.exit_code != 0) {
    std::printf("[ torture ] first backup: %s\n", backup.Describe().c_str());
    return false;
  }
  return true;
}

std::unique_ptr<Child> Torture::StartCtl(Operation op, const std::string& snapshot_id) {
  std::vector<std::string> args;
  switch (op) {
    case Operation::kBackup: args = {"backup", "--data-dir", data_, "--json"}; break;
    case Operation::kRestore: args = {"restore", snapshot_id, "--to", target_, "--force", "--json"}; break;
    case Operation::kForgetPrune: args = {"forget", "--keep-last", "2", "--prune", "--json"}; break;
    case Operation::kLoadOnly:
    case Operation::kCheckpoint: return nullptr;
  }
  args.push_back("--repo");
  args.push_back(repo_);
  auto child = Child::Start(integration::CtlArgv(args), integration::CtlEnv());
  if (!child.ok()) {
    std::printf("[ torture ] paymentsctl %s did not start: %s\n", args[0].c_str(), child.status().ToString().c_str());
    return nullptr;
  }
  return std::move(child.value());
}

std::optional<std::pair<std::string, std::string>> Torture::MakeReference() {
  const std::string next = refs_ + "/next";
  fs::remove_all(next);
  ChildResult r = Ctl({"restore", "latest", "--to", next, "--json"});
  integration::JsonDoc doc(r.out);
  const std::string id = doc.Str("snapshot_id");
  if (r.exit_code != 0 || id.empty()) {
    std::printf("[ torture ] reference restore: %s\n", r.Describe().c_str());
    return std::nullopt;
  }
  const std::string path = refs_ + "/" + id;
  if (fs::exists(path)) {
    fs::remove_all(next);
  } else {
    fs::rename(next, path);
  }
  return std::make_pair(path, id);
}

void Torture::CleanUpRestoreLeftovers(const std::string& keep_a, const std::string& keep_b) {
  const std::string base = fs::path(target_).filename().string();
  for (const std::string& name : integration::DirEntries(epoch_dir_)) {
    if (name.rfind(base + ".before-restore-", 0) == 0 || name.rfind("." + base + ".restore-", 0) == 0) {
      fs::remove_all(epoch_dir_ + "/" + name);
    }
  }
  for (const std::string& name : integration::DirEntries(refs_)) {
    const std::string path = refs_ + "/" + name;
    if (path != keep_a && path != keep_b) fs::remove_all(path);
  }
}

void Torture::InspectTarget(int cycle, const std::string& new_reference, KindTally* t) {
  std::string why;
  TargetState state = InspectRestoreTarget(target_, old_reference_, new_reference, &why);
  std::printf("[ torture ] cycle %d: restore target %s\n", cycle, TargetStateName(state));
  switch (state) {
    case TargetState::kAbsent: old_reference_.clear(); break;
    case TargetState::kOld: break;
    case TargetState::kComplete: old_reference_ = new_reference; break;
    case TargetState::kHalfWritten:
      ++(*t)[kHalfWrittenTargets];
      std::printf("[ torture ] cycle %d: HALF-WRITTEN restore target: %s\n", cycle, why.c_str());
      fs::remove_all(target_);
      old_reference_.clear();
      break;
  }
  CleanUpRestoreLeftovers(old_reference_, new_reference);
}

void Torture::CheckRepository(int cycle, KindTally* t) {
  if (++repository_changes_ % options_.check_every != 0) return;
  ChildResult check = Ctl({"check", "--read-data", "--json"});
  integration::JsonDoc doc(check.out);
  if (check.exit_code != 0 || !doc.Bool("ok")) {
    ++(*t)[kCheckFailures];
    std::printf("[ torture ] cycle %d: CHECK --read-data FAILED: %s\n", cycle, check.Describe().c_str());
  }
}

void Torture::AuditJournal(int cycle, KindTally* t) {
  auto ids = integration::JournalWorkloadIds(data_);
  if (!ids.ok()) {
    ++(*t)[kVerifyFailures];
    std::printf("[ torture ] cycle %d: journal unreadable after the restart: %s\n", cycle,
                ids.status().ToString().c_str());
    return;
  }
  for (auto it = acknowledged_.begin(); it != acknowledged_.end();) {
    if (ids->count(*it)) {
      ++it;
      continue;
    }
    if (++(*t)[kLost] <= 20) std::printf("[ torture ] cycle %d: LOST acknowledged credit %s\n", cycle, it->c_str());
    unanswered_.insert(*it);  // counted once; should it come back it is no phantom
    it = acknowledged_.erase(it);
  }
  for (const std::string& id : *ids) {
    if (acknowledged_.count(id) || unanswered_.count(id)) continue;
    if (++(*t)[kPhantoms] <= 20) std::printf("[ torture ] cycle %d: PHANTOM credit %s\n", cycle, id.c_str());
  }
}

bool Torture::Cycle(int cycle, Operation op) {
  KindTally& t = tally_[static_cast<int>(op)];
  std::optional<std::pair<std::string, std::string>> reference;
  if (op == Operation::kRestore) {
    reference = MakeReference();
    if (!reference) {
      ++t[kCtlFailures];
      op = Operation::kLoadOnly;
    }
  }

  if (op == Operation::kCheckpoint) std::this_thread::sleep_until(ready_at_ + kCheckpointLoadStart);
  std::atomic<bool> stop{false};
  const integration::CreditLoad load{server_->port(), kOrchestratorPrefix, kOrchestrators,
                                     kMaxRequestsPerClientPerCycle};
  std::vector<integration::ClientOutcome> outcomes(kClients);
  std::vector<std::thread> clients;
  std::latch connected(kClients);
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back(integration::RunCreditClient, std::cref(load), cycle, c, std::cref(stop), &outcomes[c],
                         &connected);
  }
  connected.wait();  // the kill delay counts from connected clients, however busy the machine
  const auto start = Clock::now();
  std::unique_ptr<Child> ctl = StartCtl(op, reference ? reference->second : "");
  if (ctl == nullptr && op != Operation::kLoadOnly && op != Operation::kCheckpoint) ++t[kCtlFailures];
  const int kill_ms = std::uniform_int_distribution<int>(kMinKillDelayMs, kMaxKillDelayMs)(rng_);
  const bool kill_ctl = ctl != nullptr && std::bernoulli_distribution(0.5)(rng_);
  const int ctl_kill_ms =
      kill_ctl ? std::uniform_int_distribution<int>(0, typical_ms_[static_cast<int>(op)] * 6 / 5)(rng_) : -1;
  std::optional<ChildResult> ctl_result;
  if (kill_ctl && ctl_kill_ms < kill_ms) {
    std::this_thread::sleep_until(start + std::chrono::milliseconds(ctl_kill_ms));
    ctl_result = ctl->Kill9();
  }
  if (op == Operation::kCheckpoint) {
    // Kill inside the checkpoint: as soon as its files appear, plus 0-5 ms.
    const auto give_up = Clock::now() + kCheckpointWait;
    while (!integration::CheckpointInProgress(data_) && Clock::now() < give_up) std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 5)(rng_)));
  } else {
    std::this_thread::sleep_until(start + std::chrono::milliseconds(kill_ms));
  }
  const int killed = server_->Kill9();
  const int killed_at_ms = static_cast<int>((Clock::now() - start) / 1ms);
  server_.reset();
  stop = true;
  for (auto& c : clients) c.join();
  if (ctl != nullptr && !ctl_result) {
    if (kill_ctl) std::this_thread::sleep_until(start + std::chrono::milliseconds(ctl_kill_ms));
    ctl_result = kill_ctl ? ctl->Kill9() : ctl->Wait(kCtlTimeout);
  }
  ++t[kKills];
  if (killed != 128 + 9) {
    ++t[kRestartFailures];
    std::printf("[ torture ] cycle %d: the server had exited (status %d) before its kill\n", cycle, killed);
  }

  size_t acks = 0;
  for (auto& o : outcomes) {
    if (o.connect_failed) {
      ++t[kUnexpectedAnswers];
      std::printf("[ torture ] cycle %d: client could not connect: %s\n", cycle, o.connect_error.c_str());
    }
    for (auto& msg : o.unexpected) std::printf("[ torture ] cycle %d: unexpected answer %s\n", cycle, msg.c_str());
    t[kUnexpectedAnswers] += o.unexpected.size();
    for (auto& c : o.acknowledged) acknowledged_.insert(std::move(c.workload_id));
    for (auto& c : o.unanswered) unanswered_.insert(std::move(c.workload_id));
    acks += o.acknowledged.size();
  }
  t[kAcknowledged] += acks;

  std::string ctl_text = "-";
  if (ctl_result) {
    if (ctl_result->exit_code == 128 + 9) {
      ++t[kCtlKills];
      ctl_text = "killed at " + std::to_string(ctl_kill_ms) + " ms";
    } else if (ctl_result->exit_code == 0) {
      typical_ms_[static_cast<int>(op)] = std::max<int>(20, static_cast<int>(ctl_result->elapsed.count()));
      ctl_text = "done in " + std::to_string(ctl_result->elapsed.count()) + " ms";
    } else {
      ++t[kCtlFailures];
      ctl_text = "FAILED";
      std::printf("[ torture ] cycle %d: paymentsctl: %s\n", cycle, ctl_result->Describe().substr(0, 2000).c_str());
    }
  }

  // Offline checks while the server is down.
  if (integration::CheckpointInProgress(data_)) ++t[kCheckpointsInterrupted];
  integration::RunOutput verify = integration::RunVerify(data_);
  if (verify.exit_code != 0) {
    ++t[kVerifyFailures];
    std::printf("[ torture ] cycle %d: VERIFY FAILED (exit %d): %s\n", cycle, verify.exit_code,
                verify.output.substr(0, 2000).c_str());
  }
  if (op == Operation::kBackup || op == Operation::kForgetPrune) CheckRepository(cycle, &t);
  if (op == Operation::kRestore) InspectTarget(cycle, reference->first, &t);

  if (!StartBackend()) {
    ++t[kRestartFailures];
    std::printf("%s\n", integration::FileTail(epoch_dir_ + "/backend.log").c_str());
    return false;
  }
  AuditJournal(cycle, &t);
  std::printf("[ torture ] cycle %4d %-15s backend killed at %3d ms, %5zu acks, paymentsctl %s\n", cycle,
              OperationName(op), killed_at_ms, acks, ctl_text.c_str());
  return true;
}

bool Torture::FinishEpoch() {
  if (server_ == nullptr) return false;
  const int stopped = server_->Terminate();
  server_.reset();
  integration::RunOutput verify = integration::RunVerify(data_);
  ChildResult check = Ctl({"check", "--read-data", "--json"});
  std::printf("[ torture ] %s: stop exit %d, verify exit %d, check --read-data exit %d\n", epoch_dir_.c_str(), stopped,
              verify.exit_code, check.exit_code);
  if (stopped != 0 || verify.exit_code != 0 || check.exit_code != 0) {
    std::printf("%s\n%s\n", verify.output.substr(0, 2000).c_str(), check.Describe().substr(0, 2000).c_str());
    return false;
  }
  fs::remove_all(epoch_dir_);
  return true;
}

bool Torture::Run() {
  const auto begin = Clock::now();
  std::printf("[ torture ] seed %" PRIu64 " (rerun with SEED=%" PRIu64 "), %d kills at most, %d s\n", options_.seed,
              options_.seed, options_.iterations, options_.seconds);
  bool went_on = StartEpoch(0);
  bool final_ok = true;
  for (int cycle = 0; went_on && cycle < options_.iterations; ++cycle) {
    if (Clock::now() - begin >= std::chrono::seconds(options_.seconds)) {
      std::printf("[ torture ] time is up after %d kills\n", cycle);
      break;
    }
    if (cycle > 0 && cycle % kCyclesPerEpoch == 0) {
      final_ok = FinishEpoch();
      went_on = final_ok && StartEpoch(cycle / kCyclesPerEpoch);
      if (!went_on) break;
    }
    went_on = Cycle(cycle, static_cast<Operation>(cycle % kOperationCount));
  }
  final_ok = final_ok && went_on && FinishEpoch();
  KindTally total;
  for (const KindTally& t : tally_) total.Add(t);
  const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  std::printf("[ torture ] kills survived per operation running at the kill:\n");
  PrintTally(tally_, stdout);
  std::printf("[ torture ] %" PRIu64 " kills in %.1f s, %" PRIu64 " acknowledged credits, %" PRIu64
              " lost, %" PRIu64 " problems, final stop/verify/check %s, seed %" PRIu64 "\n",
              total[kKills], seconds, total[kAcknowledged], total[kLost], total.Problems(), final_ok ? "ok" : "FAILED",
              options_.seed);
  const bool clean = final_ok && total.Problems() == 0 && total[kKills] >= static_cast<uint64_t>(options_.min_kills);
  if (!clean) {
    if (total[kKills] < static_cast<uint64_t>(options_.min_kills)) std::printf("[ torture ] FAILED: fewer than %d kills\n", options_.min_kills);
    ::setenv("PB_KEEP_TEST_DIRS", "1", 1);  // TempDir keeps the directory for a post-mortem
  }
  std::fflush(stdout);
  return clean;
}

}  // namespace

bool RunTorture(const TortureOptions& options) {
  Torture torture(options);
  return torture.Run();
}

}  // namespace pb::torture
