// Issue 16, what the CLI reads: a key file asking for a key-derivation cost
// above the limits is refused, named as tampered with, before any key
// derivation; a key file edited in place is named as modified, not as a
// wrong password; password files (--password-file, --new-password-file, the
// service's --repo-password-file) are read only when they are regular files
// of at most 4 KiB that nobody but their owner has access to.
//
// The commands that meet a planted file run under an address-space limit
// (prlimit --as): a key derivation over the 4 GiB the file asks for, or a
// password file read without end, would fail for memory and say so, instead
// of taking the machine's memory; the tests see from the message that
// neither happened.
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

#include "secrets/password.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "repo/crypto.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

namespace fs = std::filesystem;

constexpr const char* kAddressSpaceLimit = "--as=2147483648";  // 2 GiB

class CliInputs : public BackupTest {
 protected:
  std::string KeyPath(const std::string& name) const { return Repo() + "/keys/" + name; }

  // The name of the repository's only key file.
  std::string OnlyKeyFile() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(Repo() + "/keys")) names.push_back(e.path().filename().string());
    EXPECT_EQ(names.size(), 1u);
    return names.empty() ? "" : names[0];
  }

  // Writes `text` as a key file named by its SHA-256 (as a careful forger
  // would, so that the name gives nothing away); returns the name.
  std::string Plant(const std::string& text) const {
    const std::string name = Sha256Hex(text);
    EXPECT_TRUE(WriteFileAtomic(KeyPath(name), text).ok());
    return name;
  }

  // paymentsctl <args> --repo Repo() under the address-space limit, with
  // `password` in the environment (none when empty).
  ChildResult CtlLimited(std::vector<std::string> args, const std::string& password = kRepoPassword) const {
    args.push_back("--repo");
    args.push_back(Repo());
    std::vector<std::string> argv = {"prlimit", kAddressSpaceLimit, "--"};
    for (const std::string& a : CtlArgv(args)) argv.push_back(a);
    return RunChild(argv, CtlEnv(password), std::chrono::seconds(30));
  }

  // A file holding the repository password with `mode`.
  std::string PasswordFile(const std::string& name, mode_t mode) const {
    const std::string path = Sub(name);
    EXPECT_TRUE(WritePasswordFile(path, kRepoPassword).ok());
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }
};

// `text` with the number after "<field>": replaced by `value`.
std::string WithField(const std::string& text, const std::string& field, const std::string& value) {
  return std::regex_replace(text, std::regex("\"" + field + "\":[0-9]+"), "\"" + field + "\":" + value);
}

void ExpectContains(const ChildResult& r, const std::vector<std::string>& needles) {
  for (const std::string& n : needles) EXPECT_NE(r.err.find(n), std::string::npos) << n << "\n" << r.Describe();
}

// ---------------------------------------------------------------- key files

TEST_F(CliInputs, KeyFileAskingForMoreThanTheLimitsIsNamedAsTamperedWithoutDerivingAKey) {
  InitRepo();
  const std::string original = OnlyKeyFile();
  const std::string text = ReadFileOrEmpty(KeyPath(original));
  ASSERT_NE(text.find("\"memlimit\":67108864"), std::string::npos) << text;
  // The edit: 64 passes over 4 GiB (4.2 GB and 20 s per command).
  const std::string name = Plant(WithField(WithField(text, "opslimit", "64"), "memlimit", "4294967296"));
  fs::remove(KeyPath(original));

  ChildResult r = CtlLimited({"snapshots"});
  ASSERT_FALSE(r.timed_out) << r.Describe();
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  ExpectContains(r, {"keys/" + name, "\"opslimit\" is 64", "1 to " + std::to_string(repo::kMaxKdfOpslimit),
                     "tampered with", "incompatible version", "paymentsctl key list"});
  EXPECT_EQ(r.err.find("Argon2id key derivation failed"), std::string::npos) << "a key derivation ran: " << r.err;
  EXPECT_EQ(r.err.find("wrong password"), std::string::npos) << r.err;

  // Within the passes, above the memory.
  fs::remove(KeyPath(name));
  const std::string big = Plant(WithField(text, "memlimit", std::to_string(repo::kMaxKdfMemlimit + 1024)));
  r = CtlLimited({"snapshots"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  ExpectContains(r, {"keys/" + big, "\"memlimit\"", std::to_string(repo::kMaxKdfMemlimit >> 20) + " MiB",
                     "tampered with"});
}

TEST_F(CliInputs, KeyFileEditedInPlaceIsNamedAsModifiedNotAsAWrongPassword) {
  InitRepo();
  const std::string name = OnlyKeyFile();
  const std::string text = ReadFileOrEmpty(KeyPath(name));
  // One pass instead of two: within the limits, so only the derived key differs.
  PB_ASSERT_OK(WriteFileAtomic(KeyPath(name), WithField(text, "opslimit", "1")));

  ChildResult r = CtlLimited({"snapshots"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  ExpectContains(r, {"keys/" + name, "was modified after it was written", "tampered with", "paymentsctl key list"});
  EXPECT_EQ(r.err.find("wrong password"), std::string::npos) << r.err;

  // A key file that is too large is not even read.
  PB_ASSERT_OK(WriteFileAtomic(KeyPath(name), "{\"padding\":\"" + std::string(8000, 'x') + "\"," + text.substr(1)));
  r = CtlLimited({"snapshots"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  ExpectContains(r, {"keys/" + name, "more than a key file can be"});
}

TEST_F(CliInputs, ATamperedKeyFileBesideAGoodOneIsListedAndCheckedButDoesNotLockTheRepository) {
  InitRepo();
  const std::string good = OnlyKeyFile();
  const std::string bad = Plant(WithField(ReadFileOrEmpty(KeyPath(good)), "opslimit", "64"));

  ChildResult list = CtlLimited({"key", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.Describe();
  JsonDoc doc(list.out);
  simdjson::dom::array keys;
  ASSERT_EQ(doc.root()["keys"].get_array().get(keys), simdjson::SUCCESS) << list.out;
  int listed = 0;
  for (auto key : keys) {
    std::string_view id, problem;
    ASSERT_EQ(key["id"].get_string().get(id), simdjson::SUCCESS) << list.out;
    ++listed;
    const bool has_problem = key["problem"].get_string().get(problem) == simdjson::SUCCESS;
    EXPECT_EQ(has_problem, id == bad) << list.out;
    if (has_problem) {
      EXPECT_NE(problem.find("tampered with"), std::string::npos) << list.out;
    }
  }
  EXPECT_EQ(listed, 2) << list.out;

  ChildResult check = CtlLimited({"check"});
  EXPECT_EQ(check.exit_code, 1) << check.Describe();
  EXPECT_NE((check.out + check.err).find("keys/" + bad), std::string::npos) << check.Describe();
}

// ---------------------------------------------------------------- password files

TEST_F(CliInputs, PasswordFileDevZeroIsRefusedAtOnceWithoutReadingIt) {
  InitRepo();
  ChildResult r = CtlLimited({"snapshots", "--password-file", "/dev/zero"}, /*password=*/"");
  ASSERT_FALSE(r.timed_out) << r.Describe();
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  ExpectContains(r, {"/dev/zero", "is a character device, not a regular file", "PAYMENTS_REPO_PASSWORD"});
}

TEST_F(CliInputs, PasswordFileOthersOrTheGroupCanReadIsRefusedWithTheChmodHint) {
  InitRepo();
  for (mode_t mode : {mode_t{0644}, mode_t{0604}, mode_t{0640}, mode_t{0660}}) {
    const std::string file = PasswordFile("password-" + std::to_string(mode), mode);
    ChildResult r = CtlLimited({"snapshots", "--password-file", file}, "");
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    char shown[8];
    std::snprintf(shown, sizeof(shown), "%04o", static_cast<unsigned>(mode));
    ExpectContains(r, {file, std::string("has mode ") + shown, "chmod 600 " + file});
    ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
    r = CtlLimited({"snapshots", "--password-file", file}, "");
    EXPECT_EQ(r.exit_code, 0) << "after chmod 600: " << r.Describe();
  }
  const std::string strict = PasswordFile("password-0400", 0400);
  EXPECT_EQ(CtlLimited({"snapshots", "--password-file", strict}, "").exit_code, 0);
}

TEST_F(CliInputs, PasswordFileThatIsAFifoOrADirectoryIsRefusedWithoutWaiting) {
  InitRepo();
  const std::string fifo = Sub("password-fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);  // nobody ever writes into it
  ChildResult r = CtlLimited({"snapshots", "--password-file", fifo}, "");
  ASSERT_FALSE(r.timed_out) << "waited for a writer: " << r.Describe();
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  ExpectContains(r, {fifo, "is a FIFO (named pipe), not a regular file"});

  const std::string dir = Sub("password-dir");
  PB_ASSERT_OK(MakeDirs(dir));
  r = CtlLimited({"snapshots", "--password-file", dir}, "");
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  ExpectContains(r, {dir, "is a directory, not a regular file"});
}

TEST_F(CliInputs, PasswordFileLargerThan4KiBIsRefused) {
  InitRepo();
  const std::string file = Sub("password-large");
  PB_ASSERT_OK(WriteFileAtomic(file, std::string(kRepoPassword) + "\n" + std::string(5000, '#')));
  ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
  ChildResult r = CtlLimited({"snapshots", "--password-file", file}, "");
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  ExpectContains(r, {file, "larger than 4096 bytes"});
}

TEST_F(CliInputs, NewPasswordFileOfKeyAddIsCheckedTheSameWay) {
  InitRepo();
  const std::string file = Sub("new-password");
  PB_ASSERT_OK(WriteFileAtomic(file, "a second password\n"));
  ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
  ChildResult r = CtlLimited({"key", "add", "--new-password-file", file});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  ExpectContains(r, {"new repository password file " + file, "has mode 0644", "chmod 600 " + file});
  EXPECT_EQ(std::distance(fs::directory_iterator(Repo() + "/keys"), fs::directory_iterator()), 1)
      << "a key was added";
}

TEST_F(CliInputs, ServiceRepoPasswordFileIsCheckedTheSameWay) {
  InitRepo();
  const std::string file = PasswordFile("service-password", 0644);
  const std::vector<std::string> argv = {BinPath("payments-backend"), "--data-dir", Sub("data"), "--listen",
                                         "127.0.0.1:" + std::to_string(FreeLoopbackPort()), "--replicate-to", Repo(),
                                         "--repo-password-file", file};
  ChildResult r = RunChild(argv, CtlEnv(""), std::chrono::seconds(30));
  ASSERT_FALSE(r.timed_out) << r.Describe();
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  ExpectContains(r, {file, "has mode 0644", "chmod 600 " + file});
}

// Who else has access, by mode, owner and the reader's uid: like ssh, plus
// PostgreSQL's exception for a root-owned secret its group may read.
TEST(PasswordFileAccess, OnlyTheOwnerOrARootSecretForTheGroup) {
  constexpr uid_t kRoot = 0, kUser = 1000;
  struct Case {
    mode_t mode;
    uid_t owner, reader;
    const char* who;
  };
  for (Case c : {Case{0600, kUser, kUser, ""}, Case{0400, kUser, kUser, ""}, Case{0700, kUser, kUser, ""},
                 Case{0640, kUser, kUser, "members of its group"}, Case{0620, kUser, kUser, "members of its group"},
                 Case{0644, kUser, kUser, "other users"}, Case{0602, kUser, kUser, "other users"},
                 Case{0640, kRoot, kUser, ""}, Case{0440, kRoot, kUser, ""},
                 Case{0660, kRoot, kUser, "members of its group"}, Case{0644, kRoot, kUser, "other users"},
                 Case{0640, kRoot, kRoot, "members of its group"}, Case{0600, kUser, kRoot, ""}}) {
    EXPECT_EQ(secrets::WhoElseHasAccess(S_IFREG | c.mode, c.owner, c.reader), c.who)
        << std::oct << c.mode << std::dec << " owner " << c.owner << " reader " << c.reader;
  }
}

}  // namespace
}  // namespace pb::integration
