// The repository's storage seam (repo/backend.h) on a local directory
// (repo/local/local_backend.h): files round-trip, are written once, appear
// only complete, are listed by name per folder, and no path can reach outside
// the repository.
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
std::set<std::string> Tree(const std::string& root) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    std::string rel = fs::relative(e.path(), root).string();
    out.insert(e.is_regular_file() ? rel + "=" + ReadRaw(e.path().string()) : rel + "/");
  }
  return out;
}

class BackendTest : public ::testing::Test {
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

TEST_F(BackendTest, CreateMakesTheLayoutFolders) {
  for (const char* folder : {"keys", "data", "index", "snapshots", "locks"}) {
    EXPECT_TRUE(fs::is_directory(dir_ + "/" + folder)) << folder;
  }
  EXPECT_NE(backend().Describe().find(dir_), std::string::npos);
  auto opened = LocalBackend::Open(dir_ + "/");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ((*opened)->dir(), dir_);
}

TEST_F(BackendTest, CreateRefusesANonEmptyDirectoryAndLeavesItAlone) {
  ASSERT_TRUE(backend().Write("config", "identity").ok());
  auto before = Tree(dir_);
  auto again = LocalBackend::Create(dir_);
  EXPECT_EQ(again.status().kind(), Kind::kConflict) << again.status().ToString();
  EXPECT_EQ(Tree(dir_), before);

  WriteRaw(tmp_.Sub("file"), "x");
  EXPECT_EQ(LocalBackend::Create(tmp_.Sub("file")).status().kind(), Kind::kConflict);
}

TEST_F(BackendTest, CreateAcceptsAnEmptyExistingDirectory) {
  fs::create_directory(tmp_.Sub("empty"));
  auto created = LocalBackend::Create(tmp_.Sub("empty"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(fs::is_directory(tmp_.Sub("empty/keys")));
}

TEST_F(BackendTest, OpenTellsMissingForeignAndDamagedDirectoriesApart) {
  auto missing = LocalBackend::Open(tmp_.Sub("nowhere"));
  EXPECT_EQ(missing.status().kind(), Kind::kNotFound);
  EXPECT_NE(missing.status().message().find("nowhere"), std::string::npos);

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

TEST_F(BackendTest, WrittenFilesReadBackWholeInEveryFolder) {
  std::string binary("\0\x01\xff\n\r", 5);
  std::vector<std::pair<std::string, std::string>> files = {
      {"config", "identity"},
      {"keys/" + NameOf("k"), "{\"version\":1}\n"},
      {"index/" + NameOf("i"), binary},
      {"snapshots/" + NameOf("s"), std::string(3 << 20, 's')},  // several ReadChunks pieces
      {"locks/" + NameOf("l"), ""},
      {PathOf("data", NameOf("d")), binary + binary},
  };
  for (const auto& [path, bytes] : files) ASSERT_TRUE(backend().Write(path, bytes).ok()) << path;
  for (const auto& [path, bytes] : files) {
    auto read = backend().Read(path);
    ASSERT_TRUE(read.ok()) << path << ": " << read.status().ToString();
    EXPECT_EQ(*read, bytes) << path;
    auto size = backend().Size(path);
    ASSERT_TRUE(size.ok()) << path;
    EXPECT_EQ(*size, bytes.size()) << path;
    // The layout maps one to one onto the directory.
    EXPECT_EQ(ReadRaw(dir_ + "/" + path), bytes) << path;
  }
}

TEST_F(BackendTest, WriteCreatesTheDataSubfolderOnFirstUse) {
  EXPECT_FALSE(fs::exists(dir_ + "/data/7f"));
  std::string name = PackName("7f");
  ASSERT_TRUE(backend().Write("data/7f/" + name, "pack").ok());
  EXPECT_TRUE(fs::is_directory(dir_ + "/data/7f"));
  ASSERT_TRUE(backend().Write("data/7f/" + PackName("7f", '1'), "pack2").ok());
  EXPECT_EQ(*backend().Read("data/7f/" + name), "pack");
}

TEST_F(BackendTest, RewritingTheSameContentIsAHarmlessNoOp) {
  const std::string path = "keys/" + NameOf("key");
  ASSERT_TRUE(backend().Write(path, "key").ok());
  EXPECT_TRUE(backend().Write(path, "key").ok());
  EXPECT_EQ(*backend().Read(path), "key");
}

TEST_F(BackendTest, RewritingWithOtherContentIsAConflictAndKeepsTheFile) {
  const std::string path = "index/" + NameOf("one");
  ASSERT_TRUE(backend().Write(path, "one").ok());
  for (std::string_view other : {"two", "onex", "", "on"}) {
    Status st = backend().Write(path, other);
    EXPECT_EQ(st.kind(), Kind::kConflict) << other << ": " << st.ToString();
    EXPECT_NE(st.message().find(dir_ + "/" + path), std::string::npos) << st.message();
  }
  EXPECT_EQ(*backend().Read(path), "one");
  EXPECT_EQ(backend().List("index")->size(), 1u);  // no temporaries left behind
  EXPECT_EQ(*backend().RemoveTemporaryFiles(), 0u);
}

TEST_F(BackendTest, ConcurrentWritersOfOnePathAgreeOrConflict) {
  const std::string same = "snapshots/" + NameOf("same");
  const std::string contested = "locks/" + NameOf("contested");
  constexpr int kThreads = 8;
  std::vector<Status> same_results(kThreads), contested_results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      same_results[t] = backend().Write(same, std::string(1 << 20, 'x'));
      contested_results[t] = backend().Write(contested, "writer " + std::to_string(t));
    });
  }
  for (auto& th : threads) th.join();
  int winners = 0;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_TRUE(same_results[t].ok()) << same_results[t].ToString();
    if (contested_results[t].ok()) {
      ++winners;
      EXPECT_EQ(*backend().Read(contested), "writer " + std::to_string(t));
    } else {
      EXPECT_EQ(contested_results[t].kind(), Kind::kConflict) << contested_results[t].ToString();
    }
  }
  EXPECT_EQ(winners, 1);
  EXPECT_EQ(*backend().Read(same), std::string(1 << 20, 'x'));
  EXPECT_EQ(*backend().RemoveTemporaryFiles(), 0u);
}

TEST_F(BackendTest, RemoveDeletesAndMissingFilesAreNotFound) {
  const std::string path = PathOf("data", PackName("00"));
  ASSERT_TRUE(backend().Write(path, "p").ok());
  ASSERT_TRUE(backend().Remove(path).ok());
  EXPECT_FALSE(fs::exists(dir_ + "/" + path));
  EXPECT_EQ(backend().Remove(path).kind(), Kind::kNotFound);
  EXPECT_EQ(backend().Read(path).status().kind(), Kind::kNotFound);
  EXPECT_EQ(backend().ReadRange(path, 0, 0).status().kind(), Kind::kNotFound);
  EXPECT_EQ(backend().Size(path).status().kind(), Kind::kNotFound);
  EXPECT_EQ(backend().Read("config").status().kind(), Kind::kNotFound);
  EXPECT_EQ(backend().Read("data/ab/" + PackName("ab")).status().kind(), Kind::kNotFound);  // no subfolder yet
  // A removed name may be written again (prune, then a later backup).
  EXPECT_TRUE(backend().Write(path, "q").ok());
  EXPECT_EQ(*backend().Read(path), "q");
}

// --- List ------------------------------------------------------------------

TEST_F(BackendTest, ListGivesTheSortedNamesOfEachFolder) {
  for (std::string_view folder : kFolders) {
    auto empty = backend().List(folder);
    ASSERT_TRUE(empty.ok()) << folder << ": " << empty.status().ToString();
    EXPECT_TRUE(empty->empty()) << folder;
  }
  ASSERT_TRUE(backend().Write("config", "c").ok());
  std::vector<std::string> keys = {NameOf("b"), NameOf("a"), NameOf("c")};
  for (const auto& k : keys) ASSERT_TRUE(backend().Write(PathOf("keys", k), k).ok());
  ASSERT_TRUE(backend().Write(PathOf("index", NameOf("x")), "x").ok());
  ASSERT_TRUE(backend().Write(PathOf("snapshots", NameOf("y")), "y").ok());
  ASSERT_TRUE(backend().Write(PathOf("locks", NameOf("z")), "z").ok());

  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(*backend().List("keys"), keys);
  EXPECT_EQ(*backend().List("index"), std::vector<std::string>{NameOf("x")});
  EXPECT_EQ(*backend().List("snapshots"), std::vector<std::string>{NameOf("y")});
  EXPECT_EQ(*backend().List("locks"), std::vector<std::string>{NameOf("z")});
}

TEST_F(BackendTest, ListOfDataGathersThePacksOfAllSubfolders) {
  std::vector<std::string> packs = {PackName("ff"), PackName("00"), PackName("00", '5'), PackName("a3")};
  for (const auto& p : packs) ASSERT_TRUE(backend().Write(PathOf("data", p), p).ok());
  fs::create_directory(dir_ + "/data/42");  // an empty subfolder is fine
  std::sort(packs.begin(), packs.end());
  auto listed = backend().List("data");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(*listed, packs);
  for (const auto& name : *listed) EXPECT_EQ(*backend().Read(PathOf("data", name)), name);
}

TEST_F(BackendTest, ListRefusesWhatIsNotAFolderOfTheLayout) {
  for (std::string_view folder : {"config", "", "data/ab", "keys/", "/keys", "..", "tmp"}) {
    EXPECT_EQ(backend().List(folder).status().kind(), Kind::kInvalidArgument) << folder;
  }
}

TEST_F(BackendTest, ListReportsAForeignEntryAsCorruptionNamingIt) {
  struct Case {
    std::string folder;
    std::string make;  // relative path created
    bool is_dir;
  };
  std::vector<Case> cases = {
      {"keys", "keys/README.md", false},
      {"keys", "keys/" + NameOf("d"), true},
      {"index", "index/.hidden", false},
      {"data", "data/zz", true},
      {"data", "data/AB", true},
      {"data", "data/" + PackName("ab"), false},     // pack outside a subfolder
      {"data", "data/ab/" + PackName("cd"), false},  // pack in the wrong subfolder
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

// --- ReadRange -------------------------------------------------------------

TEST_F(BackendTest, ReadRangeGivesExactlyTheBytesAskedFor) {
  const std::string path = PathOf("data", PackName("10"));
  const std::string bytes = "0123456789";
  ASSERT_TRUE(backend().Write(path, bytes).ok());
  EXPECT_EQ(*backend().ReadRange(path, 0, 10), bytes);
  EXPECT_EQ(*backend().ReadRange(path, 3, 4), "3456");
  EXPECT_EQ(*backend().ReadRange(path, 9, 1), "9");
  EXPECT_EQ(*backend().ReadRange(path, 10, 0), "");
  EXPECT_EQ(*backend().ReadRange(path, 0, 0), "");
}

TEST_F(BackendTest, ReadRangeBeyondTheEndIsCorruptionNeverAShortRead) {
  const std::string path = PathOf("data", PackName("10"));
  ASSERT_TRUE(backend().Write(path, "0123456789").ok());
  struct Range {
    uint64_t offset;
    size_t length;
  };
  for (Range r : {Range{0, 11}, Range{9, 2}, Range{10, 1}, Range{11, 0}, Range{UINT64_MAX, 1},
                  Range{5, SIZE_MAX}, Range{UINT64_MAX, SIZE_MAX}}) {
    auto read = backend().ReadRange(path, r.offset, r.length);
    EXPECT_EQ(read.status().kind(), Kind::kCorruption) << r.offset << "+" << r.length;
    EXPECT_NE(read.status().message().find(path), std::string::npos);
    EXPECT_NE(read.status().message().find("10 bytes"), std::string::npos) << read.status().message();
  }
}

// --- Paths -----------------------------------------------------------------

TEST(RepositoryPath, AcceptsExactlyTheLayout) {
  const std::string h = NameOf("x");
  for (const std::string& ok : {std::string("config"), "keys/" + h, "index/" + h, "snapshots/" + h, "locks/" + h,
                                "data/" + h.substr(0, 2) + "/" + h, std::string("keys/a"), std::string("data/ab/ab"),
                                "keys/" + std::string(128, 'f')}) {
    EXPECT_TRUE(ValidatePath(ok).ok()) << ok << ": " << ValidatePath(ok).ToString();
  }
  EXPECT_EQ(PathOf("keys", h), "keys/" + h);
  EXPECT_EQ(PathOf("data", h), "data/" + h.substr(0, 2) + "/" + h);
}

// Paths a crafted or buggy name could produce; none may be accepted.
const std::vector<std::string>& BadPaths() {
  static const std::vector<std::string> kBad = {
      "",
      "../x",
      "/etc/passwd",
      "/keys/a",
      "data/../../x",
      "data//x",
      "data/ab//ab",
      "data/ab/../../x",
      "config/../keys/a",
      "config/",
      "configx",
      "unknownfolder/x",
      "x",
      "keys",
      "keys/",
      "keys/..",
      "keys/.",
      "keys/a/b",
      "keys//a",
      "keys/a.tmp-1-0",
      "keys/.hidden",
      "keys/a b",
      std::string("keys/a\0b", 8),
      std::string("keys/a\0", 7),
      "keys/a\nb",
      "keys/a\r",
      "keys/a\\b",
      "keys/\xc3\xa9",
      "keys/" + std::string(129, 'a'),
      "Keys/a",
      "./keys/a",
      "data/ab",
      "data/ab/",
      "data/ab/cd",  // wrong subfolder for the name
      "data/AB/AB",
      "data/a/a",
      "data/abc/abc",
      "data/zz/zz",
      "data/x",
  };
  return kBad;
}

TEST(RepositoryPath, RefusesEverythingElse) {
  for (const std::string& bad : BadPaths()) {
    Status st = ValidatePath(bad);
    EXPECT_EQ(st.kind(), Kind::kInvalidArgument) << "\"" << bad << "\"";
    EXPECT_EQ(st.message().find('\n'), std::string::npos) << "message must not carry a raw newline";
  }
}

TEST_F(BackendTest, InvalidPathsAreRefusedWithoutTouchingAnything) {
  // A file the escaping paths would reach, and the tree around the repository.
  WriteRaw(tmp_.Sub("x"), "victim");
  ASSERT_TRUE(backend().Write("keys/a", "a").ok());
  const auto before = Tree(tmp_.path());
  for (const std::string& bad : BadPaths()) {
    SCOPED_TRACE("\"" + bad + "\"");
    EXPECT_EQ(backend().Write(bad, "evil").kind(), Kind::kInvalidArgument);
    EXPECT_EQ(backend().Read(bad).status().kind(), Kind::kInvalidArgument);
    EXPECT_EQ(backend().ReadRange(bad, 0, 1).status().kind(), Kind::kInvalidArgument);
    EXPECT_EQ(backend().Size(bad).status().kind(), Kind::kInvalidArgument);
    EXPECT_EQ(backend().Remove(bad).kind(), Kind::kInvalidArgument);
  }
  EXPECT_EQ(Tree(tmp_.path()), before);
}

// --- Interrupted writes ----------------------------------------------------

TEST_F(BackendTest, LeftoversOfInterruptedWritesAreInvisibleAndRemovable) {
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
TEST_F(BackendTest, AFileInPlaceOfAFolderIsAnIOErrorNamingThePath) {
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

TEST_F(BackendTest, AFileInPlaceOfADataSubfolderIsAnIOErrorNamingThePath) {
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
