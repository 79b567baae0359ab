// Issue 15, flow 1: one writer per data directory. A second payments-backend,
// a restore --force onto a served directory and the point-in-time cut are
// refused naming the holder and change nothing; kill -9 releases the lock;
// a restore holds the target's lock while it writes; backup and verify keep
// working on a live directory and never store LOCK.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <set>
#include <thread>

#include "common/file_util.h"
#include "common/time_util.h"
#include "ledger/point_in_time.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

using Clock = std::chrono::steady_clock;

// Every entry below root/rel by path relative to `root`: "dir", or the
// SHA-256 of what it holds (a symlink's target file included).
void HashTree(const std::string& root, const std::string& rel, std::map<std::string, std::string>* out) {
  const std::string dir = rel.empty() ? root : root + "/" + rel;
  for (const std::string& name : DirEntries(dir)) {
    const std::string child = rel.empty() ? name : rel + "/" + name;
    struct stat st;
    if (::lstat((root + "/" + child).c_str(), &st) != 0) {
      (*out)[child] = "unreadable";
    } else if (S_ISDIR(st.st_mode)) {
      (*out)[child] = "dir";
      HashTree(root, child, out);
    } else {
      auto sha = Sha256File(root + "/" + child);
      (*out)[child] = sha.ok() ? *sha : "unreadable";
    }
  }
}

std::map<std::string, std::string> TreeHashes(const std::string& dir) {
  std::map<std::string, std::string> out;
  HashTree(dir, "", &out);
  return out;
}

// The siblings of `dir` whose names start with ".<base>.restore-" (a
// restore's staging directory) or "<base>.before-restore-" (a moved-aside
// target).
std::vector<std::string> RestoreTraces(const std::string& parent, const std::string& base) {
  std::vector<std::string> out;
  for (const std::string& name : DirEntries(parent)) {
    if (name.rfind("." + base + ".restore-", 0) == 0 || name.rfind(base + ".before-restore-", 0) == 0) {
      out.push_back(name);
    }
  }
  return out;
}

class RecoveryFlow1 : public BackupTest {
 protected:
  // payments-backend on `data` (no background checkpoint during the test,
  // so the directory changes only through the requests the test makes).
  std::unique_ptr<BackendProcess> StartBackend(const std::string& data, const std::string& log_name) {
    BackendOptions options;
    options.data_dir = data;
    options.log_file = Sub(log_name);
    options.extra_args = {"--checkpoint-interval", "86400"};
    auto backend = BackendProcess::Start(options);
    if (!backend.ok()) {
      ADD_FAILURE() << backend.status().ToString();
      return nullptr;
    }
    return std::move(backend.value());
  }

  // A second payments-backend on `data`, waited for at most 20 s (a second
  // service that started would run until killed).
  ChildResult RunSecondBackend(const std::string& data) {
    return RunChild({BinPath("payments-backend"), "--data-dir", data, "--listen",
                     "127.0.0.1:" + std::to_string(FreeLoopbackPort())},
                    {}, std::chrono::seconds(20));
  }

  // Posts credits wl-<prefix>-0.. of 0.000001 ETH to orch-1; each must get 201.
  void Credit(uint16_t port, const std::string& prefix, int count) {
    HttpClient http(port);
    PB_ASSERT_OK(http.Connect());
    for (int i = 0; i < count; ++i) {
      const std::string id = "wl-" + prefix + "-" + std::to_string(i);
      auto r = http.Post("/api/workloads", CreditBody(id, "orch-1", "0.000001"));
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ(r->status, 201) << r->body;
      acknowledged_.insert(id);
      ++requests_;
    }
  }

  void Register(uint16_t port) {
    HttpClient http(port);
    PB_ASSERT_OK(http.Connect());
    auto r = http.Post("/api/orchestrators/register", RegisterBody("orch-1"));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->status, 201) << r->body;
    ++requests_;
  }

  // A new service on a new `data` that registered orch-1 and acknowledged
  // `count` credits; nullptr (and a test failure) otherwise.
  std::unique_ptr<BackendProcess> ServeAndCredit(const std::string& data, const std::string& prefix, int count) {
    auto backend = StartBackend(data, prefix + ".log");
    if (backend == nullptr) return nullptr;
    Register(backend->port());
    if (!HasFatalFailure()) Credit(backend->port(), prefix, count);
    return HasFatalFailure() ? nullptr : std::move(backend);
  }

  // `count` more credits acknowledged by `backend`, a clean stop, then every
  // credit acknowledged in the test is in the journal and verify passes.
  void CreditStopAndVerify(BackendProcess* backend, const std::string& data, const std::string& prefix, int count) {
    Credit(backend->port(), prefix, count);
    ASSERT_FALSE(HasFatalFailure());
    ASSERT_EQ(backend->Terminate(), 0);
    ExpectEveryAcknowledgedCreditVerifies(data);
  }

  // Waits (bounded) until the service has written the access-log line of
  // every request it answered: from then on, with no request and no
  // checkpoint, nothing in `data` changes unless someone else writes it.
  void WaitUntilQuiet(const BackendProcess& backend, const std::string& data) {
    const size_t want = static_cast<size_t>(backend.health_probes_answered()) + requests_;
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Lines(ReadFileOrEmpty(data + "/audit/payments-audit.log")).size() < want && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(Lines(ReadFileOrEmpty(data + "/audit/payments-audit.log")).size(), want);
  }

  // The journal holds every acknowledged credit and verify passes.
  void ExpectEveryAcknowledgedCreditVerifies(const std::string& data) {
    RunOutput verify = RunVerify(data);
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
    auto journal = JournalWorkloadIds(data);
    ASSERT_TRUE(journal.ok()) << journal.status().ToString();
    EXPECT_EQ(*journal, acknowledged_);
  }

  static std::string Holder(pid_t pid) { return "payments-backend pid " + std::to_string(pid) + " on "; }

  std::set<std::string> acknowledged_;
  size_t requests_ = 0;
};

TEST_F(RecoveryFlow1, SecondBackendOnTheSameDataDirIsRefusedNamingTheHolderWhileTheFirstKeepsServing) {
  const std::string data = Sub("data");
  auto first = ServeAndCredit(data, "before", 3);
  ASSERT_NE(first, nullptr);

  ChildResult second = RunSecondBackend(data);
  EXPECT_FALSE(second.timed_out) << "the second service started and served: " << second.Describe();
  EXPECT_EQ(second.exit_code, 1) << second.Describe();
  std::vector<std::string> lines = Lines(second.err);
  ASSERT_EQ(lines.size(), 1u) << "one line on stderr: " << second.Describe();
  EXPECT_NE(lines[0].find(data + " is in use by " + Holder(first->pid())), std::string::npos) << lines[0];
  EXPECT_EQ(ReadFileOrEmpty(data + "/LOCK").rfind(Holder(first->pid()), 0), 0u);
  CreditStopAndVerify(first.get(), data, "after", 3);
}

TEST_F(RecoveryFlow1, KillNineReleasesTheLockAndTheNextServiceStarts) {
  const std::string data = Sub("data");
  auto first = ServeAndCredit(data, "killed", 5);
  ASSERT_NE(first, nullptr);
  const pid_t first_pid = first->pid();
  EXPECT_EQ(first->Kill9(), 137);
  // The file is still there, naming the dead holder: it must not block.
  EXPECT_EQ(ReadFileOrEmpty(data + "/LOCK").rfind(Holder(first_pid), 0), 0u);

  auto next = StartBackend(data, "next.log");
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(ReadFileOrEmpty(data + "/LOCK").rfind(Holder(next->pid()), 0), 0u) << ReadFileOrEmpty(data + "/LOCK");
  CreditStopAndVerify(next.get(), data, "next", 2);
}

TEST_F(RecoveryFlow1, RestoreForceOntoAServedDataDirIsRefusedAndChangesNothing) {
  const std::string data = Sub("data");
  auto service = ServeAndCredit(data, "first", 5);
  ASSERT_NE(service, nullptr);
  InitRepo();
  // Read-only commands work on the live directory; LOCK is not stored.
  ASSERT_FALSE(Backup(data).empty());
  EXPECT_EQ(LsPaths("latest").count("/LOCK"), 0u);
  RunOutput live_verify = RunVerify(data);
  EXPECT_EQ(live_verify.exit_code, 0) << live_verify.output;
  WaitUntilQuiet(*service, data);
  ASSERT_FALSE(HasFatalFailure());
  const auto before = TreeHashes(data);
  EXPECT_EQ(before.count("LOCK"), 1u);

  for (const auto& extra : {std::vector<std::string>{"--force"},
                            std::vector<std::string>{"--force", "--at", FormatIso8601(NowMillis())}}) {
    ChildResult r = Restore("latest", data, extra);
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    EXPECT_NE(r.err.find(data + " is in use by " + Holder(service->pid())), std::string::npos) << r.Describe();
  }
  EXPECT_EQ(TreeHashes(data), before);
  EXPECT_EQ(RestoreTraces(dir_.path(), "data"), std::vector<std::string>{});
  CreditStopAndVerify(service.get(), data, "after-refusal", 5);
}

TEST_F(RecoveryFlow1, PointInTimeCutOfAServedDataDirIsRefusedAndChangesNothing) {
  const std::string data = Sub("data");
  auto service = ServeAndCredit(data, "early", 4);
  ASSERT_NE(service, nullptr);
  // Every early record has ts <= cut, every late one ts > cut: a cut would remove the late ones.
  const int64_t cut = NowMillis();
  for (int spin = 0; spin < 1000000 && NowMillis() <= cut; ++spin) std::this_thread::yield();
  ASSERT_GT(NowMillis(), cut);
  Credit(service->port(), "late", 4);
  ASSERT_FALSE(HasFatalFailure());
  WaitUntilQuiet(*service, data);
  ASSERT_FALSE(HasFatalFailure());
  const auto before = TreeHashes(data);

  auto cut_report = ledger::CutLedgerAt(data, cut);
  ASSERT_FALSE(cut_report.ok()) << "the live journal was cut back to seq " << cut_report->last_kept_seq;
  EXPECT_EQ(cut_report.status().kind(), Status::Kind::kConflict) << cut_report.status().ToString();
  EXPECT_NE(cut_report.status().message().find(Holder(service->pid())), std::string::npos)
      << cut_report.status().ToString();
  EXPECT_EQ(TreeHashes(data), before);
  CreditStopAndVerify(service.get(), data, "after-refusal", 2);
}

// A restore holds its target's lock while it writes: frozen (SIGSTOP) with its
// staging directory present, it keeps a service and a second restore out.
TEST_F(RecoveryFlow1, RestoreHoldsTheTargetWhileItWritesSoNoServiceOrSecondRestoreStartsOnIt) {
  const std::string source = Sub("source");
  ChildResult gen = RunChild({BinPath("bench-journal-gen"), "--data-dir", source, "--workloads", "200000"}, {},
                             std::chrono::seconds(120));
  ASSERT_EQ(gen.exit_code, 0) << gen.Describe();
  InitRepo();
  JsonDoc snapshot(Backup(source));
  ASSERT_TRUE(snapshot.ok());
  const std::string data = Sub("data");
  auto old_service = StartBackend(data, "old.log");  // the data dir being replaced, service stopped
  ASSERT_NE(old_service, nullptr);
  ASSERT_EQ(old_service->Terminate(), 0);

  auto restore = StartCtl({"restore", snapshot.Str("snapshot_id"), "--to", data, "--force", "--json"});
  ASSERT_NE(restore, nullptr);
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  bool staging = false;
  while (!staging && !restore->Exited() && Clock::now() < deadline) {
    for (const std::string& name : RestoreTraces(dir_.path(), "data")) staging |= name[0] == '.';
    if (!staging) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(staging) << "the restore never showed its staging directory";
  ASSERT_EQ(::kill(restore->pid(), SIGSTOP), 0);
  std::vector<std::string> traces = RestoreTraces(dir_.path(), "data");
  ASSERT_TRUE(traces.size() == 1 && traces[0][0] == '.')
      << "stopped too late: the restore had already replaced the target";
  const std::string restorer = "paymentsctl restore pid " + std::to_string(restore->pid()) + " on ";

  ChildResult service = RunSecondBackend(data);
  ChildResult second = Restore(snapshot.Str("snapshot_id"), data, {"--force"});
  ASSERT_EQ(::kill(restore->pid(), SIGCONT), 0);
  EXPECT_FALSE(service.timed_out) << "a service started during the restore: " << service.Describe();
  EXPECT_EQ(service.exit_code, 1) << service.Describe();
  EXPECT_NE(service.err.find(data + " is in use by " + restorer), std::string::npos) << service.Describe();
  EXPECT_EQ(second.exit_code, 1) << second.Describe();
  EXPECT_NE(second.err.find(data + " is in use by " + restorer), std::string::npos) << second.Describe();

  ChildResult done = restore->Wait(std::chrono::seconds(120));
  ASSERT_EQ(done.exit_code, 0) << done.Describe();
  EXPECT_TRUE(JsonDoc(done.out).Bool("verified")) << done.out;
  EXPECT_EQ(CompareTrees(source, data), "");
  auto after = StartBackend(data, "after.log");
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->Terminate(), 0);
}

// A backup of a live directory never stores LOCK; an older snapshot restores
// with --force over the stopped service's directory (its LOCK moved aside
// with it) and the service starts on the result.
TEST_F(RecoveryFlow1, OlderSnapshotRestoresOverTheStoppedServicesDirectory) {
  const std::string data = Sub("data");
  auto service = ServeAndCredit(data, "old", 3);
  ASSERT_NE(service, nullptr);
  InitRepo();
  JsonDoc older(Backup(data));
  ASSERT_TRUE(older.ok());
  const std::set<std::string> in_older = acknowledged_;
  Credit(service->port(), "newer", 3);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_FALSE(Backup(data).empty());
  for (const std::string& id : {older.Str("snapshot_id"), std::string("latest")}) {
    EXPECT_EQ(LsPaths(id).count("/LOCK"), 0u) << id;
  }
  ASSERT_EQ(service->Terminate(), 0);

  ChildResult r = Restore(older.Str("snapshot_id"), data, {"--force"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const std::string aside = JsonDoc(r.out).Str("moved_aside");
  EXPECT_TRUE(FileExists(aside + "/LOCK")) << r.out;
  EXPECT_FALSE(FileExists(data + "/LOCK"));
  acknowledged_ = in_older;
  ExpectEveryAcknowledgedCreditVerifies(data);
  auto restarted = StartBackend(data, "restarted.log");
  ASSERT_NE(restarted, nullptr);
  EXPECT_EQ(ReadFileOrEmpty(data + "/LOCK").rfind(Holder(restarted->pid()), 0), 0u);
  EXPECT_EQ(restarted->Terminate(), 0);
}

}  // namespace
}  // namespace pb::integration
