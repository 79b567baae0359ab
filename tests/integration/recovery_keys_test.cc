// Issue 15, keys: `paymentsctl key list|add|remove|passwd` never leave the
// repository without a working password and never re-encrypt data. The
// password change is killed (kill -9) at each of its steps, frozen there by
// its stop points (common/stop_point.h; the test sees the stop through
// waitpid), and the repository must then open with the old password, the
// new one, or both — exactly as far as the change had gone.
#include <filesystem>

#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

namespace fs = std::filesystem;

constexpr const char* kNewPassword = "a new password for the repository";

class RecoveryKeys : public BackupTest {
 protected:
  // paymentsctl <args> --repo `repo` with `password` (and extra variables).
  ChildResult CtlWith(const std::string& repo, const std::string& password, std::vector<std::string> args,
                      std::vector<std::string> env = {}) {
    args.push_back("--repo");
    args.push_back(repo);
    ChildOptions options = CtlEnv(password);
    options.set_env.insert(options.set_env.end(), env.begin(), env.end());
    return RunChild(CtlArgv(args), options, std::chrono::seconds(120));
  }
  bool Opens(const std::string& repo, const std::string& password) {
    return CtlWith(repo, password, {"snapshots"}).exit_code == 0;
  }
  // The ids of `key list --json`.
  std::vector<std::string> KeyIds(const std::string& repo, const std::string& password) {
    ChildResult r = CtlWith(repo, password, {"key", "list", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return JsonDoc(r.out).Strings("keys", "id");
  }
  std::string NewPasswordFile() {
    std::string path = Sub("new-password");
    EXPECT_TRUE(WritePasswordFile(path, kNewPassword).ok());
    return path;
  }
};

TEST_F(RecoveryKeys, PasswdKilledAtEachStepLeavesAWorkingPassword) {
  struct Step {
    const char* stop_at;
    bool old_opens, new_opens;
  };
  const Step steps[] = {
      {"locked:key passwd", true, false},          // locked, nothing written yet
      {"key passwd:new key written", true, true},  // the new key file is durable, the old one still there
      {"key passwd:old key removed", false, true},
  };
  const std::string data = Sub("data");
  PB_ASSERT_OK(MakeLedgerDataDir(data, 500));
  const std::string new_file = NewPasswordFile();
  int n = 0;
  for (const Step& step : steps) {
    SCOPED_TRACE(step.stop_at);
    const std::string repo = Sub("repo-" + std::to_string(++n));
    ASSERT_EQ(CtlWith(repo, kRepoPassword, {"init"}).exit_code, 0);
    ChildResult backup = CtlWith(repo, kRepoPassword, {"backup", "--data-dir", data, "--json"});
    ASSERT_EQ(backup.exit_code, 0) << backup.Describe();
    const std::string snapshot = JsonDoc(backup.out).Str("snapshot_id");
    const std::vector<std::string> data_before = DirEntries(repo + "/data");

    ChildOptions env = CtlEnv();
    env.set_env.push_back(std::string("PAYMENTS_TEST_STOP_AT=") + step.stop_at);
    auto child = Child::Start(CtlArgv({"key", "passwd", "--new-password-file", new_file, "--repo", repo}), env);
    ASSERT_TRUE(child.ok()) << child.status().ToString();
    ASSERT_TRUE((*child)->WaitStopped(std::chrono::seconds(120)))
        << "key passwd did not stop at its step: " << (*child)->Wait(std::chrono::seconds(60)).Describe();
    EXPECT_EQ((*child)->Kill9().exit_code, 137);

    const bool old_opens = Opens(repo, kRepoPassword), new_opens = Opens(repo, kNewPassword);
    EXPECT_TRUE(old_opens || new_opens) << "no password opens the repository";
    EXPECT_EQ(old_opens, step.old_opens);
    EXPECT_EQ(new_opens, step.new_opens);
    EXPECT_EQ(DirEntries(repo + "/data"), data_before) << "a password change touched the data";

    // Finishing the change with whichever password works, then restoring.
    if (old_opens) {
      ChildResult again = CtlWith(repo, kRepoPassword, {"key", "passwd", "--new-password-file", new_file});
      ASSERT_EQ(again.exit_code, 0) << again.Describe();
    }
    EXPECT_FALSE(Opens(repo, kRepoPassword));
    EXPECT_EQ(KeyIds(repo, kNewPassword).size(), 1u);
    const std::string target = Sub("restored-" + std::to_string(n));
    ChildResult restore = CtlWith(repo, kNewPassword, {"restore", snapshot, "--to", target});
    EXPECT_EQ(restore.exit_code, 0) << restore.Describe();
  }
}

TEST_F(RecoveryKeys, RemoveRefusesTheLastKeyAndTheKeyInUseUnlessAnotherOpensWithItsPassword) {
  InitRepo();
  std::vector<std::string> keys = KeyIds(Repo(), kRepoPassword);
  ASSERT_EQ(keys.size(), 1u);
  const std::string first = keys[0];
  ChildResult last = CtlWith(Repo(), kRepoPassword, {"key", "remove", first.substr(0, 8)});
  EXPECT_EQ(last.exit_code, 1) << last.Describe();
  EXPECT_NE(last.err.find("only key file"), std::string::npos) << last.Describe();

  const std::string new_env = std::string("PAYMENTS_REPO_NEW_PASSWORD=") + kNewPassword;
  ChildResult add = CtlWith(Repo(), kRepoPassword, {"key", "add"}, {new_env});
  ASSERT_EQ(add.exit_code, 0) << add.Describe();
  EXPECT_TRUE(Opens(Repo(), kRepoPassword));
  EXPECT_TRUE(Opens(Repo(), kNewPassword));
  ChildResult in_use = CtlWith(Repo(), kRepoPassword, {"key", "remove", first.substr(0, 8)});
  EXPECT_EQ(in_use.exit_code, 1) << in_use.Describe();
  EXPECT_NE(in_use.err.find("lock you out"), std::string::npos) << in_use.Describe();
  EXPECT_TRUE(Opens(Repo(), kRepoPassword));

  // From the other password it is just another key.
  ChildResult other = CtlWith(Repo(), kNewPassword, {"key", "remove", first.substr(0, 8)});
  EXPECT_EQ(other.exit_code, 0) << other.Describe();
  EXPECT_FALSE(Opens(Repo(), kRepoPassword));
  keys = KeyIds(Repo(), kNewPassword);
  ASSERT_EQ(keys.size(), 1u);

  // Two key files of one password: the one in use may go.
  add = CtlWith(Repo(), kNewPassword, {"key", "add"}, {new_env});
  ASSERT_EQ(add.exit_code, 0) << add.Describe();
  ChildResult list = CtlWith(Repo(), kNewPassword, {"key", "list", "--json"});
  std::string in_use_id;
  for (const std::string& id : KeyIds(Repo(), kNewPassword)) {
    if (list.out.find("\"id\":\"" + id + "\",\"in_use\":true") != std::string::npos) in_use_id = id;
  }
  ASSERT_FALSE(in_use_id.empty()) << list.out;
  ChildResult twin = CtlWith(Repo(), kNewPassword, {"key", "remove", in_use_id.substr(0, 8)});
  EXPECT_EQ(twin.exit_code, 0) << twin.Describe();
  EXPECT_TRUE(Opens(Repo(), kNewPassword));
  EXPECT_EQ(KeyIds(Repo(), kNewPassword).size(), 1u);
}

}  // namespace
}  // namespace pb::integration
