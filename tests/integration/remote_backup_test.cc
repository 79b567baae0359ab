// paymentsctl backup and restore over SSH (docs/remote-operations.md,
// "Backup from a host", "Restore to a host"), against a real sshd on
// 127.0.0.1: what crosses the wire (the bytes the host-side processes read
// and wrote, from /proc/<sshd>/io, and the access times of the files), the
// staging copy that grows in place, restoring a host (the previous data kept
// under backups/), `latest` per target, .env, and host key checking.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/remote_fixture.h"

namespace pb::integration {
namespace {

constexpr int64_t kOldAtime = 1000000000;  // 2001

using RemoteBackupRestore = RemoteTest;

// An atime older than the mtime: any read updates it (relatime).
void AgeAtime(const std::string& path) {
  struct timespec times[2] = {{kOldAtime, 0}, {0, UTIME_OMIT}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
}

std::string Sha(const std::string& path) {
  auto sha = Sha256File(path);
  return sha.ok() ? *sha : "(unreadable: " + sha.status().ToString() + ")";
}

// The number just before `suffix` in `text` ("8 file(s), 1 appended to"), or
// UINT64_MAX.
uint64_t NumberBefore(const std::string& text, const std::string& suffix) {
  size_t at = text.find(suffix);
  if (at == std::string::npos || at == 0) return UINT64_MAX;
  size_t start = at;
  while (start > 0 && std::isdigit(static_cast<unsigned char>(text[start - 1]))) --start;
  return start == at ? UINT64_MAX : std::stoull(text.substr(start, at - start));
}

std::string MiB(uint64_t bytes) { return std::to_string(bytes / (1024.0 * 1024.0)).substr(0, 6) + " MiB"; }

TEST_F(RemoteBackupRestore, EssentialModeNeverTransfersTheRequestAuditLogOrDockerDb) {
  TestHost* host = AddHost("web");
  ASSERT_NE(host, nullptr);
  PB_ASSERT_OK(MakeLedgerDataDir(host->data(), 300));
  const std::string audit = host->data() + "/audit";
  const std::vector<std::pair<std::string, uint64_t>> excluded = {{"audit/payments-audit.log", 64 * kMiB},
                                                                  {"audit/payments-audit.log.1", 1 * kMiB},
                                                                  {"audit/docker.db", 8 * kMiB},
                                                                  {"audit/docker.db-wal", 64 * 1024}};
  uint64_t excluded_bytes = 0;
  for (size_t i = 0; i < excluded.size(); ++i) {
    PB_ASSERT_OK(WriteRandomFile(host->data() + "/" + excluded[i].first, excluded[i].second, 100 + i));
    excluded_bytes += excluded[i].second;
  }
  // Never transferred in any mode.
  PB_ASSERT_OK(WriteRandomFile(host->data() + "/registry.json.ckpt", 100, 7));
  PB_ASSERT_OK(WriteRandomFile(host->data() + "/journal/segment.tmp", 100, 8));
  for (const auto& [rel, size] : excluded) AgeAtime(host->data() + "/" + rel);
  WriteInventoryFile({TargetOf("web", *host)});
  InitRepo();

  const ServerIo before = QuietIo();
  ChildResult r = RemoteBackup("web", {"--mode", "essential"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const ServerIo after = QuietIo();
  const uint64_t host_read = after.rchar - before.rchar, host_wrote = after.wchar - before.wchar;
  std::cout << "[ essential] host side read " << MiB(host_read) << ", wrote " << MiB(host_wrote) << " (excluded files: "
            << MiB(excluded_bytes) << ")\n";
  RecordProperty("essential_host_read_bytes", std::to_string(host_read));
  RecordProperty("essential_host_written_bytes", std::to_string(host_wrote));

  // The staging copy holds what the mode selects, and nothing else.
  const std::string staged = StagedData();
  for (const char* kept : {"journal/CHECKPOINT", "registry.json", "balances.json", "workloads.json",
                           "audit/ledger-events.log", "audit/registry.log"}) {
    EXPECT_TRUE(FileExists(staged + "/" + kept)) << kept << " is missing from the staging copy " << staged;
  }
  for (const auto& [rel, size] : excluded) {
    EXPECT_FALSE(FileExists(staged + "/" + rel)) << rel << " crossed the wire";
    EXPECT_EQ(AtimeSeconds(host->data() + "/" + rel), kOldAtime) << rel << " was read on the host";
  }
  EXPECT_FALSE(FileExists(staged + "/registry.json.ckpt"));
  EXPECT_FALSE(FileExists(staged + "/journal/segment.tmp"));
  struct stat staged_st {};
  ASSERT_EQ(::stat(staged.c_str(), &staged_st), 0);
  EXPECT_EQ(staged_st.st_mode & 0777, 0700u) << "the staging copy is readable by others: " << staged;
  // Independent of the file system: the host's processes (sshd, rsync) did
  // not read or send anything near the size of the excluded files.
  EXPECT_LT(host_read, 16 * kMiB) << "the host read more than the essential files";
  EXPECT_LT(host_wrote, 16 * kMiB) << "the host sent more than the essential files";

  auto report = ParseTargets(r.out);
  ASSERT_TRUE(report.count("web")) << r.out;
  EXPECT_TRUE(report["web"].ok);
  const std::string essential_id = report["web"].snapshot_id;
  ASSERT_FALSE(essential_id.empty()) << r.out;
  ChildResult ls = Ctl({"ls", "--repo", Repo(), essential_id, "--json"}, false);
  ASSERT_EQ(ls.exit_code, 0) << ls.Describe();
  EXPECT_NE(ls.out.find("\"/journal/CHECKPOINT\""), std::string::npos);
  EXPECT_EQ(ls.out.find("payments-audit.log"), std::string::npos) << ls.out.substr(0, 2000);
  EXPECT_EQ(ls.out.find("docker.db"), std::string::npos) << ls.out.substr(0, 2000);

  // full: they cross (which also shows the two probes above can see a read).
  const ServerIo before_full = QuietIo();
  ChildResult full = RemoteBackup("web", {"--mode", "full"});
  ASSERT_EQ(full.exit_code, 0) << full.Describe();
  const ServerIo after_full = QuietIo();
  EXPECT_GE(after_full.rchar - before_full.rchar, excluded_bytes) << "the probe cannot see the host read";
  for (const auto& [rel, size] : excluded) {
    EXPECT_GT(AtimeSeconds(host->data() + "/" + rel), kOldAtime) << rel << ": atime probe does not work here";
  }
  auto full_report = ParseTargets(full.out);
  ASSERT_TRUE(full_report.count("web")) << full.out;
  const std::string restored = Sub("restored-full");
  ChildResult restore =
      Ctl({"restore", "--repo", Repo(), full_report["web"].snapshot_id, "--to", restored, "--json"}, false);
  ASSERT_EQ(restore.exit_code, 0) << restore.Describe();
  for (const auto& [rel, size] : excluded) {
    EXPECT_EQ(Sha(restored + "/" + rel), Sha(host->data() + "/" + rel)) << rel;
  }
  EXPECT_FALSE(FileExists(restored + "/registry.json.ckpt"));
  EXPECT_FALSE(FileExists(restored + "/journal/segment.tmp"));
}

TEST_F(RemoteBackupRestore, AppendedLogCrossesTheWireAsItsNewBytesOnly) {
  TestHost* host = AddHost("web");
  ASSERT_NE(host, nullptr);
  PB_ASSERT_OK(MakeLedgerDataDir(host->data(), 300));
  const std::string log = host->data() + "/audit/big.log";
  PB_ASSERT_OK(WriteRandomFile(log, 64 * kMiB, 21));
  PB_ASSERT_OK(WriteRandomFile(host->data() + "/audit/payments-audit.log", 2 * kMiB, 22));  // excluded
  PB_ASSERT_OK(MakeDirs(host->data() + "/notes"));
  PB_ASSERT_OK(WriteRandomFile(host->data() + "/notes/removed-later.txt", 1000, 25));
  WriteInventoryFile({TargetOf("web", *host)});
  InitRepo();

  ChildResult first = RemoteBackup("web");
  ASSERT_EQ(first.exit_code, 0) << first.Describe();
  const std::string staged_log = StagedData() + "/audit/big.log";
  const uint64_t inode = InodeOf(staged_log);
  ASSERT_NE(inode, 0u) << staged_log << " is not in the staging copy";
  const std::string first_id = ParseTargets(first.out)["web"].snapshot_id;

  PB_ASSERT_OK(AppendRandom(log, 1 * kMiB, 23));
  PB_ASSERT_OK(AppendRandom(host->data() + "/audit/payments-audit.log", 1 * kMiB, 24));
  ASSERT_TRUE(FileExists(StagedData() + "/notes/removed-later.txt"));
  ASSERT_EQ(::unlink((host->data() + "/notes/removed-later.txt").c_str()), 0);
  const ServerIo before = QuietIo();
  ChildResult second = RemoteBackup("web");
  ASSERT_EQ(second.exit_code, 0) << second.Describe();
  const ServerIo after = QuietIo();
  const uint64_t host_wrote = after.wchar - before.wchar;
  std::cout << "[ append   ] host side wrote " << MiB(host_wrote) << " for a 64 MiB log that grew by 1 MiB\n";
  RecordProperty("append_host_written_bytes", std::to_string(host_wrote));

  // The staging copy grew in place, and only about the new bytes crossed.
  EXPECT_EQ(InodeOf(staged_log), inode) << "the staging copy of the log was replaced, not appended to";
  EXPECT_EQ(Sha(staged_log), Sha(log));
  EXPECT_FALSE(FileExists(StagedData() + "/notes/removed-later.txt")) << "a file deleted on the host stayed staged";
  EXPECT_LT(host_wrote, 16 * kMiB) << "the host sent far more than the appended 1 MiB";
  // The local backup of the staging copy took nothing for an append:
  // big.log is not a log the service writes (ledger::IsAppendOnlyLog), so
  // its old chunks are compared one by one. files_grown when the report has
  // the counters of a local backup, else the backup step's "N appended to".
  auto report = ParseTargets(second.out);
  ASSERT_TRUE(report.count("web")) << second.out;
  uint64_t grown = FindUInt(second.out, "files_grown");
  if (grown == UINT64_MAX) grown = NumberBefore(report["web"].Detail("backup"), " appended to");
  EXPECT_EQ(grown, 0u) << second.out;
  const std::string second_id = report["web"].snapshot_id;
  ASSERT_FALSE(second_id.empty());
  EXPECT_NE(second_id, first_id);

  // Restored, it is the host's data minus what essential mode leaves out
  // (and LOCK, the last writer's, which no backup stores).
  const std::string restored = Sub("restored");
  ChildResult restore = Ctl({"restore", "--repo", Repo(), second_id, "--to", restored, "--json"}, false);
  ASSERT_EQ(restore.exit_code, 0) << restore.Describe();
  ChildResult diff = RunChild({"diff", "-r", "--no-dereference", "-x", "payments-audit.log*", "-x", "docker.db*",
                               "-x", "LOCK", host->data(), restored},
                              {}, std::chrono::seconds(60));
  EXPECT_EQ(diff.exit_code, 0) << diff.Describe();
  EXPECT_FALSE(FileExists(restored + "/audit/payments-audit.log"));
  // Both snapshots record the target as host and remote_path/data as path.
  ChildResult snapshots = Ctl({"snapshots", "--repo", Repo(), "--json"}, false);
  ASSERT_EQ(snapshots.exit_code, 0) << snapshots.Describe();
  EXPECT_NE(snapshots.out.find("\"host\":\"web\""), std::string::npos) << snapshots.out;
  EXPECT_NE(snapshots.out.find(JsonQuote(host->data())), std::string::npos) << snapshots.out;
}

TEST_F(RemoteBackupRestore, RestoreToAHostReplacesItsDataAndKeepsThePreviousData) {
  TestHost* host = RunningHost("web", 300);
  ASSERT_NE(host, nullptr);
  const std::vector<std::string> before_backup = PostCredits(host->port(), "before-backup", 20);
  ASSERT_EQ(before_backup.size(), 20u);
  WriteInventoryFile({TargetOf("web", *host)});
  InitRepo();
  ChildResult backup = RemoteBackup("web");
  ASSERT_EQ(backup.exit_code, 0) << backup.Describe();
  const std::string snapshot_id = ParseTargets(backup.out)["web"].snapshot_id;
  const std::vector<std::string> after_backup = PostCredits(host->port(), "after-backup", 5, "remote-orch-2");
  ASSERT_EQ(after_backup.size(), 5u);

  // The host loses its journal.
  ChildResult down = host->Compose({"down"});
  ASSERT_EQ(down.exit_code, 0) << down.Describe();
  std::filesystem::remove_all(host->data() + "/journal");
  PB_ASSERT_OK(WriteFileAtomic(host->data() + "/junk.txt", "damaged\n"));
  struct stat data_before {};
  ASSERT_EQ(::stat(host->data().c_str(), &data_before), 0);
  const size_t log_before = host->ComposeLog().size();

  ChildResult r = Ctl({"restore", "--repo", Repo(), "latest", "--staging-dir", Staging(), "--inventory", InventoryFile(), "--target", "web",
                       "--timeout-seconds", "30", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << "\nbackend.log:\n" << host->ServiceLogTail();
  EXPECT_EQ(ComposeCommands(*host, log_before), (std::vector<std::string>{"down", "up -d"}));
  EXPECT_TRUE(host->Healthy());
  EXPECT_TRUE(MissingWorkloads(host->port(), before_backup).empty()) << "credits of the snapshot are missing";
  EXPECT_EQ(MissingWorkloads(host->port(), after_backup).size(), after_backup.size())
      << "credits made after the snapshot appeared";
  auto report = ParseTargets(r.out);
  ASSERT_TRUE(report.count("web")) << r.out;
  EXPECT_TRUE(report["web"].ok);
  EXPECT_EQ(report["web"].snapshot_id, snapshot_id);

  // The damaged data/ is kept under backups/<UTC time>/data; nothing incoming is left.
  std::vector<std::string> archives = Archives(*host);
  ASSERT_EQ(archives.size(), 1u);
  const std::string previous = host->path() + "/backups/" + archives[0] + "/data";
  EXPECT_EQ(ReadFileOrEmpty(previous + "/junk.txt"), "damaged\n");
  EXPECT_EQ(InodeOf(previous), data_before.st_ino) << "the previous data/ was copied, not renamed";
  for (const std::string& entry : DirEntries(host->path())) {
    EXPECT_EQ(entry.find(".data.incoming"), std::string::npos) << entry << " was left behind";
  }
  struct stat data_after {};
  ASSERT_EQ(::stat(host->data().c_str(), &data_after), 0);
  EXPECT_EQ(data_after.st_uid, data_before.st_uid);
  EXPECT_EQ(data_after.st_gid, data_before.st_gid);

  ChildResult stop = host->Compose({"down"});
  ASSERT_EQ(stop.exit_code, 0) << stop.Describe();
  RunOutput verify = RunVerify(host->data());
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
}

// A restored stack that does not become healthy is not rolled back: exit 1,
// naming where the previous data/ is.
TEST_F(RemoteBackupRestore, RestoreWhoseStackStaysUnhealthyIsNotRolledBack) {
  TestHost* host = AddHost("web");
  ASSERT_NE(host, nullptr);
  PB_ASSERT_OK(MakeLedgerDataDir(host->data(), 100));
  WriteInventoryFile({TargetOf("web", *host)});
  InitRepo();
  ChildResult backup = RemoteBackup("web");
  ASSERT_EQ(backup.exit_code, 0) << backup.Describe();
  PB_ASSERT_OK(WriteFileAtomic(host->env_file(), "PAYMENTS_IMAGE=payments-backend:broken-9\n"));
  PB_ASSERT_OK(WriteFileAtomic(host->data() + "/marker", "previous\n"));

  ChildResult r = Ctl({"restore", "--repo", Repo(), "latest", "--staging-dir", Staging(), "--inventory", InventoryFile(), "--target", "web",
                       "--timeout-seconds", "4", "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  std::vector<std::string> archives = Archives(*host);
  ASSERT_EQ(archives.size(), 1u) << r.Describe();
  EXPECT_NE((r.out + r.err).find("backups/" + archives[0]), std::string::npos)
      << "the message does not say where the previous data/ is\n"
      << r.Describe();
  EXPECT_EQ(ReadFileOrEmpty(host->path() + "/backups/" + archives[0] + "/data/marker"), "previous\n");
  EXPECT_FALSE(FileExists(host->data() + "/marker")) << "the restore was rolled back";
  EXPECT_TRUE(FileExists(host->data() + "/journal/CHECKPOINT"));
  RunOutput verify = RunVerify(host->data());
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
}

TEST_F(RemoteBackupRestore, LatestMeansTheNewestSnapshotOfThatTarget) {
  TestHost* a = RunningHost("a", 50);
  TestHost* b = RunningHost("b", 50);
  ASSERT_TRUE(a && b);
  const std::vector<std::string> only_a = PostCredits(a->port(), "only-on-a", 3);
  const std::vector<std::string> only_b = PostCredits(b->port(), "only-on-b", 3);
  WriteInventoryFile({TargetOf("alpha", *a), TargetOf("beta", *b)});
  InitRepo();
  ChildResult backup_a = RemoteBackup("alpha");
  ASSERT_EQ(backup_a.exit_code, 0) << backup_a.Describe();
  std::filesystem::remove_all(Staging());  // one staging directory per target
  ChildResult backup_b = RemoteBackup("beta");  // the newest snapshot of the repository
  ASSERT_EQ(backup_b.exit_code, 0) << backup_b.Describe();

  ChildResult r = Ctl({"restore", "--repo", Repo(), "latest", "--staging-dir", Staging(), "--inventory", InventoryFile(), "--target", "alpha",
                       "--timeout-seconds", "30", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(ParseTargets(r.out)["alpha"].snapshot_id, ParseTargets(backup_a.out)["alpha"].snapshot_id) << r.out;
  EXPECT_TRUE(MissingWorkloads(a->port(), only_a).empty());
  EXPECT_EQ(MissingWorkloads(a->port(), only_b).size(), only_b.size()) << "alpha got beta's data";
}

// --include-env: .env is read with cat, stored encrypted, never written to
// the staging directory, never printed.
TEST_F(RemoteBackupRestore, IncludeEnvStoresTheEnvFileWithoutStagingOrPrintingIt) {
  TestHost* host = AddHost("web");
  ASSERT_NE(host, nullptr);
  PB_ASSERT_OK(MakeLedgerDataDir(host->data(), 50));
  WriteInventoryFile({TargetOf("web", *host)});
  InitRepo();
  ChildResult r = RemoteBackup("web", {"--include-env"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ((r.out + r.err).find(host->secret()), std::string::npos) << "the secret was printed";
  ChildResult grep = RunChild({"grep", "-rlF", host->secret(), Staging(), Sub("home"), Sub("tmp"), Repo()}, {},
                              std::chrono::seconds(30));
  EXPECT_EQ(grep.exit_code, 1) << "the secret is in clear in these files:\n" << grep.out;
  for (const std::string& command : sshd().Commands()) {
    EXPECT_EQ(command.find(host->secret()), std::string::npos) << command;
  }

  const std::string env_copy = Sub("env-copy");
  ChildResult restore = Ctl({"restore", "--repo", Repo(), ParseTargets(r.out)["web"].snapshot_id, "--to",
                             Sub("restored"), "--env-to", env_copy, "--json"},
                            false);
  ASSERT_EQ(restore.exit_code, 0) << restore.Describe();
  EXPECT_EQ(ReadFileOrEmpty(env_copy), host->initial_env());
}

TEST_F(RemoteBackupRestore, HostKeysAreCheckedAgainstKnownHosts) {
  TestHost* host = AddHost("web");
  ASSERT_NE(host, nullptr);
  PB_ASSERT_OK(MakeLedgerDataDir(host->data(), 20));
  WriteInventoryFile({TargetOf("web", *host)});
  InitRepo();
  // A known_hosts naming another key for [127.0.0.1]:port.
  ChildResult keygen = RunChild({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Sub("other_host_key")}, {},
                                std::chrono::seconds(30));
  ASSERT_EQ(keygen.exit_code, 0) << keygen.Describe();
  std::istringstream pub(ReadFileOrEmpty(Sub("other_host_key.pub")));
  std::string type, key;
  pub >> type >> key;
  const std::string wrong = Sub("known_hosts.wrong"), empty = Sub("known_hosts.empty");
  PB_ASSERT_OK(WriteFileAtomic(wrong, "[127.0.0.1]:" + std::to_string(sshd().port()) + " " + type + " " + key + "\n"));
  PB_ASSERT_OK(WriteFileAtomic(empty, ""));
  auto backup = [&](const std::string& known_hosts, bool accept_new) {
    std::vector<std::string> args = {"backup", "--inventory", InventoryFile(), "--target", "web", "--repo", Repo(),
                                     "--staging-dir", Staging(), "--json", "--ssh-key", sshd().client_key(),
                                     "--known-hosts", known_hosts};
    if (accept_new) args.push_back("--accept-new-host-key");
    return Ctl(args, false);
  };

  for (const std::string& kh : {empty, wrong}) {
    ChildResult r = backup(kh, false);
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    EXPECT_NE(r.err.find("ost key"), std::string::npos) << "the message does not say the host key is the problem\n"
                                                        << r.Describe();
  }
  ChildResult changed = backup(wrong, true);
  EXPECT_EQ(changed.exit_code, 1) << "a changed host key was accepted\n" << changed.Describe();
  EXPECT_TRUE(sshd().Commands().empty()) << "a command ran on an unverified host";

  ChildResult first_use = backup(empty, true);
  EXPECT_EQ(first_use.exit_code, 0) << first_use.Describe();
  std::istringstream real(ReadFileOrEmpty(sshd().known_hosts()));
  std::string real_host, real_type, real_key;
  real >> real_host >> real_type >> real_key;
  ASSERT_FALSE(real_key.empty());
  EXPECT_NE(ReadFileOrEmpty(empty).find(real_key), std::string::npos) << "the new host key was not recorded";
  ChildResult strict_again = backup(empty, false);
  EXPECT_EQ(strict_again.exit_code, 0) << "the recorded key is not accepted\n" << strict_again.Describe();
}

}  // namespace
}  // namespace pb::integration
