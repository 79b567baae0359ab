// Issue 16, key files: every check that needs no password comes before any
// key derivation. The process's own count of Argon2id runs (KdfRunCount)
// shows it: a key file asking for a cost above the limits, one too large or
// one malformed costs no derivation at all, and is named (as tampered with,
// or from an incompatible version) when no key file opens; a key file edited
// in place is named as modified, not taken for a wrong password.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>
#include <string_view>

#include "common/sha256.h"
#include "repo/checker.h"
#include "repo/crypto.h"
#include "repo/keys.h"
#include "repo_test_util.h"
#include "support/temp_dir.h"

namespace pb::testing {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kOtherPassword = "another password";

class KeyFileLimits : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = dir_.Sub("repo");
    InitRepo(repo_);
    for (const auto& e : fs::directory_iterator(repo_ + "/keys")) key_ = e.path().filename().string();
    text_ = ReadBytes(KeyPath(key_));
  }
  std::string KeyPath(const std::string& name) const { return repo_ + "/keys/" + name; }

  // Writes `text` as a key file named by its SHA-256 (so that its name gives
  // nothing away); returns the name.
  std::string Plant(const std::string& text) const {
    const std::string name = Sha256Hex(text);
    WriteBytes(KeyPath(name), text);
    return name;
  }
  // Replaces the repository's key file by `text`, named by its SHA-256.
  std::string Replace(const std::string& text) const {
    fs::remove(KeyPath(key_));
    return Plant(text);
  }

  // Opens the repository with `password` and returns the error; `runs` gets
  // the number of key derivations the attempt ran.
  Status OpenError(std::string_view password, uint64_t* runs) const {
    const uint64_t before = repo::KdfRunCount();
    auto opened = OpenRepo(repo_, password, /*load_index=*/false);
    *runs = repo::KdfRunCount() - before;
    return opened.ok() ? Status::Ok() : opened.status();
  }

  TempDir dir_;
  std::string repo_, key_, text_;
};

// `text` with the number after "<field>": replaced by `value`.
std::string WithField(const std::string& text, const std::string& field, const std::string& value) {
  return std::regex_replace(text, std::regex("\"" + field + "\":[0-9]+"), "\"" + field + "\":" + value);
}

void ExpectMentions(const Status& st, std::initializer_list<std::string> needles) {
  for (const std::string& n : needles) EXPECT_NE(st.message().find(n), std::string::npos) << n << "\n" << st.ToString();
}

TEST_F(KeyFileLimits, CostAboveTheLimitsIsRefusedBeforeAnyKeyDerivationAndNamedAsTampered) {
  // The edit (64 passes over 4 GiB): 4.2 GB and 20 s per command before.
  const std::string name = Replace(WithField(WithField(text_, "opslimit", "64"), "memlimit", "4294967296"));
  uint64_t runs = 0;
  Status st = OpenError(kRepoPassword, &runs);
  EXPECT_EQ(runs, 0u) << "a key derivation ran before the refusal";
  EXPECT_EQ(st.kind(), Status::Kind::kCorruption) << st.ToString();
  ExpectMentions(st, {"keys/" + name, "\"opslimit\" is 64", "tampered with", "incompatible version",
                      "paymentsctl key list"});
}

TEST_F(KeyFileLimits, EachFieldOutOfItsLimitIsRefusedWithoutAKeyDerivation) {
  struct Case {
    const char* field;
    std::string value;
  };
  for (const Case& c : {Case{"opslimit", std::to_string(repo::kMaxKdfOpslimit + 1)}, Case{"opslimit", "0"},
                        Case{"memlimit", std::to_string(repo::kMaxKdfMemlimit + 1)}, Case{"memlimit", "4096"},
                        Case{"opslimit", "18446744073709551615"}}) {
    SCOPED_TRACE(std::string(c.field) + " " + c.value);
    const std::string name = Replace(WithField(text_, c.field, c.value));
    key_ = name;
    uint64_t runs = 0;
    Status st = OpenError(kRepoPassword, &runs);
    EXPECT_EQ(runs, 0u);
    EXPECT_EQ(st.kind(), Status::Kind::kCorruption) << st.ToString();
    ExpectMentions(st, {"keys/" + name, std::string("\"") + c.field + "\"", "tampered with"});
  }
}

TEST_F(KeyFileLimits, OversizedOrMalformedKeyFileCostsNoKeyDerivation) {
  const std::string oversized = "{\"padding\":\"" + std::string(repo::kMaxKeyFileBytes, 'x') + "\"," + text_.substr(1);
  for (const std::string& text : {oversized, text_.substr(0, text_.size() / 2), std::string("not json\n")}) {
    const std::string name = Replace(text);
    key_ = name;
    uint64_t runs = 0;
    Status st = OpenError(kRepoPassword, &runs);
    EXPECT_EQ(runs, 0u) << st.ToString();
    EXPECT_EQ(st.kind(), Status::Kind::kCorruption) << st.ToString();
    ExpectMentions(st, {"keys/" + name});
  }
}

TEST_F(KeyFileLimits, KeyFileEditedInPlaceIsNamedAsModifiedNotAsAWrongPassword) {
  WriteBytes(KeyPath(key_), WithField(text_, "memlimit", "16384"));  // within the limits: only the key differs
  uint64_t runs = 0;
  Status st = OpenError(kRepoPassword, &runs);
  EXPECT_EQ(st.kind(), Status::Kind::kCorruption) << st.ToString();
  ExpectMentions(st, {"keys/" + key_, "was modified after it was written", "tampered with"});
  EXPECT_EQ(st.message().find("wrong password"), std::string::npos) << st.ToString();
}

TEST_F(KeyFileLimits, AWrongPasswordStillDerivesOnceAndSaysWrongPassword) {
  uint64_t runs = 0;
  Status st = OpenError("not the password", &runs);
  EXPECT_EQ(runs, 1u);
  EXPECT_EQ(st.kind(), Status::Kind::kInvalidArgument) << st.ToString();
  ExpectMentions(st, {"wrong password"});
}

TEST_F(KeyFileLimits, KeyFilesNamedByTheirHashAreTriedBeforeRenamedOnes) {
  // A key file for another password under a wrong name that sorts first
  // ('-' before any hex digit).
  auto opened = OpenRepo(repo_, kRepoPassword, /*load_index=*/false);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto other = repo::EncodeKeyFile((*opened)->key(), kOtherPassword, repo::kTestOnlyKdf);
  ASSERT_TRUE(other.ok());
  WriteBytes(KeyPath("-renamed"), *other);
  uint64_t runs = 0;
  ASSERT_TRUE(OpenError(kRepoPassword, &runs).ok());
  EXPECT_EQ(runs, 1u) << "the renamed key file was tried before the one named by its hash";
  // It still opens with its own password: its seal authenticates it.
  EXPECT_TRUE(OpenError(kOtherPassword, &runs).ok());
  EXPECT_EQ(runs, 2u);
}

TEST_F(KeyFileLimits, ATamperedKeyFileBesideAGoodOneIsListedAndCheckedButDoesNotLockTheRepository) {
  const std::string bad = Plant(WithField(text_, "opslimit", "64"));
  uint64_t runs = 0;
  ASSERT_TRUE(OpenError(kRepoPassword, &runs).ok());
  EXPECT_EQ(runs, 1u);
  auto opened = OpenRepo(repo_, kRepoPassword, /*load_index=*/false);
  ASSERT_TRUE(opened.ok());
  auto keys = repo::ListKeys(opened->get());
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), 2u);
  for (const repo::KeyEntry& k : *keys) {
    EXPECT_EQ(k.problem.empty(), k.name != bad) << k.name << ": " << k.problem;
    if (k.name == bad) {
      EXPECT_NE(k.problem.find("tampered with"), std::string::npos) << k.problem;
    }
  }
  auto report = Check(repo_, /*read_data=*/false);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(AnyContains(report->problems, "keys/" + bad)) << Lines(report->problems);
}

TEST_F(KeyFileLimits, EncodingRefusesCostsAboveTheLimits) {
  const repo::MasterKey key = repo::MasterKey::Generate();
  const uint64_t before = repo::KdfRunCount();
  for (repo::KdfParams p : {repo::KdfParams{repo::kMaxKdfOpslimit + 1, 8192},
                            repo::KdfParams{1, repo::kMaxKdfMemlimit + 1}}) {
    EXPECT_EQ(repo::EncodeKeyFile(key, "pw", p).status().kind(), Status::Kind::kInvalidArgument);
  }
  EXPECT_EQ(repo::KdfRunCount(), before);
  EXPECT_LE(repo::kDefaultKdf.opslimit, repo::kMaxKdfOpslimit);
  EXPECT_LE(repo::kDefaultKdf.memlimit, repo::kMaxKdfMemlimit);
}

}  // namespace
}  // namespace pb::testing
