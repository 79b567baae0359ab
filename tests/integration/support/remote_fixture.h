// The fixture of the remote-operation tests (docs/remote-operations.md): a
// real sshd on 127.0.0.1, test hosts served by it (support/sshd_fixture.h),
// an inventory naming them, a repository, and bounded runs of the real
// paymentsctl with this server's key and known_hosts. paymentsctl runs with
// HOME and TMPDIR in the test directory, so nothing it defaults to
// (~/.cache, ~/.ssh/known_hosts, temporary files) touches the real ones.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "support/backup_fixture.h"
#include "support/child_runner.h"
#include "support/data_files.h"
#include "support/sshd_fixture.h"
#include "support/test_support.h"

namespace pb::integration {

// One step of a target in paymentsctl's --json report.
struct StepReport {
  std::string step;
  bool ok = false;
  std::string detail;
  double start_seconds = -1;  // -1 when the report has no such member
  double end_seconds = -1;
  int64_t remote_commands = -1;
};

// One target of paymentsctl's --json report
// ({"targets":[{"target","ok","error","failed_step","rolled_back","steps","snapshot_id"}]}).
struct TargetReport {
  std::string target;
  bool ok = false;
  std::string error;
  std::string failed_step;
  bool rolled_back = false;
  std::string snapshot_id;
  std::vector<StepReport> steps;
  // Detail of the first step named `step`, or "".
  std::string Detail(const std::string& step) const {
    for (const StepReport& s : steps) {
      if (s.step == step) return s.detail;
    }
    return "";
  }
  // The first step named `step`, or nullptr.
  const StepReport* Find(const std::string& step) const {
    for (const StepReport& s : steps) {
      if (s.step == step) return &s;
    }
    return nullptr;
  }
  std::vector<std::string> StepNames() const {
    std::vector<std::string> names;
    for (const StepReport& s : steps) names.push_back(s.step);
    return names;
  }
};

// The targets of a --json report by name; empty when `json` is not such a
// report (support/remote_reports.cc).
std::map<std::string, TargetReport> ParseTargets(const std::string& json);

// The first unsigned integer member named `key` anywhere in `json` (depth
// first, document order), or UINT64_MAX. The contract does not say where a
// remote backup reports the counters of its local backup of the staging
// copy (files_grown, files_read, ...), so they are looked up by name.
uint64_t FindUInt(const std::string& json, std::string_view key);

// True when `word` occurs in `text` as a word of its own: "host" in
// `field "host" is not accepted`, not in "hosts/h" or "localhost".
inline bool NamesWord(const std::string& text, const std::string& word) {
  auto is_word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    bool starts = at == 0 || !is_word_char(text[at - 1]);
    bool ends = at + word.size() == text.size() || !is_word_char(text[at + word.size()]);
    if (starts && ends) return true;
  }
  return false;
}

// Lines of `text` that start with `prefix` (after leading spaces).
inline std::vector<std::string> LinesStartingWith(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  for (const std::string& line : Lines(text)) {
    size_t start = line.find_first_not_of(' ');
    if (start != std::string::npos && line.compare(start, prefix.size(), prefix) == 0) out.push_back(line);
  }
  return out;
}

// The first words of compose.log lines ("pull", "up", "down"), i.e. the
// order of the compose commands; `from` skips earlier lines.
inline std::vector<std::string> ComposeCommands(const TestHost& host, size_t from = 0) {
  std::vector<std::string> out;
  std::vector<std::string> log = host.ComposeLog();
  for (size_t i = from; i < log.size(); ++i) out.push_back(log[i].substr(0, log[i].find(" image=")));
  return out;
}

inline int64_t AtimeSeconds(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return st.st_atim.tv_sec;
}

inline uint64_t InodeOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_ino;
}

// Registers `orchestrator` on the service at 127.0.0.1:port and posts `n`
// credits of 0.000001 ETH (ids prefix-0 ... prefix-(n-1)); returns the ids
// answered 2xx (a failure is added for any other answer).
inline std::vector<std::string> PostCredits(uint16_t port, const std::string& prefix, int n,
                                            const std::string& orchestrator = "remote-orch-1") {
  std::vector<std::string> acked;
  HttpClient http(port);
  Status connected = http.ConnectWithRetry();
  if (!connected.ok()) {
    ADD_FAILURE() << "connect to 127.0.0.1:" << port << ": " << connected.ToString();
    return acked;
  }
  auto reg = http.Post("/api/orchestrators/register", RegisterBody(orchestrator));
  if (!reg.ok() || reg->status / 100 != 2) {
    ADD_FAILURE() << "register " << orchestrator << ": " << (reg.ok() ? reg->body : reg.status().ToString());
    return acked;
  }
  for (int i = 0; i < n; ++i) {
    std::string id = prefix + "-" + std::to_string(i);
    auto r = http.Post("/api/workloads", CreditBody(id, orchestrator, "0.000001"));
    if (!r.ok() || r->status / 100 != 2) {
      ADD_FAILURE() << "credit " << id << ": " << (r.ok() ? r->body : r.status().ToString());
      return acked;
    }
    acked.push_back(id);
  }
  return acked;
}

// The ids of `ids` that GET /api/workloads/{id} does not answer with 200
// (all of them when the service cannot be reached).
inline std::vector<std::string> MissingWorkloads(uint16_t port, const std::vector<std::string>& ids) {
  std::vector<std::string> missing;
  HttpClient http(port);
  if (!http.ConnectWithRetry().ok()) return ids;
  for (const std::string& id : ids) {
    if (!http.connected() && !http.Connect().ok()) {
      missing.push_back(id);
      continue;
    }
    auto r = http.Get("/api/workloads/" + id);
    if (!r.ok() || r->status != 200) missing.push_back(id);
  }
  return missing;
}

class RemoteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = SshServer::Start();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    sshd_ = std::move(server.value());
    ASSERT_TRUE(MakeDirs(Sub("home")).ok());
    ASSERT_TRUE(MakeDirs(Sub("tmp")).ok());
  }

  std::string Sub(std::string_view name) const { return dir_.Sub(name); }
  std::string Repo() const { return Sub("repo"); }
  std::string InventoryFile() const { return Sub("inventory.json"); }
  std::string Staging() const { return Sub("staging"); }
  SshServer& sshd() { return *sshd_; }

  // A new host in hosts/<name> (see TestHost).
  TestHost* AddHost(const std::string& name) {
    auto host = TestHost::Create(Sub("hosts/" + name));
    if (!host.ok()) {
      ADD_FAILURE() << host.status().ToString();
      return nullptr;
    }
    hosts_.push_back(std::move(host.value()));
    return hosts_.back().get();
  }
  // AddHost(name) with a valid ledger of `workloads` credits in data/
  // (MakeLedgerDataDir) and its service started (fake compose up -d) and
  // healthy.
  TestHost* RunningHost(const std::string& name, uint64_t workloads = 200) {
    TestHost* host = AddHost(name);
    if (host == nullptr) return nullptr;
    Status made = MakeLedgerDataDir(host->data(), workloads);
    if (!made.ok()) {
      ADD_FAILURE() << made.ToString();
      return nullptr;
    }
    ChildResult up = host->Compose({"up", "-d"});
    if (up.exit_code != 0) {
      ADD_FAILURE() << "fake-compose up -d: " << up.Describe();
      return nullptr;
    }
    Status healthy = host->WaitHealthy();
    if (!healthy.ok()) {
      ADD_FAILURE() << healthy.ToString();
      return nullptr;
    }
    return host;
  }
  // The inventory entry of `host` as target `name`.
  InventoryTarget TargetOf(const std::string& name, const TestHost& host) const {
    InventoryTarget t;
    t.name = name;
    t.remote_path = host.path();
    t.backend_port = host.port();
    return t;
  }
  void WriteInventoryFile(const std::vector<InventoryTarget>& targets,
                          const std::map<std::string, std::vector<std::string>>& groups = {}) {
    Status st = WriteInventory(InventoryFile(), *sshd_, targets, groups);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  // The environment of every paymentsctl run: the repository password, and
  // HOME and TMPDIR inside the test directory.
  ChildOptions Env() const {
    ChildOptions env = CtlEnv();
    env.set_env.push_back("HOME=" + Sub("home"));
    env.set_env.push_back("TMPDIR=" + Sub("tmp"));
    return env;
  }
  // paymentsctl <args...> [--ssh-key K --known-hosts KH], bounded.
  ChildResult Ctl(std::vector<std::string> args, bool ssh_options = true,
                  std::chrono::milliseconds timeout = std::chrono::seconds(120)) const {
    if (ssh_options) {
      args.insert(args.end(), {"--ssh-key", sshd_->client_key(), "--known-hosts", sshd_->known_hosts()});
    }
    return RunChild(CtlArgv(args), Env(), timeout);
  }
  void InitRepo() {
    ChildResult r = Ctl({"init", "--repo", Repo()}, false);
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }
  // paymentsctl backup --inventory --target `target` --repo Repo()
  // --staging-dir Staging() --json `extra...`.
  ChildResult RemoteBackup(const std::string& target, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"backup",        "--inventory", InventoryFile(), "--target", target, "--repo",
                                     Repo(),          "--staging-dir", Staging(), "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Ctl(args);
  }
  // paymentsctl deploy --inventory --target `target` [--json] `extra...`.
  ChildResult Deploy(const std::string& target, std::vector<std::string> extra = {}, bool json = true) {
    std::vector<std::string> args = {"deploy", "--inventory", InventoryFile(), "--target", target};
    if (json) args.push_back("--json");
    args.insert(args.end(), extra.begin(), extra.end());
    return Ctl(args);
  }

  // The staging copy of the data directory. --staging-dir names either the
  // copy itself or a directory holding it as data/ (the contract's default,
  // ~/.cache/paymentsctl/hosts/<target>-<hex>/data, ends in data/); whichever
  // holds the pulled journal/ is taken.
  std::string StagedData() const {
    if (FileExists(Staging() + "/journal")) return Staging();
    if (FileExists(Staging() + "/data/journal")) return Staging() + "/data";
    for (const std::string& entry : DirEntries(Staging())) {
      if (FileExists(Staging() + "/" + entry + "/data/journal")) return Staging() + "/" + entry + "/data";
    }
    return Staging();
  }

  // Entries of remote_path/backups/ (one per archived data/).
  static std::vector<std::string> Archives(const TestHost& host) { return DirEntries(host.path() + "/backups"); }

  // Sessions closed and reaped, so that Io() counts them.
  ServerIo QuietIo() {
    Status st = sshd_->WaitForSessionsToEnd();
    EXPECT_TRUE(st.ok()) << st.ToString();
    auto io = sshd_->Io();
    EXPECT_TRUE(io.ok()) << io.status().ToString();
    return io.ok() ? *io : ServerIo{};
  }

  // The test directory first: destroyed last (hosts stop their services
  // first, then sshd).
  TempDir dir_;
  std::unique_ptr<SshServer> sshd_;
  std::vector<std::unique_ptr<TestHost>> hosts_;
};

}  // namespace pb::integration
