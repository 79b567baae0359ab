#include "support/replication_fixture.h"

#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "common/time_util.h"
#include "support/backup_fixture.h"

namespace pb::integration {

ReplicationTarget LocalReplicationTarget(const TempDir& dir) {
  return ReplicationTarget{dir.Sub("repo"), {std::string("PAYMENTS_REPO_PASSWORD=") + kRepoPassword}};
}

AckedCredits::AckedCredits(uint16_t port, std::string orchestrator, std::string prefix, int threads,
                       std::chrono::milliseconds max_duration) {
  const auto deadline = std::chrono::steady_clock::now() + max_duration;
  for (int t = 0; t < threads; ++t) {
    threads_.emplace_back([this, port, orchestrator, prefix, t, deadline] {
      HttpClient http(port, std::chrono::seconds(5));
      if (!http.Connect().ok()) return;
      for (int n = 0; !stop_.load() && std::chrono::steady_clock::now() < deadline; ++n) {
        std::string id = prefix + "-" + std::to_string(t) + "-" + std::to_string(n);
        auto r = http.Post("/api/workloads", CreditBody(id, orchestrator, "0.000001"));
        if (!r.ok()) return;
        if (r->status / 100 != 2) continue;
        std::lock_guard<std::mutex> lock(mu_);
        acks_.push_back(Ack{id, NowMillis()});
      }
    });
  }
}

AckedCredits::~AckedCredits() { Stop(); }

void AckedCredits::Stop() {
  stop_ = true;
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

std::vector<Ack> AckedCredits::acks() const {
  std::lock_guard<std::mutex> lock(mu_);
  return acks_;
}

size_t AckedCredits::count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return acks_.size();
}

std::set<std::string> WorkloadIds(const std::string& data_dir) {
  std::set<std::string> ids;
  simdjson::dom::parser parser;
  std::vector<std::filesystem::path> segments;
  for (const auto& e : std::filesystem::directory_iterator(data_dir + "/journal")) {
    if (e.path().extension() == ".journal") segments.push_back(e.path());
  }
  std::sort(segments.begin(), segments.end());
  for (const auto& seg : segments) {
    for (const std::string& line : Lines(ReadFileOrEmpty(seg.string()))) {
      simdjson::dom::element body;
      std::string_view id;
      if (line.size() > 65 && parser.parse(line.substr(65)).get(body) == simdjson::SUCCESS &&
          body["workload_id"].get_string().get(id) == simdjson::SUCCESS) {
        ids.emplace(id);
      }
    }
  }
  return ids;
}

ReplicationTarget ReplicateTest::MakeTarget() { return LocalReplicationTarget(dir_); }

void ReplicateTest::SetUp() {
  target_ = MakeTarget();
  ASSERT_FALSE(target_.repo.empty());
  ChildResult r = Ctl({"init"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
}

ChildOptions ReplicateTest::Env() const {
  ChildOptions options;
  options.set_env = target_.env;
  return options;
}

ChildResult ReplicateTest::Ctl(std::vector<std::string> args, std::chrono::milliseconds timeout) const {
  args.push_back("--repo");
  args.push_back(target_.repo);
  return RunChild(CtlArgv(args), Env(), timeout);
}

std::unique_ptr<Child> ReplicateTest::StartReplicator(const std::string& data_dir, std::vector<std::string> extra) const {
  std::vector<std::string> args = {"replicate", "--data-dir", data_dir, "--repo", target_.repo};
  args.insert(args.end(), extra.begin(), extra.end());
  auto child = Child::Start(CtlArgv(args), Env());
  if (!child.ok()) {
    ADD_FAILURE() << child.status().ToString();
    return nullptr;
  }
  return std::move(child.value());
}

uint64_t GenerateJournal(const std::string& data_dir, int workloads, bool append,
                         const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {BinPath("bench-journal-gen"), "--data-dir", data_dir, "--workloads",
                                   std::to_string(workloads)};
  if (append) argv.push_back("--append");
  argv.insert(argv.end(), extra.begin(), extra.end());
  ChildResult r = RunChild(argv, {}, std::chrono::seconds(60));
  std::smatch m;
  if (r.exit_code != 0 || !std::regex_search(r.out, m, std::regex(R"(wrote records \d+\.\.(\d+))"))) {
    ADD_FAILURE() << "bench-journal-gen: " << r.Describe();
    return 0;
  }
  return std::stoull(m[1]);
}

void ReplicateTest::WaitShipped(const std::string& data_dir, uint64_t seq) const {
  std::string last;
  for (int i = 0; i < 400; ++i) {
    last = ReplicateStatus(data_dir).out;
    if (JsonDoc(last).UInt("shipped_seq") == seq) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL() << "seq " << seq << " was not shipped: " << last;
}

ChildResult ReplicateTest::ReplicateStatus(const std::string& data_dir) const {
  return RunChild(CtlArgv({"replicate", "--status", "--json", "--data-dir", data_dir}), Env(), std::chrono::seconds(10));
}

ChildResult ReplicateTest::WaitForState(const std::string& data_dir, const std::string& state,
                                        std::chrono::milliseconds budget) const {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  ChildResult r;
  do {
    r = ReplicateStatus(data_dir);
    if (r.out.find("\"state\":\"" + state + "\"") != std::string::npos) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  return r;
}

std::unique_ptr<BackendProcess> ReplicateTest::StartBackend(const std::string& data_dir,
                                                            std::vector<std::string> extra_args) const {
  BackendOptions options;
  options.data_dir = data_dir;
  options.log_file = data_dir + ".log";
  options.extra_args = std::move(extra_args);
  options.extra_env = target_.env;
  auto started = BackendProcess::Start(options);
  if (!started.ok()) {
    ADD_FAILURE() << started.status().ToString();
    return nullptr;
  }
  return std::move(started.value());
}

void ReplicateTest::Register(uint16_t port, const std::string& orchestrator) const {
  HttpClient http(port);
  ASSERT_TRUE(http.Connect().ok());
  auto r = http.Post("/api/orchestrators/register", RegisterBody(orchestrator));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->status / 100, 2) << r->body;
}

void ReplicateTest::WaitForFirstSnapshot() const {
  const std::string snapshots = target_.repo + "/snapshots";
  for (int i = 0; i < 200 && std::filesystem::is_empty(snapshots); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(std::filesystem::is_empty(snapshots)) << "no first snapshot";
}

void ReplicateTest::StartReplicating(const std::string& data, Replicating* out) const {
  out->backend = StartBackend(data);
  ASSERT_NE(out->backend, nullptr);
  Register(out->backend->port(), "orch-1");
  // --no-compact: the tests remove or count objects as shipped.
  out->replicator = StartReplicator(data, {"--interval", "200ms", "--no-compact"});
  ASSERT_NE(out->replicator, nullptr);
  WaitForState(data, "ok");
  ASSERT_NO_FATAL_FAILURE(WaitForFirstSnapshot());
}

}  // namespace pb::integration
