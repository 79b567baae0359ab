// Issue 15, docs: the hand-recovery script of docs/repository-format.md
// ("Recovering by hand"), taken from the document as it is, restores a real
// repository with python3 alone (PyNaCl and zstandard: the Debian packages
// python3-nacl and python3-zstandard) to what `paymentsctl restore` gives:
//   - a snapshot id: the same tree, byte for byte, with modes and times;
//   - latest, with journal records shipped after the snapshot by the
//     service's replicator in one object that began before the snapshot
//     (so the script must skip the records the snapshot already holds): the
//     same journal, which `paymentsctl verify` accepts.
#include <algorithm>
#include <filesystem>

#include "common/file_util.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

namespace fs = std::filesystem;

// The python block that starts with the script's first lines.
std::string ScriptFromDocs() {
  const std::string doc = ReadFileOrEmpty(SourcePath("docs/repository-format.md"));
  const std::string start = "```python\n#!/usr/bin/env python3\n# recover.py";
  size_t begin = doc.find(start);
  if (begin == std::string::npos) return "";
  begin += std::string("```python\n").size();
  size_t end = doc.find("\n```", begin);
  return end == std::string::npos ? "" : doc.substr(begin, end - begin + 1);
}

// A python3 that imports what the document asks for: the one on PATH, else
// Debian's (a PATH python3 may be another installation without them).
std::string PythonWithLibraries() {
  for (const std::string python : {"python3", "/usr/bin/python3"}) {
    ChildResult r = RunChild({python, "-c", "import nacl.pwhash, nacl.bindings, zstandard"}, {},
                             std::chrono::seconds(60));
    if (r.exit_code == 0) return python;
  }
  return "";
}

class HandRecovery : public BackupTest {
 protected:
  // Runs the documented script: recover.py REPO PASSWORD_FILE TARGET args...
  ChildResult Recover(const std::string& target, std::vector<std::string> args) {
    std::vector<std::string> argv = {python_, script_, Repo(), password_file_, target};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildOptions options;
    options.unset_env = {"PAYMENTS_REPO_PASSWORD"};
    return RunChild(argv, options, std::chrono::seconds(300));
  }

  // Credits `n` workloads "<prefix>-<i>" of 1 µETH to bench-0.
  void Credit(uint16_t port, const std::string& prefix, int n) {
    HttpClient client(port);
    PB_ASSERT_OK(client.ConnectWithRetry());
    for (int i = 0; i < n; ++i) {
      auto r = client.Post("/api/workloads", CreditBody(prefix + "-" + std::to_string(i), "bench-0", "0.000001"));
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ(r->status, 201) << r->body;
    }
  }

  std::string python_, script_, password_file_;
};

TEST_F(HandRecovery, TheDocumentedScriptRestoresWhatPaymentsctlRestores) {
  python_ = PythonWithLibraries();
  ASSERT_FALSE(python_.empty()) << "no python3 with PyNaCl and zstandard: install python3-nacl python3-zstandard "
                                   "(scripts/setup.sh does)";
  const std::string text = ScriptFromDocs();
  ASSERT_FALSE(text.empty()) << "docs/repository-format.md has no recover.py block";
  script_ = Sub("recover.py");
  PB_ASSERT_OK(WriteFileAtomic(script_, text));
  password_file_ = Sub("password");
  PB_ASSERT_OK(WritePasswordFile(password_file_, kRepoPassword));

  // A ledger, a replicating service that ships only when it stops (its
  // interval is an hour), a backup taken between two batches of credits:
  // the one shipped object spans the backup's seq.
  InitRepo();
  const std::string data = Sub("data");
  PB_ASSERT_OK(MakeLedgerDataDir(data, 1500));
  ::symlink("registry.json", (data + "/registry-link").c_str());
  BackendOptions options;
  options.data_dir = data;
  options.extra_args = {"--replicate-to", Repo(), "--replicate-interval", "1h"};
  options.extra_env = {std::string("PAYMENTS_REPO_PASSWORD=") + kRepoPassword};
  options.ready_timeout = std::chrono::seconds(60);
  auto backend = BackendProcess::Start(options);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  Credit((*backend)->port(), "before", 30);
  JsonDoc snap(Backup(data, {"--mode", "full"}));
  ASSERT_TRUE(snap.ok());
  const std::string snapshot = snap.Str("snapshot_id");
  const uint64_t snapshot_seq = snap.UInt("journal_seq");
  Credit((*backend)->port(), "after", 30);
  ASSERT_EQ((*backend)->Terminate(), 0);
  bool spans = false;
  for (const std::string& name : DirEntries(Repo() + "/wal")) {
    uint64_t first = std::stoull(name.substr(17, 20)), last = std::stoull(name.substr(38, 20));
    spans = spans || (first <= snapshot_seq && snapshot_seq < last);
  }
  ASSERT_TRUE(spans) << "no shipped object spans the snapshot's seq " << snapshot_seq;

  // A snapshot id: the whole tree as paymentsctl restores it.
  const std::string by_hand = Sub("by-hand"), by_tool = Sub("by-paymentsctl");
  ChildResult hand = Recover(by_hand, {snapshot.substr(0, 8)});
  ASSERT_EQ(hand.exit_code, 0) << hand.Describe();
  ChildResult tool = Restore(snapshot, by_tool);
  ASSERT_EQ(tool.exit_code, 0) << tool.Describe();
  EXPECT_EQ(CompareTrees(by_tool, by_hand), "");

  // latest: the newest snapshot of the group, plus the shipped records.
  const std::string latest_hand = Sub("latest-by-hand"), latest_tool = Sub("latest-by-paymentsctl");
  hand = Recover(latest_hand, {});
  ASSERT_EQ(hand.exit_code, 0) << hand.Describe();
  tool = Restore("latest", latest_tool);
  ASSERT_EQ(tool.exit_code, 0) << tool.Describe();
  JsonDoc restored(tool.out);
  EXPECT_EQ(restored.UInt("journal_seq"), snapshot_seq + 30) << tool.out;
  // The segments are the same bytes (paymentsctl also rebuilds the
  // checkpoint and mirrors, which the service would do at start).
  std::vector<std::string> segments;
  for (const std::string& name : DirEntries(latest_tool + "/journal")) {
    if (name.ends_with(".journal")) segments.push_back(name);
  }
  ASSERT_FALSE(segments.empty());
  for (const std::string& name : DirEntries(latest_hand + "/journal")) {
    if (name.ends_with(".journal")) {
      EXPECT_NE(std::find(segments.begin(), segments.end(), name), segments.end()) << "an extra segment " << name;
    }
  }
  for (const std::string& name : segments) {
    EXPECT_EQ(ReadFileOrEmpty(latest_hand + "/journal/" + name), ReadFileOrEmpty(latest_tool + "/journal/" + name))
        << "journal/" << name << " differs";
  }
  RunOutput verify = RunVerify(latest_hand);
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
}

}  // namespace
}  // namespace pb::integration
