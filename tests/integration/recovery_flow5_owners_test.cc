// Issue 15, flow 5: a data directory owned by the compose file's user
// (10001:10001) with a 0750 root restores with the same owners, modes and
// mtimes, the root included, and the service run as 10001 starts and serves
// on it; --owner gives every entry one owner. Runs as root (chown, setpriv).
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <thread>

#include "common/file_util.h"
#include "repo/snapshot.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

using namespace std::chrono_literals;

struct Meta {
  uid_t uid;
  gid_t gid;
  mode_t mode;
  int64_t mtime_ns;
  bool operator==(const Meta&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Meta& m) {
  return os << m.uid << ":" << m.gid << " " << std::oct << m.mode << std::dec << " mtime " << m.mtime_ns;
}

// Owner, permission bits and mtime of `root` ("" in the map) and of every
// entry below it, by relative path.
std::map<std::string, Meta> MetaTree(const std::string& root) {
  std::map<std::string, Meta> out;
  auto add = [&](const std::string& rel, const std::string& path) {
    struct stat st{};
    if (::lstat(path.c_str(), &st) != 0) {
      ADD_FAILURE() << "lstat " << path;
      return;
    }
    out[rel] = Meta{st.st_uid, st.st_gid, st.st_mode & 07777,
                    int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec};
  };
  add("", root);
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    add(std::filesystem::relative(e.path(), root).string(), e.path().string());
  }
  return out;
}

ChildResult RunTool(const std::vector<std::string>& argv) { return RunChild(argv, {}, 60s); }

class RecoveryFlow5Owners : public BackupTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u) << "this test needs root: it chowns files to 10001 and runs the service as 10001";
    // The test directory (mkdtemp: 0700) must let 10001 reach what it owns.
    ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
    data_ = Sub("data");
    PB_ASSERT_OK(MakeLedgerDataDir(data_, 200));
    // The compose file's user, a 0750 root and a 0640 file, and a root
    // mtime of its own (set last: the chmod and chown do not change it).
    for (const std::vector<std::string>& argv :
         {std::vector<std::string>{"chown", "-R", "10001:10001", data_},
          std::vector<std::string>{"chmod", "0750", data_},
          std::vector<std::string>{"chmod", "0640", data_ + "/audit/registry.log"},
          std::vector<std::string>{"touch", "-m", "-d", "2026-01-02T03:04:05.123456789Z", data_}}) {
      ChildResult r = RunTool(argv);
      ASSERT_EQ(r.exit_code, 0) << r.Describe();
    }
    InitRepo();
    ASSERT_TRUE(JsonDoc(Backup(data_)).ok());
    // The service's own request log is not in an essential backup.
    original_ = MetaTree(data_);
    original_.erase("LOCK");  // the service's lock file: not data, never backed up
    original_.erase("audit/payments-audit.log");
  }

  std::string data_;
  std::map<std::string, Meta> original_;
};

TEST_F(RecoveryFlow5Owners, OwnersModesAndTimesAreRestoredAndTheServiceRunsAsTheirOwner) {
  const std::string out = Sub("restored");
  ChildResult r = Restore("latest", out);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  ASSERT_EQ(MetaTree(out), original_);  // before the fix: root:root everywhere and a 0700 root

  // payments-backend as 10001:10001 with no other group, as in the container.
  const uint16_t port = FreeLoopbackPort();
  auto backend = Child::Start({"setpriv", "--reuid=10001", "--regid=10001", "--clear-groups",
                               BinPath("payments-backend"), "--data-dir", out, "--listen",
                               "127.0.0.1:" + std::to_string(port)},
                              {});
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  HttpClient http(port);
  for (int i = 0; i < 100 && !(*backend)->Exited() && !http.connected(); ++i) (void)http.ConnectWithRetry(200ms);
  ASSERT_TRUE(http.connected()) << "the service as 10001 did not listen: " << (*backend)->Wait(1s).Describe();
  auto health = http.Get("/health");
  ASSERT_TRUE(health.ok()) << health.status().ToString();
  EXPECT_EQ(health->status, 200) << health->body;
  auto credit = http.Post("/api/workloads", CreditBody("after-restore", "bench-0", "0.000001"));
  ASSERT_TRUE(credit.ok()) << credit.status().ToString();
  EXPECT_EQ(credit->status, 201) << credit->body;
  http.Close();
  ::kill((*backend)->pid(), SIGTERM);
  ChildResult stopped = (*backend)->Wait(30s);
  EXPECT_EQ(stopped.exit_code, 0) << stopped.Describe();
  for (const auto& [rel, meta] : MetaTree(out)) {
    EXPECT_EQ(meta.uid, 10001u) << rel << " (written by the service or restored)";
  }
}

TEST_F(RecoveryFlow5Owners, OwnerGivesEveryEntryOneOwner) {
  const std::string out = Sub("restored");
  ChildResult r = Restore("latest", out, {"--owner", "10002:10003"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  std::map<std::string, Meta> got = MetaTree(out);
  ASSERT_EQ(got.size(), original_.size());
  for (const auto& [rel, meta] : got) {
    EXPECT_EQ(meta.uid, 10002u) << rel;
    EXPECT_EQ(meta.gid, 10003u) << rel;
    EXPECT_EQ(meta.mode, original_[rel].mode) << rel;
  }
  ChildResult bad = Restore("latest", Sub("bad"), {"--owner", "10002"});
  EXPECT_EQ(bad.exit_code, 2) << "a bad value is a usage error\n" << bad.Describe();
  EXPECT_NE(bad.err.find("UID:GID"), std::string::npos) << bad.Describe();
}

// Snapshots written before owners were recorded have neither "root" nor
// "uid"/"gid": they still decode (and restore with the restoring user's ids).
TEST(RecoveryFlow5Format, SnapshotsAndTreesWithoutOwnersStillDecode) {
  auto node = repo::DecodeTree(
      R"({"nodes":[{"name":"f","type":"file","mode":416,"mtime_ns":5,"size":0,"content":[]}]})", "tree");
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  EXPECT_FALSE(node->nodes[0].owner.has_value());
  auto owned = repo::DecodeTree(
      R"({"nodes":[{"name":"f","type":"file","mode":416,"mtime_ns":5,"uid":10001,"gid":10001,"size":0,"content":[]}]})",
      "tree");
  ASSERT_TRUE(owned.ok()) << owned.status().ToString();
  ASSERT_TRUE(owned->nodes[0].owner.has_value());
  EXPECT_EQ(owned->nodes[0].owner->uid, 10001u);
  EXPECT_FALSE(repo::DecodeTree(
                   R"({"nodes":[{"name":"f","type":"file","mode":416,"mtime_ns":5,"uid":1,"size":0,"content":[]}]})",
                   "tree")
                   .ok())
      << "uid without gid";

  repo::Snapshot s;
  s.time_ms = 1;
  s.host = "h";
  s.data_dir = "/d";
  s.mode = "essential";
  std::string old_format = repo::EncodeSnapshot(s);
  ASSERT_EQ(old_format.find("\"root\""), std::string::npos);
  auto decoded = repo::DecodeSnapshot(old_format, "snapshot");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_FALSE(decoded->root.has_value());
  s.root = repo::RootEntry{0750, 7, repo::Owner{10001, 10001}};
  decoded = repo::DecodeSnapshot(repo::EncodeSnapshot(s), "snapshot");
  ASSERT_TRUE(decoded.ok() && decoded->root.has_value());
  EXPECT_EQ(decoded->root->mode, 0750u);
  EXPECT_EQ(decoded->root->mtime_ns, 7);
  EXPECT_TRUE(decoded->root->owner == (repo::Owner{10001, 10001}));
}

}  // namespace
}  // namespace pb::integration
