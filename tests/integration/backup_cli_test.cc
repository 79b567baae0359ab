// paymentsctl backup / ls / restore end to end, through the real binary: a
// full round trip of a data directory with every kind of entry, what each
// backup mode reads (and never opens), the .env file, the cost of backing up
// an appended log, and the password errors.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "common/file_util.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {


using BackupCli = BackupTest;

// A data directory with a small generated journal and its mirrors, no
// service run (no checkpoint files): quick to make.
Status MakeJournalOnlyDataDir(const std::string& data_dir, uint64_t workloads) {
  ChildResult gen = RunChild({BinPath("bench-journal-gen"), "--data-dir", data_dir, "--workloads",
                              std::to_string(workloads)},
                             {}, std::chrono::seconds(60));
  if (gen.exit_code != 0) return Status::IOError("bench-journal-gen: " + gen.Describe());
  return Status::Ok();
}

TEST_F(BackupCli, FullBackupRestoresAByteIdenticalTreeThatVerifiesAndKeepsHolesSparse) {
  const std::string data = Sub("data");
  PB_ASSERT_OK(MakeLedgerDataDir(data, 3000));
  // Every kind of entry a data directory can hold.
  PB_ASSERT_OK(MakeDirs(data + "/extra/nested/deeper"));
  PB_ASSERT_OK(WriteRandomFile(data + "/extra/nested/deeper/secret.key", 4096, 1, 0600));
  PB_ASSERT_OK(WriteRandomFile(data + "/extra/nested/tool.sh", 10000, 2, 0755));
  PB_ASSERT_OK(WriteRandomFile(data + "/extra/empty", 0, 3, 0644));
  ASSERT_EQ(::chmod((data + "/extra/nested").c_str(), 0750), 0);
  ASSERT_EQ(::symlink("../registry.json", (data + "/extra/registry-link").c_str()), 0);
  ASSERT_EQ(::symlink("/nonexistent/never/followed", (data + "/extra/dangling-link").c_str()), 0);
  const uint64_t sparse_size = 64 * kMiB;
  PB_ASSERT_OK(WriteSparseFile(data + "/extra/sparse.img", sparse_size, 32 * kMiB, 64 * 1024, 4));
  ASSERT_LT(AllocatedBytes(data + "/extra/sparse.img"), 2 * kMiB) << "the test file system does not keep holes";
  PB_ASSERT_OK(WriteZeroFile(data + "/extra/zeros.bin", 4 * kMiB));
  InitRepo();

  JsonDoc backup(Backup(data, {"--mode", "full"}));
  ASSERT_TRUE(backup.ok());
  EXPECT_EQ(backup.Str("mode"), "full");
  EXPECT_EQ(backup.UInt("journal_seq"), 16u + 3000u);  // 16 registrations, 3000 credits
  EXPECT_EQ(backup.UInt("checkpoint_seq"), 16u + 3000u);

  const std::string out = Sub("restored");
  ChildResult restore = Restore(backup.Str("snapshot_id").substr(0, 12), out);
  ASSERT_EQ(restore.exit_code, 0) << restore.Describe();
  JsonDoc restored(restore.out);
  EXPECT_TRUE(restored.Bool("verified")) << restore.out;
  EXPECT_EQ(restored.UInt("journal_seq"), 16u + 3000u);

  EXPECT_EQ(CompareTrees(data, out), "");
  // LOCK (the last writer's, not data) is never backed up.
  ChildResult diff =
      RunChild({"diff", "-r", "--no-dereference", "--exclude=LOCK", data, out}, {}, std::chrono::seconds(60));
  EXPECT_EQ(diff.exit_code, 0) << diff.Describe();
  ChildResult verify = RunChild(CtlArgv({"verify", "--data-dir", out}), {}, std::chrono::seconds(60));
  EXPECT_EQ(verify.exit_code, 0) << verify.Describe();
  EXPECT_LT(AllocatedBytes(out + "/extra/sparse.img"), 2 * kMiB) << "the restored sparse file lost its holes";
  EXPECT_LT(AllocatedBytes(out + "/extra/zeros.bin"), 4 * kMiB) << "zero chunks are restored as holes";
}

TEST_F(BackupCli, EssentialModeLeavesOutTheRequestAuditLogAndDockerDbWhichFullModeIncludes) {
  const std::string data = Sub("data");
  PB_ASSERT_OK(MakeLedgerDataDir(data, 500));
  ASSERT_TRUE(FileExists(data + "/audit/payments-audit.log"));
  PB_ASSERT_OK(WriteRandomFile(data + "/audit/payments-audit.log.1", 1000, 1));
  PB_ASSERT_OK(WriteRandomFile(data + "/audit/docker.db", 5000, 2));
  PB_ASSERT_OK(WriteRandomFile(data + "/audit/docker.db-wal", 300, 3));
  PB_ASSERT_OK(WriteRandomFile(data + "/registry.json.ckpt", 10, 4));  // an in-flight checkpoint file
  InitRepo();

  JsonDoc essential(Backup(data));
  ASSERT_TRUE(essential.ok());
  EXPECT_EQ(essential.Str("mode"), "essential");
  // registry, balances, workloads, CHECKPOINT, one segment, two mirrors; all read.
  EXPECT_EQ(essential.UInt("files"), 7u);
  EXPECT_EQ(essential.UInt("files_read"), 7u);
  std::set<std::string> paths = LsPaths(essential.Str("snapshot_id"));
  for (const char* kept : {"/registry.json", "/balances.json", "/workloads.json", "/journal/CHECKPOINT",
                           "/journal/00000000000000000001.journal", "/audit/ledger-events.log",
                           "/audit/registry.log"}) {
    EXPECT_TRUE(paths.count(kept)) << kept << " is missing from the essential snapshot";
  }
  for (const char* left_out : {"/audit/payments-audit.log", "/audit/payments-audit.log.1", "/audit/docker.db",
                               "/audit/docker.db-wal", "/registry.json.ckpt"}) {
    EXPECT_FALSE(paths.count(left_out)) << left_out << " is in the essential snapshot";
  }

  JsonDoc full(Backup(data, {"--mode", "full"}));
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full.Str("mode"), "full");
  // The essential snapshot is the parent: its journal and mirrors are
  // unchanged; the checkpoint group is always read whole (it is hashed
  // against CHECKPOINT); the four audit files are new.
  EXPECT_EQ(full.UInt("files"), 11u);
  EXPECT_EQ(full.UInt("files_unchanged"), 3u);
  EXPECT_EQ(full.UInt("files_read"), 8u);
  EXPECT_EQ(full.UInt("files_grown"), 0u);
  paths = LsPaths(full.Str("snapshot_id"));
  for (const char* kept : {"/audit/payments-audit.log", "/audit/payments-audit.log.1", "/audit/docker.db",
                           "/audit/docker.db-wal", "/journal/CHECKPOINT", "/audit/ledger-events.log"}) {
    EXPECT_TRUE(paths.count(kept)) << kept << " is missing from the full snapshot";
  }
  EXPECT_FALSE(paths.count("/registry.json.ckpt"));
}

// A FIFO at audit/payments-audit.log: opening it for reading would block
// until a writer appears, which never happens here. The backup finishing
// within its bound proves it was never opened.
// "Never read" is seen through the access time: each excluded file gets an
// atime older than its mtime, which any read updates on a relatime (or
// strictatime) mount. The full-mode backup reads them and must change it,
// which proves the probe works here (on a noatime mount that half fails).
TEST_F(BackupCli, EssentialBackupNeverReadsTheRequestAuditLogOrDockerDb) {
  const std::string data = Sub("data");
  PB_ASSERT_OK(MakeJournalOnlyDataDir(data, 200));
  const std::vector<std::string> excluded = {data + "/audit/payments-audit.log", data + "/audit/docker.db",
                                             data + "/audit/docker.db-wal"};
  auto atime_of = [](const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return int64_t{st.st_atim.tv_sec};
  };
  for (const std::string& path : excluded) {
    PB_ASSERT_OK(WriteFileAtomic(path, std::string(100000, 'x')));
    struct timespec times[2] = {{1000000000, 0}, {0, UTIME_OMIT}};  // atime in 2001, mtime now
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
  }
  InitRepo();

  ChildResult r = Ctl({"backup", "--data-dir", data, "--mode", "essential", "--json"}, std::chrono::seconds(20));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(JsonDoc(r.out).UInt("files"), 3u) << r.out;  // the journal segment and the two mirrors
  for (const std::string& path : excluded) EXPECT_EQ(atime_of(path), 1000000000) << path << " was read";

  ChildResult full = Ctl({"backup", "--data-dir", data, "--mode", "full", "--json"}, std::chrono::seconds(20));
  ASSERT_EQ(full.exit_code, 0) << full.Describe();
  for (const std::string& path : excluded) EXPECT_GT(atime_of(path), 1000000000) << path << " was not read";
}

TEST_F(BackupCli, EnvFileIsBackedUpOnlyWithIncludeEnvAndWrittenOnlyWithEnvTo) {
  const std::string data = Sub("site/data"), env = Sub("site/.env");
  PB_ASSERT_OK(MakeJournalOnlyDataDir(data, 100));
  const std::string env_text = "PAYMENTS_API_ADMIN_TOKEN=s3cret-token\nPAYMENTS_IMAGE=payments:1\n";
  PB_ASSERT_OK(WriteFileAtomic(env, env_text));
  ASSERT_EQ(::chmod(env.c_str(), 0640), 0);
  InitRepo();

  JsonDoc without(Backup(data));
  ASSERT_TRUE(without.ok());
  EXPECT_FALSE(without.Bool("include_env"));
  JsonDoc with(Backup(data, {"--include-env", env}));
  ASSERT_TRUE(with.ok());
  EXPECT_TRUE(with.Bool("include_env"));
  EXPECT_FALSE(LsPaths(with.Str("snapshot_id")).count("/.env")) << ".env is not part of the data directory's tree";

  // No --env-to: the .env is reported as skipped and written nowhere.
  ChildResult skipped = Restore(with.Str("snapshot_id"), Sub("restored/one"));
  ASSERT_EQ(skipped.exit_code, 0) << skipped.Describe();
  JsonDoc s(skipped.out);
  EXPECT_TRUE(s.Bool("env_skipped")) << skipped.out;
  EXPECT_EQ(s.Str("env_written"), "");
  EXPECT_EQ(DirEntries(Sub("restored")), std::vector<std::string>{"one"});
  EXPECT_FALSE(FileExists(Sub("restored/one/.env")));

  // --env-to: written there, owner-only.
  const std::string env_copy = Sub("restored/env-copy");
  ChildResult written = Restore(with.Str("snapshot_id"), Sub("restored/two"), {"--env-to", env_copy});
  ASSERT_EQ(written.exit_code, 0) << written.Describe();
  JsonDoc w(written.out);
  EXPECT_FALSE(w.Bool("env_skipped"));
  EXPECT_EQ(w.Str("env_written"), env_copy);
  EXPECT_EQ(ReadFileOrEmpty(env_copy), env_text);
  struct stat st;
  ASSERT_EQ(::stat(env_copy.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);

  // A snapshot without .env writes nothing, even with --env-to.
  const std::string no_env = Sub("restored/no-env");
  ChildResult plain = Restore(without.Str("snapshot_id"), Sub("restored/three"), {"--env-to", no_env});
  ASSERT_EQ(plain.exit_code, 0) << plain.Describe();
  JsonDoc p(plain.out);
  EXPECT_FALSE(p.Bool("env_skipped"));
  EXPECT_EQ(p.Str("env_written"), "");
  EXPECT_FALSE(FileExists(no_env));
}

TEST_F(BackupCli, BackupAfterAnAppendReadsOnlyTheTailAndRestoresTheGrownFile) {
  const std::string data = Sub("data");
  PB_ASSERT_OK(MakeJournalOnlyDataDir(data, 1000));
  // The request log: an append-only log (ledger::IsAppendOnlyLog), in `full` backups.
  const std::string log = data + "/audit/payments-audit.log";
  PB_ASSERT_OK(WriteRandomFile(log, 64 * kMiB, 11));
  PB_ASSERT_OK(WriteRandomFile(data + "/notes.txt", 2000, 12));
  InitRepo();

  JsonDoc first(Backup(data, {"--mode", "full"}));
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first.UInt("files"), 5u);
  EXPECT_GE(first.UInt("bytes_read"), 64 * kMiB);

  PB_ASSERT_OK(AppendRandom(log, 1 * kMiB, 13));
  std::string second_text = Backup(data, {"--mode", "full"});
  JsonDoc second(second_text);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.Str("parent_id"), first.Str("snapshot_id"));
  EXPECT_EQ(second.UInt("files"), 5u);
  EXPECT_EQ(second.UInt("files_grown"), 1u) << second_text;
  EXPECT_EQ(second.UInt("files_unchanged"), 4u) << second_text;
  EXPECT_EQ(second.UInt("files_read"), 0u) << second_text;
  EXPECT_EQ(second.UInt("bytes"), first.UInt("bytes") + 1 * kMiB);
  EXPECT_LT(second.UInt("bytes_read"), 10 * kMiB) << second_text;
  EXPECT_GE(second.UInt("bytes_read"), 1 * kMiB) << second_text;
  EXPECT_LT(second.UInt("new_bytes"), 10 * kMiB) << second_text;

  const std::string out = Sub("restored");
  ChildResult restore = Restore(second.Str("snapshot_id"), out);
  ASSERT_EQ(restore.exit_code, 0) << restore.Describe();
  EXPECT_EQ(CompareTrees(data, out), "");
}

TEST_F(BackupCli, WrongPasswordIsReportedAsAWrongPassword) {
  InitRepo();
  ChildResult r = RunChild(CtlArgv({"snapshots", "--repo", Repo()}), CtlEnv("not the password"),
                           std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("wrong password"), std::string::npos) << r.Describe();
}

TEST_F(BackupCli, MissingPasswordWithoutATerminalIsAClearError) {
  InitRepo();
  // No PAYMENTS_REPO_PASSWORD and a new session without a controlling
  // terminal: there is nobody to ask.
  ChildResult r = RunChild(CtlArgv({"backup", "--repo", Repo(), "--data-dir", Sub("data")}), CtlEnv(""),
                           std::chrono::seconds(30));
  EXPECT_FALSE(r.timed_out) << "paymentsctl waited for a password\n" << r.Describe();
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("no repository password"), std::string::npos) << r.Describe();
  EXPECT_NE(r.err.find("PAYMENTS_REPO_PASSWORD"), std::string::npos) << r.Describe();
  EXPECT_TRUE(DirEntries(Repo() + "/snapshots").empty());
}

}  // namespace
}  // namespace pb::integration
