// Issue 15, flow 9: guards that used to pass anything. Through the real
// binaries: backup refuses a directory that is not a payments data
// directory and a ledger behind or apart from its group's newest snapshot
// (naming both seqs) unless told; verify fails on what is not a data
// directory; a restore of a snapshot without journal says what it verified
// or warns; doctor exits 1 on a missing or old snapshot, a stalled
// replication, and entries not owned by the compose file's user.
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/time_util.h"
#include "replicate/status.h"
#include "repo/lock.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class RecoveryFlow9 : public BackupTest {
 protected:
  void MakeLedger(const std::string& dir, uint64_t workloads, uint64_t orchestrators = 64) {
    PB_ASSERT_OK(MakeJournalDataDir(dir, workloads, orchestrators));
  }
  ChildResult Verify(const std::string& dir) { return RunChild(CtlArgv({"verify", "--data-dir", dir}), {}, 60s); }
  // paymentsctl doctor --data-dir DIR --no-imds --json <extra>.
  ChildResult Doctor(const std::string& dir, std::vector<std::string> extra) {
    std::vector<std::string> args = {"doctor", "--data-dir", dir, "--no-imds", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunChild(CtlArgv(args), CtlEnv(), 60s);
  }
  // "severity|what" of the doctor finding `check`.
  static std::string FindingOf(const std::string& json, const std::string& check) {
    JsonDoc doc(json);
    simdjson::dom::array findings;
    if (!doc.ok() || doc.root()["findings"].get_array().get(findings) != simdjson::SUCCESS) return "not JSON: " + json;
    for (auto f : findings) {
      std::string_view c, sev, what;
      if (f["check"].get_string().get(c) || c != check) continue;
      if (f["severity"].get_string().get(sev) || f["what"].get_string().get(what)) return "malformed: " + json;
      return std::string(sev) + "|" + std::string(what);
    }
    return "no " + check + " finding in " + json;
  }
  std::string Me() const { return std::to_string(::geteuid()) + ":" + std::to_string(::getegid()); }
};

TEST_F(RecoveryFlow9, BackupRefusesWhatIsNotAPaymentsDataDirectoryUnlessAllowEmpty) {
  InitRepo();
  const std::string empty = Sub("empty"), hello = Sub("hello");
  fs::create_directories(empty);
  fs::create_directories(hello);
  std::ofstream(hello + "/hello.txt") << "hello\n";
  for (const auto& [dir, holds] : {std::pair{empty, std::string("(it is empty)")},
                                   std::pair{hello, std::string("(it holds: hello.txt)")},
                                   std::pair{Repo(), std::string("is a paymentsctl backup repository")}}) {
    ChildResult r = Ctl({"backup", "--data-dir", dir});
    EXPECT_EQ(r.exit_code, 1) << dir << ": " << r.Describe();
    EXPECT_NE(r.err.find(dir), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(holds), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("give --allow-empty to back it up anyway"), std::string::npos) << r.err;
  }
  EXPECT_TRUE(fs::is_empty(Repo() + "/snapshots"));
  ChildResult allowed = Ctl({"backup", "--data-dir", hello, "--allow-empty", "--json"});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.Describe();
  // A Python-era directory (no journal yet) is a data directory.
  const std::string python = Sub("python");
  fs::create_directories(python);
  std::ofstream(python + "/balances.json") << "{\"orch-1\": \"0.5\"}\n";
  EXPECT_EQ(Ctl({"backup", "--data-dir", python}).exit_code, 0);
}

TEST_F(RecoveryFlow9, BackupRefusesAShorterLedgerNamingBothSeqsUnlessAllowRegression) {
  const std::string data = Sub("data");
  MakeLedger(data, 300);  // seq 364
  InitRepo();
  Backup(data);
  fs::rename(data, Sub("data.real"));
  MakeLedger(data, 100);  // seq 164: the same path, an old disk
  ChildResult r = Ctl({"backup", "--data-dir", data});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find(data + " holds the ledger through seq 164, but the newest snapshot of host " +
                       repo::HostName() + ", path " + data),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("holds it through seq 364"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--allow-regression"), std::string::npos) << r.err;
  EXPECT_NE(Ctl({"snapshots"}).out.find("1 snapshot(s)"), std::string::npos);
  // An empty directory at the same path is refused as such first.
  fs::remove_all(data);
  fs::create_directories(data);
  EXPECT_NE(Ctl({"backup", "--data-dir", data}).err.find("(it is empty)"), std::string::npos);
  ChildResult empty_allowed = Ctl({"backup", "--data-dir", data, "--allow-empty"});
  EXPECT_EQ(empty_allowed.exit_code, 1);
  EXPECT_NE(empty_allowed.err.find("holds the ledger through seq 0"), std::string::npos) << empty_allowed.err;
  // The operator's word lets it through.
  fs::remove_all(data);
  MakeLedger(data, 100);
  EXPECT_EQ(Ctl({"backup", "--data-dir", data, "--allow-regression"}).exit_code, 0);
}

TEST_F(RecoveryFlow9, BackupRefusesADivergedLedgerEvenAtAGreaterSeqAndAcceptsAGrownOne) {
  const std::string data = Sub("data");
  MakeLedger(data, 300);  // seq 364
  InitRepo();
  Backup(data);
  fs::rename(data, Sub("data.real"));
  MakeLedger(data, 400, 10);  // seq 410, another chain
  ChildResult r = Ctl({"backup", "--data-dir", data});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find(data + " holds the ledger through seq 410, but its record 364 is not the one the newest "
                              "snapshot of host"),
            std::string::npos)
      << r.err;
  // The real ledger, grown, passes; the snapshot records its last hash.
  fs::remove_all(data);
  fs::rename(Sub("data.real"), data);
  ChildResult grow = RunChild({BinPath("bench-journal-gen"), "--data-dir", data, "--append", "--workloads", "50"}, {}, 60s);
  ASSERT_EQ(grow.exit_code, 0) << grow.Describe();
  JsonDoc grown(Backup(data));
  EXPECT_EQ(grown.UInt("journal_seq"), 414u);
}

TEST_F(RecoveryFlow9, VerifyFailsOnAnEmptyAnUnknownAndARepositoryDirectory) {
  InitRepo();
  const std::string empty = Sub("empty"), hello = Sub("hello");
  fs::create_directories(empty);
  fs::create_directories(hello);
  std::ofstream(hello + "/hello.txt") << "hello\n";
  for (const std::string& dir : {empty, hello, Repo(), Sub("missing")}) {
    ChildResult r = Verify(dir);
    EXPECT_EQ(r.exit_code, 1) << dir << ": " << r.Describe();
    EXPECT_NE(r.out.find("verify: FAILED"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(dir), std::string::npos) << r.out;
  }
  EXPECT_NE(Verify(Repo()).out.find("is a paymentsctl backup repository"), std::string::npos);
  EXPECT_NE(Verify(hello).out.find("is not a payments data directory"), std::string::npos);
}

TEST_F(RecoveryFlow9, RestoreOfASnapshotWithoutJournalSaysWhatItVerifiedOrWarnsLoudly) {
  InitRepo();
  const std::string python = Sub("python"), hello = Sub("hello");
  fs::create_directories(python);
  std::ofstream(python + "/balances.json") << "{\"orch-1\": \"0.5\"}\n";
  fs::create_directories(hello);
  std::ofstream(hello + "/hello.txt") << "hello\n";
  const std::string py = JsonDoc(Backup(python)).Str("snapshot_id");
  const std::string he = JsonDoc(Backup(hello, {"--allow-empty"})).Str("snapshot_id");

  ChildResult r = Ctl({"restore", py.substr(0, 8), "--to", Sub("py.restored")});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("verified: a Python-era data directory (no journal)"), std::string::npos) << r.out;

  ChildResult w = Restore(he.substr(0, 8), Sub("hello.restored"));
  ASSERT_EQ(w.exit_code, 0) << w.Describe();
  JsonDoc doc(w.out);
  EXPECT_FALSE(doc.Bool("verified"));
  EXPECT_NE(doc.Str("warning").find("holds no payments data directory"), std::string::npos) << w.out;
  EXPECT_NE(w.err.find("paymentsctl restore: WARNING: snapshot " + he.substr(0, 8) +
                       " holds no payments data directory"),
            std::string::npos)
      << w.err;
}

TEST_F(RecoveryFlow9, DoctorExitsOneWhenTheNewestSnapshotIsMissingOrOlderThanMaxAge) {
  const std::string data = Sub("app/data");
  MakeLedger(data, 10);
  InitRepo();
  ChildResult none = Doctor(data, {"--repo", Repo(), "--owner", Me()});
  EXPECT_EQ(none.exit_code, 1) << none.Describe();
  EXPECT_EQ(FindingOf(none.out, "snapshot-age").substr(0, 6), "error|") << none.out;
  Backup(data);
  ChildResult fresh = Doctor(data, {"--repo", Repo(), "--owner", Me()});
  EXPECT_EQ(FindingOf(fresh.out, "snapshot-age").substr(0, 3), "ok|") << fresh.out;
  // The snapshot was taken before this doctor started: it is older than 1 ms.
  ChildResult old = Doctor(data, {"--repo", Repo(), "--owner", Me(), "--max-age", "1ms"});
  EXPECT_EQ(old.exit_code, 1) << old.Describe();
  EXPECT_EQ(FindingOf(old.out, "snapshot-age").substr(0, 6), "error|") << old.out;
  EXPECT_NE(old.out.find("scheduled backups are not running"), std::string::npos) << old.out;
  EXPECT_EQ(Doctor(data, {"--max-age", "soon"}).exit_code, 2);  // a bad value is a usage error
}

TEST_F(RecoveryFlow9, DoctorExitsOneWhenReplicationIsStalledOrNoLongerRuns) {
  const std::string data = Sub("app/data");
  MakeLedger(data, 10);
  EXPECT_EQ(FindingOf(Doctor(data, {"--owner", Me()}).out, "replication").substr(0, 5), "info|");
  replicate::ReplicationStatus s;
  s.state = "stalled";
  s.pid = ::getpid();  // alive: the status is current
  s.data_dir = data;
  s.repository = "local directory /backups/payments";
  s.interval_ms = 1000;
  s.updated_ms = NowMillis();
  s.last_error = "IOError: write wal/...: No space left on device";
  PB_ASSERT_OK(replicate::WriteStatusFile(data, s));
  ChildResult stalled = Doctor(data, {"--owner", Me()});
  EXPECT_EQ(stalled.exit_code, 1) << stalled.Describe();
  EXPECT_EQ(FindingOf(stalled.out, "replication").substr(0, 6), "error|") << stalled.out;
  EXPECT_NE(stalled.out.find("No space left on device"), std::string::npos) << stalled.out;
  s.state = "ok";
  s.updated_ms = NowMillis() - 3600 * 1000;  // its replicator died an hour ago
  PB_ASSERT_OK(replicate::WriteStatusFile(data, s));
  ChildResult gone = Doctor(data, {"--owner", Me()});
  EXPECT_EQ(gone.exit_code, 1) << gone.Describe();
  EXPECT_NE(FindingOf(gone.out, "replication").find("error|replication of " + data), std::string::npos) << gone.out;
  EXPECT_NE(gone.out.find("no replicator runs"), std::string::npos) << gone.out;
}

TEST_F(RecoveryFlow9, DoctorChecksOwnershipAgainstTheComposeFilesUserElseTheContainersDefault) {
  const std::string data = Sub("app/data");
  MakeLedger(data, 10);
  // No compose file: the container's user 10001:10001 is expected.
  ChildResult def = Doctor(data, {});
  EXPECT_EQ(def.exit_code, 1) << def.Describe();
  EXPECT_NE(def.out.find("not owned by 10001 (the service's user, from the container image's default user"),
            std::string::npos)
      << def.out;
  EXPECT_NE(def.out.find("sudo chown -R 10001:10001 '" + data + "'"), std::string::npos) << def.out;
  // The compose file beside data/ names the user.
  std::ofstream(Sub("app/docker-compose.yml"))
      << "services:\n  payments-backend:\n    image: x\n    user: \"" << Me() << "\"\n    read_only: true\n";
  ChildResult mine = Doctor(data, {});
  EXPECT_EQ(FindingOf(mine.out, "permissions").substr(0, 3), "ok|") << mine.out;
  EXPECT_NE(mine.out.find(Sub("app/docker-compose.yml")), std::string::npos) << mine.out;
  std::ofstream(Sub("app/docker-compose.yml"), std::ios::trunc)
      << "services:\n  payments-backend:\n    user: \"12345:23456\"\n";
  ChildResult other = Doctor(data, {});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.out.find("sudo chown -R 12345:23456 '" + data + "'"), std::string::npos) << other.out;
}

}  // namespace
}  // namespace pb::integration
