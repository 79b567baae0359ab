// What only the local directory backend (repo/local/local_backend.h) does,
// beside the contract every backend keeps (backend_contract_test.cc, run on
// this one too): the layout's folders on disk, a directory that is not a
// repository, writers of different bytes racing for one name, folders and
// leftovers of interrupted writes in the tree, and a file where a folder
// should be.
#include "repo/local/local_backend.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/sha256.h"
#include "common/status.h"
#include "support/temp_dir.h"

namespace pb::repo {
namespace {

namespace fs = std::filesystem;
using Kind = Status::Kind;

// A valid name as the repository makes them: the hex SHA-256 of the bytes.
std::string NameOf(std::string_view bytes) {
  Sha256 h;
  h.Update(bytes);
  return ToHex(h.Finish());
}

// A name in data/<prefix>: `prefix` followed by hex digits.
std::string PackName(std::string_view prefix, char fill = '0') {
  return std::string(prefix) + std::string(62, fill);
}

void WriteRaw(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  ASSERT_TRUE(out.good()) << path;
}

std::string ReadRaw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Every path under `root` (relative), files with their content: a picture of
// the tree to compare before and after an operation.
std::set<std::string> FilesUnder(const std::string& root) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    std::string rel = fs::relative(e.path(), root).string();
    out.insert(e.is_regular_file() ? rel + "=" + ReadRaw(e.path().string()) : rel + "/");
  }
  return out;
}

class LocalBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.Sub("repo");
    auto created = LocalBackend::Create(dir_);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    backend_ = std::move(created).value();
  }

  Backend& backend() { return *backend_; }

  pb::testing::TempDir tmp_;
  std::string dir_;
  std::unique_ptr<LocalBackend> backend_;
};

// --- Create and Open -------------------------------------------------------

TEST_F(LocalBackendTest, CreateMakesTheLayoutFolders) {
  for (const char* folder : {"keys", "data", "index", "snapshots", "locks"}) {
    EXPECT_TRUE(fs::is_directory(dir_ + "/" + folder)) << folder;
  }
  EXPECT_NE(backend().Describe().find(dir_), std::string::npos);
  auto opened = LocalBackend::Open(dir_ + "/");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ((*opened)->dir(), dir_);
}

TEST_F(LocalBackendTest, CreateRefusesAFileAndANonEmptyDirectoryAndLeavesThemAlone) {
  WriteRaw(tmp_.Sub("file"), "x");
  EXPECT_EQ(LocalBackend::Create(tmp_.Sub("file")).status().kind(), Kind::kConflict);
  EXPECT_EQ(ReadRaw(tmp_.Sub("file")), "x");
  fs::create_directory(tmp_.Sub("other"));
  WriteRaw(tmp_.Sub("other/notes"), "y");
  auto before = FilesUnder(tmp_.Sub("other"));
  EXPECT_EQ(LocalBackend::Create(tmp_.Sub("other")).status().kind(), Kind::kConflict);
  EXPECT_EQ(FilesUnder(tmp_.Sub("other")), before);
}

TEST_F(LocalBackendTest, CreateAcceptsAnEmptyExistingDirectory) {
  fs::create_directory(tmp_.Sub("empty"));
  auto created = LocalBackend::Create(tmp_.Sub("empty"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(fs::is_directory(tmp_.Sub("empty/keys")));
}

TEST_F(LocalBackendTest, OpenTellsForeignAndDamagedDirectoriesApart) {
  fs::create_directory(tmp_.Sub("plain"));
  EXPECT_EQ(LocalBackend::Open(tmp_.Sub("plain")).status().kind(), Kind::kInvalidArgument);
  WriteRaw(tmp_.Sub("file"), "x");
  EXPECT_EQ(LocalBackend::Open(tmp_.Sub("file")).status().kind(), Kind::kInvalidArgument);

  fs::remove(dir_ + "/index");
  auto damaged = LocalBackend::Open(dir_);
  EXPECT_EQ(damaged.status().kind(), Kind::kCorruption);
  EXPECT_NE(damaged.status().message().find("index"), std::string::npos);
}

// --- Write, Read, Size, Remove ---------------------------------------------

TEST_F(LocalBackendTest, WriteCreatesTheDataSubfolderOnFirstUse) {
  EXPECT_FALSE(fs::exists(dir_ + "/data/7f"));
  ASSERT_TRUE(backend().Write("data/7f/" + PackName("7f"), "pack").ok());
  EXPECT_TRUE(fs::is_directory(dir_ + "/data/7f"));
  EXPECT_EQ(ReadRaw(dir_ + "/data/7f/" + PackName("7f")), "pack");
}

// A rename that never replaces lets exactly one of several writers of
// different bytes win (S3 has no such rename: s3_backend.h).
TEST_F(LocalBackendTest, ConcurrentWritersOfOtherContentOneWinsTheOthersConflict) {
  const std::string contested = "locks/" + NameOf("contested");
  constexpr int kThreads = 8;
  std::vector<Status> contested_results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] { contested_results[t] = backend().Write(contested, "writer " + std::to_string(t)); });
  }
  for (auto& th : threads) th.join();
  int winners = 0;
  for (int t = 0; t < kThreads; ++t) {
    if (contested_results[t].ok()) {
      ++winners;
      EXPECT_EQ(*backend().Read(contested), "writer " + std::to_string(t));
    } else {
      EXPECT_EQ(contested_results[t].kind(), Kind::kConflict) << contested_results[t].ToString();
    }
  }
  EXPECT_EQ(winners, 1);
  EXPECT_EQ(*backend().RemoveTemporaryFiles(), 0u);
}

// --- List ------------------------------------------------------------------

TEST_F(LocalBackendTest, AnEmptyDataSubfolderIsFine) {
  std::vector<std::string> packs = {PackName("ff"), PackName("00"), PackName("00", '5'), PackName("a3")};
  for (const auto& p : packs) ASSERT_TRUE(backend().Write(PathOf("data", p), p).ok());
  fs::create_directory(dir_ + "/data/42");
  std::sort(packs.begin(), packs.end());
  auto listed = backend().List("data");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(*listed, packs);
}

// Foreign files are the contract's; folders only a directory can hold.
TEST_F(LocalBackendTest, ListReportsAForeignFolderAsCorruptionNamingIt) {
  struct Case {
    std::string folder;
    std::string make;  // relative path created
    bool is_dir;
  };
  std::vector<Case> cases = {
      {"keys", "keys/" + NameOf("d"), true},
      {"data", "data/zz", true},
      {"data", "data/AB", true},
  };
  for (const auto& c : cases) {
    const std::string full = dir_ + "/" + c.make;
    fs::create_directories(fs::path(full).parent_path());
    if (c.is_dir) {
      fs::create_directory(full);
    } else {
      WriteRaw(full, "foreign");
    }
    auto listed = backend().List(c.folder);
    EXPECT_EQ(listed.status().kind(), Kind::kCorruption) << c.make;
    EXPECT_NE(listed.status().message().find(full), std::string::npos) << listed.status().message();
    fs::remove(full);
    EXPECT_TRUE(backend().List(c.folder).ok()) << c.make;
  }
}

// --- Interrupted writes ----------------------------------------------------

TEST_F(LocalBackendTest, LeftoversOfInterruptedWritesAreInvisibleAndRemovable) {
  const std::string key = NameOf("key");
  const std::string pack = PackName("ab");
  ASSERT_TRUE(backend().Write("keys/" + key, "done").ok());
  // What a crash between creating the temporary file and renaming it leaves.
  WriteRaw(dir_ + "/keys/" + NameOf("half") + ".tmp-4242-0", "partial");
  fs::create_directory(dir_ + "/data/ab");
  WriteRaw(dir_ + "/data/ab/" + pack + ".tmp-4242-1", "partial pack");
  WriteRaw(dir_ + "/config.tmp-4242-2", "partial config");

  EXPECT_EQ(*backend().List("keys"), std::vector<std::string>{key});
  EXPECT_TRUE(backend().List("data")->empty());
  EXPECT_EQ(backend().Read("keys/" + NameOf("half")).status().kind(), Kind::kNotFound);
  EXPECT_EQ(backend().Read("data/ab/" + pack).status().kind(), Kind::kNotFound);
  EXPECT_EQ(backend().Read("config").status().kind(), Kind::kNotFound);

  // The interrupted file can still be written properly afterwards.
  ASSERT_TRUE(backend().Write("data/ab/" + pack, "whole pack").ok());
  EXPECT_EQ(*backend().List("data"), std::vector<std::string>{pack});

  auto removed = backend().RemoveTemporaryFiles();
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 3u);
  EXPECT_FALSE(fs::exists(dir_ + "/keys/" + NameOf("half") + ".tmp-4242-0"));
  EXPECT_FALSE(fs::exists(dir_ + "/data/ab/" + pack + ".tmp-4242-1"));
  EXPECT_FALSE(fs::exists(dir_ + "/config.tmp-4242-2"));
  EXPECT_EQ(*backend().Read("keys/" + key), "done");
  EXPECT_EQ(*backend().Read("data/ab/" + pack), "whole pack");
  EXPECT_EQ(*backend().RemoveTemporaryFiles(), 0u);
}

// --- I/O errors ------------------------------------------------------------

// Tests run as root, so permission bits cannot make the system refuse; a file
// standing where the layout needs a folder does (ENOTDIR).
TEST_F(LocalBackendTest, AFileInPlaceOfAFolderIsAnIOErrorNamingThePath) {
  ASSERT_TRUE(fs::remove(dir_ + "/keys"));
  WriteRaw(dir_ + "/keys", "not a folder");
  const std::string path = "keys/" + NameOf("k");
  const std::string full = dir_ + "/" + path;

  Status write = backend().Write(path, "k");
  EXPECT_EQ(write.kind(), Kind::kIOError) << write.ToString();
  EXPECT_NE(write.message().find(full), std::string::npos) << write.message();
  EXPECT_NE(write.message().find("Not a directory"), std::string::npos) << write.message();
  EXPECT_NE(write.message().find("paymentsctl check"), std::string::npos) << write.message();

  auto read = backend().Read(path);
  EXPECT_EQ(read.status().kind(), Kind::kIOError);
  EXPECT_NE(read.status().message().find(full), std::string::npos) << read.status().message();
  for (auto status : {backend().ReadRange(path, 0, 1).status(), backend().Size(path).status(),
                      backend().Remove(path), backend().List("keys").status()}) {
    EXPECT_EQ(status.kind(), Kind::kIOError) << status.ToString();
    EXPECT_NE(status.message().find(dir_ + "/keys"), std::string::npos) << status.message();
  }
  EXPECT_EQ(ReadRaw(dir_ + "/keys"), "not a folder");
}

TEST_F(LocalBackendTest, AFileInPlaceOfADataSubfolderIsAnIOErrorNamingThePath) {
  WriteRaw(dir_ + "/data/ab", "not a folder");
  const std::string path = "data/ab/" + PackName("ab");
  Status write = backend().Write(path, "p");
  EXPECT_EQ(write.kind(), Kind::kIOError) << write.ToString();
  EXPECT_NE(write.message().find(dir_ + "/" + path), std::string::npos) << write.message();
  EXPECT_EQ(ReadRaw(dir_ + "/data/ab"), "not a folder");
  EXPECT_EQ(backend().List("data").status().kind(), Kind::kCorruption);
}

}  // namespace
}  // namespace pb::repo
