// kill -9 of paymentsctl in the middle of backup, forget --prune and
// restore. Afterwards the repository must pass check --read-data, every
// remaining snapshot must restore byte-identical, and a restore target must
// be either absent or complete. Kill points are seeded (PB_KILL_SEED) and
// tied to observable progress (bytes of packs written, files appearing or
// disappearing), so they land inside the operation on any machine speed.
#include <sys/stat.h>

#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <thread>

#include "common/file_util.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t Seed() {
  const char* env = std::getenv("PB_KILL_SEED");
  uint64_t seed = env != nullptr && *env != '\0' ? std::strtoull(env, nullptr, 10) : 20261124;
  std::printf("[ seed     ] PB_KILL_SEED=%llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

// Polls `condition` every `every` until it holds (true), or the child exits
// or `timeout` passes (false).
bool WaitUntil(Child& child, const std::function<bool()>& condition, std::chrono::milliseconds timeout,
               std::chrono::milliseconds every = std::chrono::milliseconds(1)) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    if (child.Exited()) return false;
    std::this_thread::sleep_for(every);
  }
  return false;
}

std::set<std::string> Names(const std::string& dir) {
  std::vector<std::string> v = DirEntries(dir);
  return {v.begin(), v.end()};
}

// The names of the packs (data/<xx>/<name>), temporary files excluded.
std::set<std::string> PackNames(const std::string& repo) {
  std::set<std::string> out;
  for (const std::string& sub : DirEntries(repo + "/data")) {
    for (const std::string& name : DirEntries(repo + "/data/" + sub)) {
      if (name.find(".tmp-") == std::string::npos) out.insert(name);
    }
  }
  return out;
}

// Leftovers of interrupted writes ("<name>.tmp-<pid>-<n>") anywhere in the repository.
int TemporaryFiles(const std::string& dir) {
  int n = 0;
  for (const std::string& name : DirEntries(dir)) {
    struct stat st;
    if (::lstat((dir + "/" + name).c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) n += TemporaryFiles(dir + "/" + name);
    n += name.find(".tmp-") != std::string::npos;
  }
  return n;
}

// Snapshot ids listed by `snapshots --json`.
std::vector<std::string> SnapshotIds(const ChildResult& r) {
  return JsonDoc(r.out).Strings("snapshots", "id");
}

Status CopyTree(const std::string& from, const std::string& to) {
  ChildResult r = RunChild({"cp", "-a", from, to}, {}, std::chrono::seconds(60));  // keeps modes and mtimes
  return r.exit_code == 0 ? Status::Ok() : Status::IOError("cp -a: " + r.Describe());
}

Status MakeJournalDir(const std::string& data_dir, uint64_t workloads) {
  ChildResult gen = RunChild({BinPath("bench-journal-gen"), "--data-dir", data_dir, "--workloads",
                              std::to_string(workloads)},
                             {}, std::chrono::seconds(60));
  return gen.exit_code == 0 ? Status::Ok() : Status::IOError("bench-journal-gen: " + gen.Describe());
}

using KillTest = BackupTest;

TEST_F(KillTest, Kill9DuringBackupsLeavesARepositoryThatChecksAndBacksUpAgain) {
  constexpr int kKills = 5, kFiles = 8;
  constexpr uint64_t kFileSize = 25 * kMiB;  // 200 MiB in all
  std::mt19937_64 rng(Seed());
  const std::string data = Sub("data");
  PB_ASSERT_OK(MakeJournalDir(data, 2000));
  PB_ASSERT_OK(MakeDirs(data + "/blobs"));
  for (int f = 0; f < kFiles; ++f) {
    PB_ASSERT_OK(WriteRandomFile(data + "/blobs/f" + std::to_string(f), kFileSize, 100 + f));
  }
  InitRepo();

  int killed = 0;
  for (int round = 0; round < kKills; ++round) {
    // New content every round, so every backup has new packs to write.
    PB_ASSERT_OK(WriteRandomFile(data + "/blobs/f" + std::to_string(round % kFiles), kFileSize, 1000 + round));
    // Each of these backups writes about 200 MiB of packs (no earlier one
    // finished, so nothing is indexed): a threshold below that kills it
    // while it writes them. 0 kills it during start-up.
    const uint64_t threshold = std::uniform_int_distribution<uint64_t>(0, 160 * kMiB)(rng);
    const uint64_t base = TreeFileBytes(Repo() + "/data");
    auto child = StartCtl({"backup", "--data-dir", data, "--json"});
    ASSERT_NE(child, nullptr);
    bool reached = WaitUntil(
        *child, [&] { return TreeFileBytes(Repo() + "/data") - base >= threshold; }, std::chrono::seconds(60),
        std::chrono::milliseconds(3));
    ChildResult r = child->Kill9();
    std::printf("[ kill     ] backup round %d: threshold %llu MiB, %s, exit %d after %lld ms\n", round,
                static_cast<unsigned long long>(threshold / kMiB), reached ? "reached" : "not reached", r.exit_code,
                static_cast<long long>(r.elapsed.count()));
    ASSERT_TRUE(r.exit_code == 137 || r.exit_code == 0) << r.Describe();
    killed += r.exit_code == 137;
  }
  EXPECT_EQ(killed, kKills) << "some backups finished before their kill point";
  EXPECT_TRUE(DirEntries(Repo() + "/snapshots").empty());

  ExpectCheckReadDataPasses("after the killed backups");
  JsonDoc backup(Backup(data));
  ASSERT_TRUE(backup.ok());
  const std::string out = Sub("restored");
  ChildResult restore = Restore(backup.Str("snapshot_id"), out);
  ASSERT_EQ(restore.exit_code, 0) << restore.Describe();
  EXPECT_EQ(CompareTrees(data, out), "");

  // Prune removes what the killed backups left.
  ChildResult prune = Ctl({"forget", "--keep-last", "1", "--prune", "--json"});
  ASSERT_EQ(prune.exit_code, 0) << prune.Describe();
  ChildResult check = Ctl({"check", "--read-data", "--json"});
  EXPECT_EQ(check.exit_code, 0) << check.Describe();
  EXPECT_NE(check.out.find("\"notes\":[]"), std::string::npos) << "orphan packs left after prune: " << check.out;
  EXPECT_EQ(TemporaryFiles(Repo()), 0) << "prune left temporary files of the killed backups";
}

TEST_F(KillTest, Kill9DuringForgetPruneLeavesACheckableRepositoryWhoseSnapshotsRestore) {
  constexpr int kFiles = 4;
  constexpr uint64_t kFileSize = 6 * kMiB;
  const std::string data = Sub("data");
  PB_ASSERT_OK(MakeJournalDir(data, 500));
  for (int f = 0; f < kFiles; ++f) PB_ASSERT_OK(WriteRandomFile(data + "/f" + std::to_string(f), kFileSize, 200 + f));
  InitRepo();

  std::map<std::string, std::string> versions;  // snapshot id -> copy of what it holds
  int version = 0;
  auto new_version = [&] {
    ++version;
    PB_ASSERT_OK(WriteRandomFile(data + "/f" + std::to_string(version % kFiles), kFileSize, 300 + version));
    PB_ASSERT_OK(AppendRandom(data + "/f0", 256 * 1024, 400 + version));
    JsonDoc b(Backup(data));
    ASSERT_TRUE(b.ok());
    std::string copy = Sub("versions/" + b.Str("snapshot_id"));
    PB_ASSERT_OK(MakeDirs(Sub("versions")));
    PB_ASSERT_OK(CopyTree(data, copy));
    versions[b.Str("snapshot_id")] = copy;
  };
  for (int i = 0; i < 3; ++i) {
    new_version();
    ASSERT_FALSE(HasFatalFailure());
  }

  // Kill points: one per step of forget --prune (docs/repository-format.md).
  struct Phase {
    const char* name;
    std::function<bool(const std::set<std::string>& snaps, const std::set<std::string>& packs,
                       const std::set<std::string>& index)>
        reached;
  };
  const std::string repo = Repo();
  const std::vector<Phase> phases = {
      {"forget removed a snapshot", [&](auto& snaps, auto&, auto&) { return Names(repo + "/snapshots") != snaps; }},
      {"prune wrote a new pack",
       [&](auto&, auto& packs, auto&) {
         for (const std::string& p : PackNames(repo)) {
           if (!packs.count(p)) return true;
         }
         return false;
       }},
      {"prune wrote a new index file",
       [&](auto&, auto&, auto& index) {
         for (const std::string& i : DirEntries(repo + "/index")) {
           if (!index.count(i)) return true;
         }
         return false;
       }},
      {"prune removed a pack",
       [&](auto&, auto& packs, auto&) {
         std::set<std::string> now = PackNames(repo);
         for (const std::string& p : packs) {
           if (!now.count(p)) return true;
         }
         return false;
       }},
  };
  int killed = 0;
  for (size_t p = 0; p < phases.size(); ++p) {
    SCOPED_TRACE(phases[p].name);
    new_version();
    ASSERT_FALSE(HasFatalFailure());
    const std::set<std::string> snaps = Names(repo + "/snapshots"), packs = PackNames(repo),
                                index = Names(repo + "/index");
    auto child = StartCtl({"forget", "--keep-last", "1", "--prune", "--json"});
    ASSERT_NE(child, nullptr);
    bool reached = WaitUntil(
        *child, [&] { return phases[p].reached(snaps, packs, index); }, std::chrono::seconds(60));
    ChildResult r = child->Kill9();
    std::printf("[ kill     ] forget --prune at \"%s\": %s, exit %d after %lld ms\n", phases[p].name,
                reached ? "reached" : "not reached", r.exit_code, static_cast<long long>(r.elapsed.count()));
    ASSERT_TRUE(r.exit_code == 137 || r.exit_code == 0) << r.Describe();
    killed += r.exit_code == 137;

    ExpectCheckReadDataPasses(std::string("after a kill when ") + phases[p].name);
    ChildResult list = Ctl({"snapshots", "--json"});
    ASSERT_EQ(list.exit_code, 0) << list.Describe();
    std::vector<std::string> remaining = SnapshotIds(list);
    EXPECT_FALSE(remaining.empty());
    for (const std::string& id : remaining) {
      ASSERT_TRUE(versions.count(id)) << "unknown snapshot " << id;
      const std::string out = Sub("check-restore");
      ChildResult restore = Restore(id, out);
      ASSERT_EQ(restore.exit_code, 0) << "snapshot " << id << ": " << restore.Describe();
      EXPECT_EQ(CompareTrees(versions[id], out), "") << "snapshot " << id;
      std::filesystem::remove_all(out);
    }
  }
  EXPECT_GE(killed, 2) << "most forget --prune runs finished before their kill point";

  ChildResult finish = Ctl({"forget", "--keep-last", "1", "--prune", "--json"});
  ASSERT_EQ(finish.exit_code, 0) << finish.Describe();
  ChildResult list = Ctl({"snapshots", "--json"});
  std::vector<std::string> remaining = SnapshotIds(list);
  ASSERT_EQ(remaining.size(), 1u) << list.out;
  ChildResult check = Ctl({"check", "--read-data", "--json"});
  EXPECT_EQ(check.exit_code, 0) << check.Describe();
  EXPECT_NE(check.out.find("\"notes\":[]"), std::string::npos) << check.out;
  EXPECT_EQ(TemporaryFiles(Repo()), 0);
  const std::string out = Sub("final");
  ChildResult restore = Restore("latest", out);
  ASSERT_EQ(restore.exit_code, 0) << restore.Describe();
  EXPECT_EQ(CompareTrees(versions[remaining[0]], out), "");
  EXPECT_EQ(CompareTrees(data, out), "");
}

TEST_F(KillTest, Kill9DuringRestoreLeavesNoTargetOrACompleteOneAndARerunWorks) {
  constexpr int kKills = 8;
  std::mt19937_64 rng(Seed() + 1);
  const std::string data = Sub("data");
  PB_ASSERT_OK(MakeJournalDir(data, 5000));
  for (int f = 0; f < 4; ++f) PB_ASSERT_OK(WriteRandomFile(data + "/f" + std::to_string(f), 16 * kMiB, 500 + f));
  InitRepo();
  JsonDoc backup(Backup(data));
  ASSERT_TRUE(backup.ok());

  const std::string target = Sub("restored");
  auto temp_dirs = [&] {
    int n = 0;
    for (const std::string& name : DirEntries(dir_.path())) n += name.rfind(".restored.restore-", 0) == 0;
    return n;
  };
  // An uninterrupted restore first: its duration spreads the kills over
  // every phase (unlocking, writing, verifying, moving into place).
  ChildResult whole = Restore("latest", target);
  ASSERT_EQ(whole.exit_code, 0) << whole.Describe();
  ASSERT_EQ(CompareTrees(data, target), "");
  std::filesystem::remove_all(target);
  const int duration_ms = static_cast<int>(whole.elapsed.count());

  int absent = 0, complete = 0;
  for (int round = 0; round < kKills; ++round) {
    const auto delay = std::chrono::milliseconds(std::uniform_int_distribution<int>(0, duration_ms)(rng));
    auto child = StartCtl({"restore", "latest", "--to", target, "--json"});
    ASSERT_NE(child, nullptr);
    WaitUntil(*child, [] { return false; }, delay);
    ChildResult r = child->Kill9();
    const bool exists = FileExists(target);
    std::printf("[ kill     ] restore round %d: killed %lld of %d ms in, exit %d, target %s\n", round,
                static_cast<long long>(delay.count()), duration_ms, r.exit_code, exists ? "complete" : "absent");
    ASSERT_TRUE(r.exit_code == 137 || r.exit_code == 0) << r.Describe();
    if (r.exit_code == 0) {
      EXPECT_TRUE(exists) << "a restore that succeeded left no target";
    }
    if (exists) {
      EXPECT_EQ(CompareTrees(data, target), "") << "a partial target after a kill in round " << round;
      std::filesystem::remove_all(target);
      ++complete;
    } else {
      ++absent;
    }
  }
  EXPECT_GE(absent, 1) << "no kill landed inside a restore";
  std::printf("[ kill     ] %d restore(s) killed before the target appeared, %d complete; %d temporary "
              "director%s left beside the target\n",
              absent, complete, temp_dirs(), temp_dirs() == 1 ? "y" : "ies");

  ChildResult rerun = Restore("latest", target);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.Describe();
  EXPECT_EQ(CompareTrees(data, target), "");
}

}  // namespace
}  // namespace pb::integration
