// paymentsctl with --repo s3://BUCKET/PREFIX, end to end against a real
// s3rver on 127.0.0.1: every repository command, interoperability with the
// aws CLI (it reads what we wrote; a synced copy is a local repository), and
// the faults of object storage — the server killed mid-backup and restarted,
// 5xx answers (passing and permanent), a truncated object under a pack name.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/sha256.h"
#include "support/backup_fixture.h"
#include "support/s3rver_fixture.h"

namespace pb::integration {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class S3CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(s3_.Start().ok()) << FileTail(dir_.Sub("s3rver.log"));
    endpoint_ = s3_.Endpoint();
  }

  std::string Repo() const { return std::string("s3://") + S3rver::kBucket + "/" + prefix_; }

  ChildOptions Env() const {
    ChildOptions env = CtlEnv();
    for (const std::string& kv : s3_.ClientEnv(endpoint_)) env.set_env.push_back(kv);
    return env;
  }

  // paymentsctl <args...> --repo Repo(), pointed at endpoint_.
  ChildResult Ctl(std::vector<std::string> args, std::chrono::milliseconds timeout = 120s) const {
    args.push_back("--repo");
    args.push_back(Repo());
    return RunChild(CtlArgv(args), Env(), timeout);
  }

  void Init() {
    ChildResult r = Ctl({"init"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }

  // backup --mode full --json of `data` (--allow-empty: RandomDataDir holds
  // no ledger); the snapshot id, "" (and a failure) otherwise.
  std::string Backup(const std::string& data) {
    ChildResult r = Ctl({"backup", "--data-dir", data, "--mode", "full", "--allow-empty", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return r.exit_code == 0 ? JsonDoc(r.out).Str("snapshot_id") : "";
  }

  void ExpectCheckReadDataPasses(const std::string& when) {
    ChildResult r = Ctl({"check", "--read-data", "--json"});
    EXPECT_EQ(r.exit_code, 0) << "check --read-data " << when << ": " << r.Describe();
    EXPECT_TRUE(JsonDoc(r.out).Bool("ok")) << when << ": " << r.out;
  }

  size_t SnapshotCount() {
    ChildResult r = Ctl({"snapshots", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    JsonDoc doc(r.out);
    simdjson::dom::array items;
    return doc.ok() && doc.root()["snapshots"].get_array().get(items) == simdjson::SUCCESS ? items.size() : 0;
  }

  // Restores `snapshot` to a new directory and expects it equal to `data`.
  void ExpectRestoresTo(const std::string& snapshot, const std::string& data, const std::string& target) {
    ChildResult r = Ctl({"restore", snapshot, "--to", target, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_EQ(CompareTrees(data, target), "");
  }

  // aws <args...> against the s3rver, with the test's keys only.
  ChildResult Aws(std::vector<std::string> args) const {
    std::vector<std::string> argv = {AwsCli(), "--endpoint-url", s3_.Endpoint()};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildOptions env;
    env.set_env = AwsCliEnv(s3_, dir_.path());
    env.unset_env = {"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"};
    return RunChild(argv, env, 60s);
  }

  // The keys of the objects under the repository's data/ ("repo/data/ab/ab..").
  std::vector<std::string> PackKeys() const {
    std::vector<std::string> keys;
    const fs::path root = fs::path(dir_.Sub("store")) / S3rver::kBucket / prefix_ / "data";
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); ++it) {
      std::string name = it->path().filename().string();
      if (it->is_regular_file() && name.size() > 64 && name.find("._S3rver_object") != std::string::npos) {
        keys.push_back(prefix_ + "/data/" + name.substr(0, 2) + "/" + name.substr(0, 64));
      }
    }
    return keys;
  }

  // A data directory of `megabytes` of random files (no ledger: its backups
  // need --allow-empty).
  std::string RandomDataDir(const std::string& name, int megabytes, uint64_t seed) {
    const std::string data = dir_.Sub(name);
    fs::create_directories(data + "/audit");
    for (int i = 0; i < megabytes / 8; ++i) {
      EXPECT_TRUE(WriteRandomFile(data + "/audit/part-" + std::to_string(i), 8 << 20, seed + i).ok());
    }
    return data;
  }

  TempDir dir_;
  S3rver s3_{dir_.Sub("store"), dir_.Sub("s3rver.log")};
  std::string endpoint_;
  std::string prefix_ = "repo";
};

TEST_F(S3CliTest, EveryRepositoryCommandWorksOnAnS3Repository) {
  const std::string data = dir_.Sub("data");
  ASSERT_TRUE(MakeLedgerDataDir(data, 2000).ok());
  Init();
  const std::string first = Backup(data);
  ASSERT_FALSE(first.empty());
  ASSERT_TRUE(AppendRandom(data + "/audit/payments-audit.log", 300000, 7).ok());
  const std::string second = Backup(data);
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(SnapshotCount(), 2u);
  ExpectCheckReadDataPasses("after two backups");

  const std::string restored = dir_.Sub("restored");
  ExpectRestoresTo("latest", data, restored);
  RunOutput verify = RunVerify(restored);
  EXPECT_EQ(verify.exit_code, 0) << verify.output;

  ChildResult ls = Ctl({"ls", first.substr(0, 8)});
  EXPECT_EQ(ls.exit_code, 0) << ls.Describe();
  EXPECT_NE(ls.out.find("payments-audit.log"), std::string::npos) << ls.out;

  ChildResult forget = Ctl({"forget", "--keep-last", "1", "--prune"});
  ASSERT_EQ(forget.exit_code, 0) << forget.Describe();
  EXPECT_EQ(SnapshotCount(), 1u);
  ExpectCheckReadDataPasses("after forget --prune");
  ExpectRestoresTo(second.substr(0, 8), data, dir_.Sub("restored-after-prune"));
}

TEST_F(S3CliTest, InitRefusesAPrefixThatAlreadyHoldsARepository) {
  Init();
  ChildResult again = Ctl({"init"});
  EXPECT_EQ(again.exit_code, 1) << again.Describe();
  EXPECT_NE(again.err.find("conflict"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("already holds objects"), std::string::npos) << again.err;
}

TEST_F(S3CliTest, MissingCredentialsAreRefusedBeforeAnyRequest) {
  ChildOptions env = Env();
  env.set_env.erase(std::remove_if(env.set_env.begin(), env.set_env.end(),
                                   [](const std::string& kv) { return kv.starts_with("AWS_SECRET_ACCESS_KEY="); }),
                    env.set_env.end());
  env.unset_env.push_back("AWS_SECRET_ACCESS_KEY");
  ChildResult r = RunChild(CtlArgv({"init", "--repo", Repo()}), env, 30s);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("invalid argument"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << r.err;
  EXPECT_TRUE(PackKeys().empty());
  EXPECT_FALSE(fs::exists(fs::path(dir_.Sub("store")) / S3rver::kBucket / prefix_));
}

TEST_F(S3CliTest, TheEndpointFlagOverridesTheEnvironment) {
  endpoint_ = "http://127.0.0.1:" + std::to_string(FreeLoopbackPort());  // nothing listens there
  ChildResult r = Ctl({"init", "--s3-endpoint", s3_.Endpoint(), "--s3-path-style"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find(s3_.Endpoint()), std::string::npos) << r.out;
}

TEST_F(S3CliTest, TheAwsCliReadsTheRepositoryAndASyncedCopyIsALocalRepository) {
  const std::string data = dir_.Sub("data");
  ASSERT_TRUE(MakeLedgerDataDir(data, 500).ok());
  Init();
  const std::string snapshot = Backup(data);
  ASSERT_FALSE(snapshot.empty());

  ChildResult ls = Aws({"s3", "ls", "--recursive", std::string("s3://") + S3rver::kBucket + "/" + prefix_ + "/"});
  ASSERT_EQ(ls.exit_code, 0) << ls.Describe();
  EXPECT_NE(ls.out.find(prefix_ + "/config"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find(prefix_ + "/snapshots/" + snapshot), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find(prefix_ + "/data/"), std::string::npos) << ls.out;

  // A repository file's name is the SHA-256 of its bytes: checkable with aws + sha256 alone.
  const std::string copied = dir_.Sub("snapshot-file");
  ChildResult cp = Aws({"s3", "cp", std::string("s3://") + S3rver::kBucket + "/" + prefix_ + "/snapshots/" + snapshot,
                        copied});
  ASSERT_EQ(cp.exit_code, 0) << cp.Describe();
  EXPECT_EQ(Sha256Hex(ReadFileOrEmpty(copied)), snapshot);

  // The stranger's recovery (docs/s3-backend.md): sync down, add the empty
  // folders S3 does not keep, use it as a local repository.
  const std::string local = dir_.Sub("local-copy");
  ChildResult sync = Aws({"s3", "sync", std::string("s3://") + S3rver::kBucket + "/" + prefix_, local});
  ASSERT_EQ(sync.exit_code, 0) << sync.Describe();
  for (const char* folder : {"keys", "data", "index", "snapshots", "locks"}) {
    fs::create_directories(local + "/" + folder);
  }
  ChildResult check = RunChild(CtlArgv({"check", "--read-data", "--repo", local}), CtlEnv(), 60s);
  EXPECT_EQ(check.exit_code, 0) << check.Describe();
  const std::string restored = dir_.Sub("restored");
  ChildResult restore = RunChild(CtlArgv({"restore", "latest", "--to", restored, "--repo", local}), CtlEnv(), 60s);
  ASSERT_EQ(restore.exit_code, 0) << restore.Describe();
  EXPECT_EQ(CompareTrees(data, restored), "");
}

TEST_F(S3CliTest, ABackupWhoseServerIsKilledMidUploadFailsCleanlyOrRetriesAndTheNextOneCompletes) {
  const std::string data = RandomDataDir("data", 96, 100);
  Init();
  auto child =
      Child::Start(CtlArgv({"backup", "--data-dir", data, "--mode", "full", "--allow-empty", "--json", "--repo", Repo()}),
                   Env());
  ASSERT_TRUE(child.ok()) << child.status().ToString();
  // Kill the server once the first pack has landed, while the rest is on its way.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (PackKeys().empty() && !(*child)->Exited() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_FALSE(PackKeys().empty()) << "no pack was uploaded";
  ASSERT_FALSE((*child)->Exited()) << "the backup ended before the server could be killed";
  s3_.Kill();
  std::this_thread::sleep_for(300ms);  // a real outage, not a blip
  ASSERT_TRUE(s3_.Start().ok()) << FileTail(dir_.Sub("s3rver.log"));
  ChildResult interrupted = (*child)->Wait(120s);
  EXPECT_FALSE(interrupted.timed_out);
  RecordProperty("interrupted_backup_exit_code", interrupted.exit_code);
  if (interrupted.exit_code != 0) {
    EXPECT_EQ(interrupted.exit_code, 1) << interrupted.Describe();
    EXPECT_NE(interrupted.err.find("paymentsctl backup: "), std::string::npos) << interrupted.err;
  }
  const std::string next = Backup(data);
  ASSERT_FALSE(next.empty());
  ExpectCheckReadDataPasses("after the interrupted backup and the next one");
  ExpectRestoresTo(next.substr(0, 8), data, dir_.Sub("restored"));
}

TEST_F(S3CliTest, PassingServerErrorsAreRetriedAndTheBackupCompletes) {
  const std::string data = RandomDataDir("data", 24, 200);
  Init();
  std::atomic<int> puts{0};
  FaultProxy proxy(s3_.port(), [&](const std::string& method, const std::string&, const std::string&) {
    return method == "PUT" && puts++ % 3 == 0 ? 503 : 0;  // every third PUT (parts included) fails once
  });
  endpoint_ = proxy.Endpoint();
  const std::string snapshot = Backup(data);
  ASSERT_FALSE(snapshot.empty());
  EXPECT_GT(proxy.injected(), 0);
  endpoint_ = s3_.Endpoint();
  ExpectCheckReadDataPasses("after a backup through 503s");
  ExpectRestoresTo(snapshot.substr(0, 8), data, dir_.Sub("restored"));
}

TEST_F(S3CliTest, APermanentServerErrorFailsTheBackupClearlyAndTheRepositoryStaysValid) {
  const std::string data = RandomDataDir("data", 16, 300);
  Init();
  FaultProxy proxy(s3_.port(), [](const std::string& method, const std::string& target, const std::string&) {
    return method == "PUT" && target.find("/data/") != std::string::npos ? 500 : 0;
  });
  endpoint_ = proxy.Endpoint();
  ChildResult r = Ctl({"backup", "--data-dir", data, "--mode", "full", "--allow-empty"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("unavailable"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("retry later"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(s3_.secret_access_key()), std::string::npos);
  endpoint_ = s3_.Endpoint();
  EXPECT_EQ(SnapshotCount(), 0u);
  ExpectCheckReadDataPasses("after the failed backup");
  EXPECT_FALSE(Backup(data).empty());
}

TEST_F(S3CliTest, ATruncatedObjectUnderAPackNameIsReportedAndTheNextBackupCompletes) {
  const std::string data = RandomDataDir("data", 16, 400);
  Init();
  ASSERT_FALSE(Backup(data).empty());
  std::vector<std::string> packs = PackKeys();
  ASSERT_FALSE(packs.empty());
  // Another tool's torn copy: the first half of the pack under its name.
  const std::string url = std::string("s3://") + S3rver::kBucket + "/" + packs.front();
  const std::string local = dir_.Sub("pack");
  ASSERT_EQ(Aws({"s3", "cp", url, local}).exit_code, 0);
  const std::string bytes = ReadFileOrEmpty(local);
  ASSERT_GT(bytes.size(), 2u);
  {
    std::FILE* f = std::fopen(local.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(bytes.data(), 1, bytes.size() / 2, f);
    std::fclose(f);
  }
  ASSERT_EQ(Aws({"s3", "cp", local, url}).exit_code, 0);

  ChildResult check = Ctl({"check", "--read-data", "--json"});
  EXPECT_NE(check.exit_code, 0) << check.Describe();
  EXPECT_FALSE(JsonDoc(check.out).Bool("ok")) << check.out;
  const std::string name = packs.front().substr(packs.front().rfind('/') + 1);
  EXPECT_NE((check.out + check.err).find(name.substr(0, 8)), std::string::npos) << check.Describe();

  const std::string more = RandomDataDir("more", 8, 500);
  const std::string more_id = Backup(more);
  ASSERT_FALSE(more_id.empty());
  // The repository now holds two data directories: `latest` would be ambiguous.
  ExpectRestoresTo(more_id, more, dir_.Sub("restored"));
}

}  // namespace
}  // namespace pb::integration
