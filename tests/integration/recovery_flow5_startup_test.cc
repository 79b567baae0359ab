// Issue 15, flow 5 (start-up part): no code path of payments-backend ends in
// an uncaught exception. A service that may not use its data directory (a
// restore left it root's with mode 0700, the service runs as another user)
// exits 1 with one line naming the path and what to do, never
// "terminate called ... filesystem_error" and exit 134.
#include <sys/stat.h>
#include <unistd.h>

#include "common/file_util.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

// Runs programs as a user who is not the owner of the directories it denies:
// as root (the usual case here), `nobody` through setpriv on root-owned 0700
// directories; otherwise this user on directories of mode 0000.
class OtherUser {
 public:
  bool root() const { return ::geteuid() == 0; }
  std::vector<std::string> Argv(std::vector<std::string> argv) const {
    if (root()) argv.insert(argv.begin(), {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"});
    return argv;
  }
  // Makes `path` a directory the other user may not enter.
  void Deny(const std::string& path) const {
    if (root()) {
      ASSERT_EQ(::chown(path.c_str(), 0, 0), 0);
      ASSERT_EQ(::chmod(path.c_str(), 0700), 0);
    } else {
      ASSERT_EQ(::chmod(path.c_str(), 0000), 0);
    }
  }
  // Makes `path` a directory the other user owns (or may write).
  void Grant(const std::string& path) const {
    if (root()) {
      ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);  // nobody:nogroup
    }
    ASSERT_EQ(::chmod(path.c_str(), 0755), 0);
  }
};

class RecoveryFlow5 : public BackupTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);  // the other user may reach what is below
    data_ = Sub("data");
    ChildResult gen = RunChild({BinPath("bench-journal-gen"), "--data-dir", data_, "--workloads", "50"}, {},
                               std::chrono::seconds(60));
    ASSERT_EQ(gen.exit_code, 0) << gen.Describe();
  }
  void TearDown() override {  // so that the temporary directory can be removed
    ::chmod(data_.c_str(), 0755);
    ::chmod((data_ + "/journal").c_str(), 0755);
  }

  ChildResult RunBackendAsOtherUser() {
    return RunChild(user_.Argv({BinPath("payments-backend"), "--data-dir", data_, "--listen",
                                "127.0.0.1:" + std::to_string(FreeLoopbackPort())}),
                    {}, std::chrono::seconds(20));
  }

  // Exit 1 and one line on stderr naming `path`, no crash.
  static void ExpectOneClearLine(const ChildResult& r, const std::string& path) {
    EXPECT_FALSE(r.timed_out) << "the service started: " << r.Describe();
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    EXPECT_EQ((r.out + r.err).find("terminate called"), std::string::npos) << r.Describe();
    std::vector<std::string> lines = Lines(r.err);
    ASSERT_EQ(lines.size(), 1u) << r.Describe();
    EXPECT_NE(lines[0].find(path), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("Permission denied"), std::string::npos) << lines[0];
  }

  OtherUser user_;
  std::string data_;
};

TEST_F(RecoveryFlow5, BackendOnAnotherUsers0700DataDirExits1WithOneLineSayingWhatToDo) {
  user_.Deny(data_);
  ASSERT_FALSE(HasFatalFailure());
  ChildResult r = RunBackendAsOtherUser();
  ExpectOneClearLine(r, data_);
  EXPECT_NE(r.err.find("chown -R "), std::string::npos) << r.Describe();

  // paymentsctl verify on it says so too, without a crash.
  ChildResult verify = RunChild(user_.Argv({BinPath("paymentsctl"), "verify", "--data-dir", data_}), {},
                                std::chrono::seconds(20));
  EXPECT_EQ(verify.exit_code, 1) << verify.Describe();
  EXPECT_EQ((verify.out + verify.err).find("terminate called"), std::string::npos) << verify.Describe();
  EXPECT_NE(verify.out.find("Permission denied"), std::string::npos) << verify.Describe();
}

TEST_F(RecoveryFlow5, BackendWhoseJournalDirIsAnotherUsersExits1WithOneLine) {
  user_.Grant(data_);
  ::unlink((data_ + "/LOCK").c_str());  // as after a restore: the service creates it
  user_.Deny(data_ + "/journal");
  ASSERT_FALSE(HasFatalFailure());
  ChildResult r = RunBackendAsOtherUser();
  ExpectOneClearLine(r, data_ + "/journal");
  EXPECT_NE(r.err.find("chown -R "), std::string::npos) << r.Describe();
}

}  // namespace
}  // namespace pb::integration
