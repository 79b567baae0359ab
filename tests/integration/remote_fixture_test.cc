// The test fixture of the remote-operation tests checks itself, independent
// of paymentsctl: the sshd logs in with the generated key only, records
// connections and commands and counts the host side's bytes; the fake
// compose, run over SSH like paymentsctl runs it, starts and stops the real
// service and logs every call. When these fail, the remote tests' failures
// say nothing about paymentsctl.
#include <string>
#include <thread>
#include <vector>

#include "support/remote_fixture.h"

namespace pb::integration {
namespace {

using RemoteFixture = RemoteTest;


TEST_F(RemoteFixture, SshdRunsCommandsWithTheGeneratedKeyAndRecordsThem) {
  const int connections = sshd().Connections();
  ChildResult r = RunChild(sshd().SshArgv("echo \"$((6 * 7))\" 'it'\\''s'"), {}, std::chrono::seconds(20));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "42 it's\n");
  EXPECT_EQ(sshd().Connections(), connections + 1);
  ASSERT_FALSE(sshd().Commands().empty());
  EXPECT_EQ(sshd().Commands().back(), "echo \"$((6 * 7))\" 'it'\\''s'");

  // Another key is refused.
  ChildResult keygen = RunChild({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Sub("stranger")}, {},
                                std::chrono::seconds(20));
  ASSERT_EQ(keygen.exit_code, 0) << keygen.Describe();
  std::vector<std::string> argv = sshd().SshArgv("true");
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "-i") argv[i + 1] = Sub("stranger");
  }
  ChildResult stranger = RunChild(argv, {}, std::chrono::seconds(20));
  EXPECT_EQ(stranger.exit_code, 255) << stranger.Describe();
}

TEST_F(RemoteFixture, ServerIoCountsWhatTheHostSideReadAndSent) {
  PB_ASSERT_OK(WriteRandomFile(Sub("blob"), 8 * kMiB, 1));
  ServerIo before = QuietIo();
  ChildResult r = RunChild(sshd().SshArgv("md5sum " + Sub("blob")), {}, std::chrono::seconds(20));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  ServerIo after = QuietIo();
  EXPECT_GE(after.rchar - before.rchar, 8 * kMiB);
  EXPECT_LT(after.wchar - before.wchar, 8 * kMiB) << "md5sum sends a few bytes only";
}

TEST_F(RemoteFixture, FakeComposeOverSshStartsAndStopsTheRealService) {
  TestHost* host = AddHost("h");
  ASSERT_NE(host, nullptr);
  auto compose = [&](const std::string& words) {
    return RunChild(sshd().SshArgv("cd " + host->path() + " && " + FakeComposePath() + " " + words), {},
                    std::chrono::seconds(40));
  };
  ChildResult pull = compose("pull");
  EXPECT_EQ(pull.exit_code, 0) << pull.Describe();
  ChildResult up = compose("up -d");
  ASSERT_EQ(up.exit_code, 0) << up.Describe();
  // ssh returned (within RunChild's bound) while the detached service, which
  // only `down` stops, still runs: it did not wait for the service.
  EXPECT_FALSE(up.timed_out) << "ssh waited for the detached service";
  const pid_t first = host->ServicePid();
  EXPECT_GT(first, 0) << "the service is not running after up -d returned";
  PB_ASSERT_OK(host->WaitHealthy());
  ChildResult ps = compose("ps");
  EXPECT_NE(ps.out.find("running pid=" + std::to_string(first)), std::string::npos) << ps.Describe();
  // up -d again recreates it.
  ASSERT_EQ(compose("up -d").exit_code, 0);
  PB_ASSERT_OK(host->WaitHealthy());
  EXPECT_NE(host->ServicePid(), first);
  ChildResult down = compose("down");
  ASSERT_EQ(down.exit_code, 0) << down.Describe();
  EXPECT_EQ(host->ServicePid(), -1);
  EXPECT_FALSE(host->Healthy());
  const std::string log = ReadFileOrEmpty(host->path() + "/backend.log");
  size_t clean = 0;
  for (const std::string& line : Lines(log)) clean += line.find("stopped cleanly") != std::string::npos;
  EXPECT_EQ(clean, 2u) << "SIGTERM did not stop the service cleanly twice:\n" << log;
  // --project-directory works from anywhere.
  ChildResult elsewhere =
      RunChild(sshd().SshArgv(FakeComposePath() + " --project-directory " + host->path() + " ps"), {},
               std::chrono::seconds(20));
  EXPECT_EQ(elsewhere.exit_code, 0) << elsewhere.Describe();
  EXPECT_EQ(host->ComposeLog(),
            (std::vector<std::string>{"pull image=payments-backend:good-1", "up -d image=payments-backend:good-1",
                                      "ps image=payments-backend:good-1", "up -d image=payments-backend:good-1",
                                      "down image=payments-backend:good-1", "ps image=payments-backend:good-1"}));
}

TEST_F(RemoteFixture, FakeComposeImagesNamedBrokenOrUnpullableFail) {
  TestHost* host = AddHost("h");
  ASSERT_NE(host, nullptr);
  PB_ASSERT_OK(WriteFileAtomic(host->env_file(), "PAYMENTS_IMAGE=payments-backend:unpullable-1\n"));
  ChildResult pull = host->Compose({"pull"});
  EXPECT_EQ(pull.exit_code, 1) << pull.Describe();
  PB_ASSERT_OK(WriteFileAtomic(host->env_file(), "PAYMENTS_IMAGE=payments-backend:broken-1\n"));
  ChildResult up = host->Compose({"up", "-d"});
  EXPECT_EQ(up.exit_code, 0) << up.Describe();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(host->Healthy());
  EXPECT_EQ(host->ServicePid(), -1);
  ChildResult bad = host->Compose({"frobnicate"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_EQ(host->ComposeLog().size(), 3u);
}

}  // namespace
}  // namespace pb::integration
