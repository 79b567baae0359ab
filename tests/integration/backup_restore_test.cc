// paymentsctl restore's rules for its target (never overwrite, --force moves
// aside, a missing target is created), the ledger cut of --at, and a backup
// taken while payments-backend is crediting: every credit acknowledged
// before the backup started is in the restored journal.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "common/file_util.h"
#include "common/time_util.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

using Clock = std::chrono::steady_clock;
using RestoreCli = BackupTest;

// Names in `dir` that a restore into dir/<base> uses as its temporary
// directory (".<base>.restore-<pid>-<time>").
std::vector<std::string> RestoreLeftovers(const std::string& dir, const std::string& base) {
  std::vector<std::string> out;
  for (const std::string& name : DirEntries(dir)) {
    if (name.rfind("." + base + ".restore-", 0) == 0) out.push_back(name);
  }
  return out;
}

class RestoreTarget : public BackupTest {
 protected:
  void SetUp() override {
    data_ = Sub("data");
    ChildResult gen = RunChild({BinPath("bench-journal-gen"), "--data-dir", data_, "--workloads", "300"}, {},
                               std::chrono::seconds(60));
    ASSERT_EQ(gen.exit_code, 0) << gen.Describe();
    InitRepo();
    JsonDoc backup(Backup(data_));
    ASSERT_TRUE(backup.ok());
    snapshot_ = backup.Str("snapshot_id");
    target_ = Sub("target");
    PB_ASSERT_OK(MakeDirs(target_ + "/old"));
    PB_ASSERT_OK(WriteFileAtomic(target_ + "/old/keep.txt", "the operator's files"));
  }

  std::string data_, snapshot_, target_;
};

TEST_F(RestoreTarget, NonEmptyTargetIsRefusedWithoutForceAndLeftUntouched) {
  ChildResult r = Restore(snapshot_, target_);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.Describe();
  EXPECT_EQ(DirEntries(target_), std::vector<std::string>{"old"});
  EXPECT_EQ(DirEntries(target_ + "/old"), std::vector<std::string>{"keep.txt"});
  EXPECT_EQ(ReadFileOrEmpty(target_ + "/old/keep.txt"), "the operator's files");
  EXPECT_TRUE(RestoreLeftovers(dir_.path(), "target").empty());
}

TEST_F(RestoreTarget, ForceMovesTheOldTargetAsideAndRestoresInItsPlace) {
  ChildResult r = Restore(snapshot_, target_, {"--force"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  JsonDoc doc(r.out);
  const std::string aside = doc.Str("moved_aside");
  ASSERT_FALSE(aside.empty()) << r.out;
  EXPECT_EQ(aside.rfind(target_ + ".before-restore-", 0), 0u) << aside;
  EXPECT_EQ(ReadFileOrEmpty(aside + "/old/keep.txt"), "the operator's files");
  EXPECT_EQ(CompareTrees(data_, target_), "");
}

TEST_F(RestoreTarget, MissingTargetAndItsParentsAreCreated) {
  const std::string fresh = Sub("new/parents/target");
  ChildResult r = Restore(snapshot_, fresh);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(JsonDoc(r.out).Bool("verified")) << r.out;
  EXPECT_EQ(CompareTrees(data_, fresh), "");
}

TEST_F(RestoreTarget, EmptyExistingTargetIsUsed) {
  const std::string empty = Sub("empty");
  PB_ASSERT_OK(MakeDirs(empty));
  ChildResult r = Restore(snapshot_, empty);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(JsonDoc(r.out).Str("moved_aside"), "");
  EXPECT_EQ(CompareTrees(data_, empty), "");
}

TEST_F(RestoreTarget, AtBeforeTheFirstRecordIsRefusedAndLeavesNoTarget) {
  const std::string fresh = Sub("too-early");
  ChildResult r = Restore(snapshot_, fresh, {"--at", "2000-01-01T00:00:00Z"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("before"), std::string::npos) << r.Describe();
  EXPECT_FALSE(FileExists(fresh));
  EXPECT_TRUE(RestoreLeftovers(dir_.path(), "too-early").empty());
}

// Posts `count` credits of `amount` to `orchestrator`; each must be answered 201.
void PostCredits(HttpClient& http, const std::string& prefix, int count, const std::string& orchestrator,
                 const std::string& amount, std::set<std::string>* ids) {
  for (int i = 0; i < count; ++i) {
    std::string id = prefix + std::to_string(i);
    auto r = http.Post("/api/workloads", CreditBody(id, orchestrator, amount));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->status, 201) << r->body;
    ids->insert(id);
  }
}

TEST_F(RestoreCli, RestoreAtATimeBetweenTwoBatchesKeepsOnlyTheEarlierCredits) {
  const std::string data = Sub("data");
  PB_ASSERT_OK(MakeDirs(data));
  BackendOptions options;
  options.data_dir = data;
  options.log_file = Sub("backend.log");
  auto backend = BackendProcess::Start(options);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  HttpClient http((*backend)->port());
  PB_ASSERT_OK(http.Connect());
  auto reg = http.Post("/api/orchestrators/register", RegisterBody("orch-at"));
  ASSERT_TRUE(reg.ok() && reg->status == 201);

  std::set<std::string> early, late;
  PostCredits(http, "wl-early-", 10, "orch-at", "0.000001", &early);
  ASSERT_FALSE(HasFatalFailure());
  // Every early record has ts <= cut; every late one will have ts > cut.
  const int64_t cut = NowMillis();
  for (int spin = 0; spin < 1000000 && NowMillis() <= cut; ++spin) std::this_thread::yield();
  ASSERT_GT(NowMillis(), cut);
  PostCredits(http, "wl-late-", 7, "orch-at", "0.00001", &late);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_EQ((*backend)->Terminate(), 0);

  InitRepo();
  JsonDoc backup(Backup(data));
  ASSERT_TRUE(backup.ok());
  EXPECT_EQ(backup.UInt("journal_seq"), 1u + 10u + 7u);

  const std::string out = Sub("restored");
  ChildResult r = Restore("latest", out, {"--at", FormatIso8601(cut)});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  JsonDoc doc(r.out);
  EXPECT_TRUE(doc.Bool("verified")) << r.out;
  EXPECT_EQ(doc.UInt("journal_seq"), 1u + 10u) << r.out;

  RunOutput verify = RunVerify(out);
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  auto journal = JournalWorkloadIds(out);
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  EXPECT_EQ(*journal, early);
  auto workloads = JsonObjectKeys(out + "/workloads.json");
  ASSERT_TRUE(workloads.ok()) << workloads.status().ToString();
  EXPECT_EQ(*workloads, early);
  auto balance = JsonObjectString(out + "/balances.json", "orch-at");
  ASSERT_TRUE(balance.ok()) << balance.status().ToString();
  EXPECT_EQ(*balance, "0.00001");  // 10 x 0.000001

  // Without --at the same snapshot holds both batches.
  ChildResult all = Restore("latest", Sub("restored-all"));
  ASSERT_EQ(all.exit_code, 0) << all.Describe();
  auto all_ids = JournalWorkloadIds(Sub("restored-all"));
  ASSERT_TRUE(all_ids.ok());
  EXPECT_EQ(all_ids->size(), early.size() + late.size());
}

// Credits posted by client threads while a backup runs.
class BackupTimeCredits {
 public:
  BackupTimeCredits(uint16_t port, int clients, int per_client) {
    running_ = clients;
    for (int c = 0; c < clients; ++c) {
      threads_.emplace_back([this, port, c, per_client] { Run(port, c, per_client); });
    }
  }
  ~BackupTimeCredits() { Stop(); }

  void Stop() {
    stop_ = true;
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  std::vector<std::string> Acknowledged() {
    std::lock_guard<std::mutex> lock(mu_);
    return acknowledged_;
  }
  // True while some client still has credits to post.
  bool Running() const { return running_ > 0; }
  size_t AcknowledgedCount() {
    std::lock_guard<std::mutex> lock(mu_);
    return acknowledged_.size();
  }
  std::vector<std::string> Errors() {
    std::lock_guard<std::mutex> lock(mu_);
    return errors_;
  }

 private:
  void Run(uint16_t port, int client, int per_client) {
    struct Done {
      std::atomic<int>* running;
      ~Done() { --*running; }
    } done{&running_};
    HttpClient http(port, std::chrono::seconds(10));
    Status connected = http.ConnectWithRetry(std::chrono::seconds(5));
    for (int i = 0; connected.ok() && i < per_client && !stop_; ++i) {
      std::string id = "wl-load-" + std::to_string(client) + "-" + std::to_string(i);
      auto r = http.Post("/api/workloads", CreditBody(id, "orch-load-" + std::to_string(client % 4), "0.000001"));
      std::lock_guard<std::mutex> lock(mu_);
      if (!r.ok() || r->status != 201) {
        errors_.push_back(id + ": " + (r.ok() ? std::to_string(r->status) + " " + r->body : r.status().ToString()));
        return;
      }
      acknowledged_.push_back(id);
    }
    if (!connected.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      errors_.push_back(connected.ToString());
    }
  }

  std::atomic<bool> stop_{false};
  std::atomic<int> running_{0};
  std::mutex mu_;
  std::vector<std::string> acknowledged_;
  std::vector<std::string> errors_;
  std::vector<std::thread> threads_;
};

// Several backups in a row while clients credit and the service publishes
// a checkpoint every second: each snapshot must restore, verify, and hold
// every credit acknowledged before its backup process started.
TEST_F(RestoreCli, BackupsDuringCreditLoadHoldEveryCreditAcknowledgedBeforeTheyStarted) {
  constexpr int kClients = 4, kPerClient = 20000;
  constexpr size_t kWarmUpCredits = 400;
  constexpr int kMaxBackups = 10;
  constexpr auto kLoadDuration = std::chrono::milliseconds(3000);  // spans two checkpoint intervals
  const std::string data = Sub("live");
  PB_ASSERT_OK(MakeDirs(data));
  BackendOptions options;
  options.data_dir = data;
  options.log_file = Sub("backend.log");
  options.extra_args = {"--checkpoint-interval", "1"};
  auto backend = BackendProcess::Start(options);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  {
    HttpClient http((*backend)->port());
    PB_ASSERT_OK(http.Connect());
    for (int o = 0; o < 4; ++o) {
      auto reg = http.Post("/api/orchestrators/register", RegisterBody("orch-load-" + std::to_string(o)));
      ASSERT_TRUE(reg.ok() && reg->status == 201);
    }
  }
  InitRepo();

  struct Taken {
    std::vector<std::string> acknowledged_before;
    size_t acknowledged_after = 0;
    ChildResult result;
  };
  std::vector<Taken> backups;
  BackupTimeCredits load((*backend)->port(), kClients, kPerClient);
  const auto load_start = Clock::now();
  while (load.AcknowledgedCount() < kWarmUpCredits && Clock::now() < load_start + std::chrono::seconds(30) &&
         load.Errors().empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GE(load.AcknowledgedCount(), kWarmUpCredits) << "the load did not start";
  while (backups.size() < kMaxBackups &&
         (backups.empty() || (Clock::now() < load_start + kLoadDuration && load.Running()))) {
    Taken t;
    t.acknowledged_before = load.Acknowledged();
    t.result = Ctl({"backup", "--data-dir", data, "--mode", "essential", "--json"}, std::chrono::seconds(60));
    t.acknowledged_after = load.AcknowledgedCount();
    backups.push_back(std::move(t));
  }
  load.Stop();
  EXPECT_TRUE(load.Errors().empty()) << load.Errors().front();
  ASSERT_EQ((*backend)->Terminate(), 0);

  for (size_t b = 0; b < backups.size(); ++b) {
    SCOPED_TRACE("backup " + std::to_string(b));
    const Taken& t = backups[b];
    ASSERT_EQ(t.result.exit_code, 0) << t.result.Describe();
    if (b == 0) {  // later ones may start after the load ran out
      EXPECT_GT(t.acknowledged_after, t.acknowledged_before.size()) << "no credit was acknowledged during the backup";
    }
    JsonDoc doc(t.result.out);
    EXPECT_GE(doc.UInt("journal_seq"), 4 + t.acknowledged_before.size()) << t.result.out;
    const std::string out = Sub("restored-" + std::to_string(b));
    ChildResult restore = Restore(doc.Str("snapshot_id"), out);
    ASSERT_EQ(restore.exit_code, 0) << restore.Describe();
    EXPECT_TRUE(JsonDoc(restore.out).Bool("verified"));
    RunOutput verify = RunVerify(out);
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
    auto journal = JournalWorkloadIds(out);
    ASSERT_TRUE(journal.ok()) << journal.status().ToString();
    size_t missing = 0;
    std::string first_missing;
    for (const std::string& id : t.acknowledged_before) {
      if (!journal->count(id) && missing++ == 0) first_missing = id;
    }
    EXPECT_EQ(missing, 0u) << "of " << t.acknowledged_before.size()
                           << " credits acknowledged before the backup started, e.g. " << first_missing;
    std::printf("[ load     ] backup %zu: %zu credits acknowledged before it, %zu when it ended, %zu in the "
                "snapshot (checkpoint seq %llu)\n",
                b, t.acknowledged_before.size(), t.acknowledged_after, journal->size(),
                static_cast<unsigned long long>(doc.UInt("checkpoint_seq")));
  }
}

}  // namespace
}  // namespace pb::integration
