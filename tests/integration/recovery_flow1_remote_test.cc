// Issue 15, flow 1 over SSH: a restore to a host never moves aside a data/
// that a process still writes. `compose down` stops the stack's service, not
// one started by hand on the same directory; the swap refuses while the
// flock of data/LOCK is held, naming the holder, and changes nothing.
#include "support/remote_fixture.h"

namespace pb::integration {
namespace {

using RecoveryFlow1Remote = RemoteTest;

TEST_F(RecoveryFlow1Remote, RestoreToAHostRefusesToMoveADataDirAStrayServiceStillWrites) {
  TestHost* host = RunningHost("web", 300);
  ASSERT_NE(host, nullptr);
  WriteInventoryFile({TargetOf("web", *host)});
  InitRepo();
  ChildResult backup = RemoteBackup("web");
  ASSERT_EQ(backup.exit_code, 0) << backup.Describe();
  ChildResult down = host->Compose({"down"});
  ASSERT_EQ(down.exit_code, 0) << down.Describe();
  BackendOptions options;
  options.data_dir = host->data();
  options.log_file = Sub("stray.log");
  auto stray = BackendProcess::Start(options);
  ASSERT_TRUE(stray.ok()) << stray.status().ToString();
  const uint64_t inode = InodeOf(host->data());

  ChildResult r = Ctl({"restore", "--repo", Repo(), "latest", "--staging-dir", Staging(), "--inventory",
                       InventoryFile(), "--target", "web", "--timeout-seconds", "30", "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE((r.out + r.err).find("data/ is in use by payments-backend pid " + std::to_string((*stray)->pid())),
            std::string::npos)
      << r.Describe();
  EXPECT_EQ(InodeOf(host->data()), inode) << "data/ was moved aside under the running service";
  EXPECT_EQ(Archives(*host), std::vector<std::string>{});
  for (const std::string& entry : DirEntries(host->path())) {
    EXPECT_EQ(entry.find(".data.incoming"), std::string::npos) << entry << " was left behind";
  }

  const std::vector<std::string> after = PostCredits((*stray)->port(), "after-refusal", 3);
  EXPECT_EQ(after.size(), 3u);
  EXPECT_TRUE(MissingWorkloads((*stray)->port(), after).empty());
  ASSERT_EQ((*stray)->Terminate(), 0);
  RunOutput verify = RunVerify(host->data());
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
}

}  // namespace
}  // namespace pb::integration
