// The contract of repo/backend.h, run against every storage backend: the
// local directory (repo/local/) and S3 (repo/s3/, against a real s3rver on
// 127.0.0.1, listing two keys a page so that every listing follows
// continuation tokens). Files round-trip, are written once, appear only
// complete, are listed by name per folder, ranges are exact or Corruption,
// and no invalid path reaches storage. What only one backend does is in
// tests/unit/local_backend_test.cc and s3_backend_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/sha256.h"
#include "common/status.h"
#include "support/backend_storage.h"
#include "support/data_files.h"

namespace pb::repo {
namespace {

using integration::RandomBytes;
using Kind = Status::Kind;

// A valid name as the repository makes them: the hex SHA-256 of the bytes.
std::string NameOf(std::string_view bytes) { return Sha256Hex(bytes); }

// A name in data/<prefix>: `prefix` followed by hex digits.
std::string PackName(std::string_view prefix, char fill = '0') { return std::string(prefix) + std::string(62, fill); }

class BackendContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    storage_ = contract::MakeStorage(GetParam());
    Status started = storage_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    auto created = storage_->Create("repo");
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    backend_ = std::move(created).value();
  }

  Backend& backend() { return *backend_; }
  contract::Storage& storage() { return *storage_; }

  std::unique_ptr<contract::Storage> storage_;
  std::unique_ptr<Backend> backend_;
};

// --- Create and Open -------------------------------------------------------

TEST_P(BackendContract, CreateRefusesAPlaceHoldingARepositoryAndLeavesItAlone) {
  ASSERT_TRUE(backend().Write("config", "identity").ok());
  const auto before = storage().Everything();
  auto again = storage().Create("repo");
  EXPECT_EQ(again.status().kind(), Kind::kConflict) << again.status().ToString();
  EXPECT_EQ(storage().Everything(), before);
  auto opened = storage().Open("repo");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*(*opened)->Read("config"), "identity");
  EXPECT_NE(backend().Describe().find(storage().Where("repo", "")), std::string::npos) << backend().Describe();
  // A sibling whose name merely starts with the same letters is another repository.
  auto sibling = storage().Create("rep");
  ASSERT_TRUE(sibling.ok()) << sibling.status().ToString();
  EXPECT_EQ((*sibling)->Read("config").status().kind(), Kind::kNotFound);
}

TEST_P(BackendContract, OpeningWhereNoRepositoryIsIsNotFoundNamingThePlace) {
  auto missing = storage().Open("nowhere");
  EXPECT_EQ(missing.status().kind(), Kind::kNotFound) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("nowhere"), std::string::npos) << missing.status().ToString();
}

// --- Write, Read, Size, Remove ---------------------------------------------

TEST_P(BackendContract, WrittenFilesReadBackWholeInEveryFolder) {
  std::string binary("\0\x01\xff\n\r", 5);
  const std::string pack = RandomBytes(100000, 1);
  std::vector<std::pair<std::string, std::string>> files = {
      {"config", "identity"},
      {"keys/" + NameOf("k"), "{\"version\":1}\n"},
      {"index/" + NameOf("i"), binary},
      {"snapshots/" + NameOf("s"), std::string(3 << 20, 's')},  // several ReadChunks pieces
      {"locks/" + NameOf("l"), ""},
      {"wal/" + NameOf("w"), binary},
      {PathOf("data", NameOf("d")), binary + binary},
      {PathOf("data", NameOf(pack)), pack},
  };
  for (const auto& [path, bytes] : files) ASSERT_TRUE(backend().Write(path, bytes).ok()) << path;
  for (const auto& [path, bytes] : files) {
    auto read = backend().Read(path);
    ASSERT_TRUE(read.ok()) << path << ": " << read.status().ToString();
    EXPECT_TRUE(*read == bytes) << path;
    auto size = backend().Size(path);
    ASSERT_TRUE(size.ok()) << path;
    EXPECT_EQ(*size, bytes.size()) << path;
    // The layout maps one to one onto the storage (a file, an object key).
    EXPECT_TRUE(storage().Stored("repo", path) == bytes) << path;
  }
  EXPECT_EQ(backend().Read(PathOf("index", NameOf("absent"))).status().kind(), Kind::kNotFound);
  EXPECT_EQ(backend().Size(PathOf("index", NameOf("absent"))).status().kind(), Kind::kNotFound);
}

TEST_P(BackendContract, PacksOfOneDataSubfolderAreStoredApart) {
  ASSERT_TRUE(backend().Write("data/7f/" + PackName("7f"), "pack").ok());
  ASSERT_TRUE(backend().Write("data/7f/" + PackName("7f", '1'), "pack2").ok());
  EXPECT_EQ(*backend().Read("data/7f/" + PackName("7f")), "pack");
  EXPECT_EQ(*backend().Read("data/7f/" + PackName("7f", '1')), "pack2");
}

TEST_P(BackendContract, RewritingTheSameContentIsAHarmlessNoOp) {
  const std::string path = "keys/" + NameOf("key");
  ASSERT_TRUE(backend().Write(path, "key").ok());
  EXPECT_TRUE(backend().Write(path, "key").ok());
  EXPECT_EQ(*backend().Read(path), "key");
}

TEST_P(BackendContract, RewritingWithOtherContentIsAConflictAndKeepsTheFile) {
  const std::string path = "index/" + NameOf("one");
  ASSERT_TRUE(backend().Write(path, "one").ok());
  for (std::string_view other : {"two", "onE", "onex", "", "on"}) {  // same size and other sizes
    Status st = backend().Write(path, other);
    EXPECT_EQ(st.kind(), Kind::kConflict) << other << ": " << st.ToString();
    EXPECT_NE(st.message().find(storage().Where("repo", path)), std::string::npos) << st.message();
  }
  EXPECT_EQ(*backend().Read(path), "one");
  EXPECT_EQ(backend().List("index")->size(), 1u);  // no temporaries left behind
  EXPECT_EQ(*backend().RemoveTemporaryFiles(), 0u);
}

TEST_P(BackendContract, ConcurrentWritersOfTheSameContentAllSucceed) {
  const std::string same = "snapshots/" + NameOf("same");
  constexpr int kThreads = 8;
  std::vector<Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] { results[t] = backend().Write(same, std::string(1 << 20, 'x')); });
  }
  for (auto& th : threads) th.join();
  for (const Status& st : results) EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(*backend().Read(same), std::string(1 << 20, 'x'));
  EXPECT_EQ(*backend().RemoveTemporaryFiles(), 0u);
}

TEST_P(BackendContract, RemoveDeletesAndMissingFilesAreNotFound) {
  const std::string path = PathOf("data", PackName("00"));
  ASSERT_TRUE(backend().Write(path, "p").ok());
  ASSERT_TRUE(backend().Remove(path).ok());
  EXPECT_FALSE(storage().Stored("repo", path).has_value());
  EXPECT_EQ(backend().Remove(path).kind(), Kind::kNotFound);
  EXPECT_EQ(backend().Read(path).status().kind(), Kind::kNotFound);
  EXPECT_EQ(backend().ReadRange(path, 0, 0).status().kind(), Kind::kNotFound);
  EXPECT_EQ(backend().ReadRange(path, 0, 1).status().kind(), Kind::kNotFound);
  EXPECT_EQ(backend().Size(path).status().kind(), Kind::kNotFound);
  EXPECT_EQ(backend().Read("config").status().kind(), Kind::kNotFound);
  EXPECT_EQ(backend().Read("data/ab/" + PackName("ab")).status().kind(), Kind::kNotFound);  // no subfolder yet
  EXPECT_TRUE(backend().List("data")->empty());
  // A removed name may be written again (prune, then a later backup).
  EXPECT_TRUE(backend().Write(path, "q").ok());
  EXPECT_EQ(*backend().Read(path), "q");
}

// --- List ------------------------------------------------------------------

TEST_P(BackendContract, ListGivesTheSortedNamesOfEachFolder) {
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

TEST_P(BackendContract, ListOfDataGathersThePacksOfAllSubfolders) {
  std::vector<std::string> packs = {PackName("ff"), PackName("00"), PackName("00", '5'), PackName("a3")};
  for (int i = 0; i < 7; ++i) packs.push_back(NameOf("pack " + std::to_string(i)));
  for (const auto& p : packs) ASSERT_TRUE(backend().Write(PathOf("data", p), p).ok());
  std::sort(packs.begin(), packs.end());
  auto listed = backend().List("data");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(*listed, packs);
  for (const auto& name : *listed) EXPECT_EQ(*backend().Read(PathOf("data", name)), name);
}

TEST_P(BackendContract, ListRefusesWhatIsNotAFolderOfTheLayout) {
  for (std::string_view folder : {"config", "", "data/ab", "keys/", "/keys", "..", "tmp"}) {
    EXPECT_EQ(backend().List(folder).status().kind(), Kind::kInvalidArgument) << folder;
  }
}

TEST_P(BackendContract, ListReportsAForeignFileAsCorruptionNamingIt) {
  struct Case {
    std::string folder;
    std::string rel;  // where the foreign file is put, relative to the repository
  };
  const std::vector<Case> cases = {
      {"keys", "keys/README.md"},
      {"index", "index/.hidden"},
      {"index", "index/notes.txt"},
      {"data", "data/" + PackName("ab")},          // pack outside a subfolder
      {"data", "data/ab/" + PackName("cd")},       // pack in the wrong subfolder
  };
  for (const auto& c : cases) {
    storage().PutForeign("repo", c.rel, "foreign");
    auto listed = backend().List(c.folder);
    EXPECT_EQ(listed.status().kind(), Kind::kCorruption) << c.rel;
    EXPECT_NE(listed.status().message().find(storage().Where("repo", c.rel)), std::string::npos)
        << listed.status().message();
    storage().RemoveForeign("repo", c.rel);
    EXPECT_TRUE(backend().List(c.folder).ok()) << c.rel;
  }
}

// --- ReadRange -------------------------------------------------------------

TEST_P(BackendContract, ReadRangeGivesExactlyTheBytesAskedFor) {
  const std::string path = PathOf("data", PackName("10"));
  const std::string bytes = "0123456789";
  ASSERT_TRUE(backend().Write(path, bytes).ok());
  EXPECT_EQ(*backend().ReadRange(path, 0, 10), bytes);
  EXPECT_EQ(*backend().ReadRange(path, 3, 4), "3456");
  EXPECT_EQ(*backend().ReadRange(path, 9, 1), "9");
  EXPECT_EQ(*backend().ReadRange(path, 10, 0), "");
  EXPECT_EQ(*backend().ReadRange(path, 0, 0), "");

  const std::string random = RandomBytes(5000, 2);
  const std::string random_path = PathOf("data", NameOf(random));
  ASSERT_TRUE(backend().Write(random_path, random).ok());
  EXPECT_EQ(*backend().ReadRange(random_path, 0, 10), random.substr(0, 10));
  EXPECT_EQ(*backend().ReadRange(random_path, 4990, 10), random.substr(4990));
  EXPECT_EQ(*backend().ReadRange(random_path, 5000, 0), "");
}

TEST_P(BackendContract, ReadRangeBeyondTheEndIsCorruptionNeverAShortRead) {
  const std::string path = PathOf("data", PackName("10"));
  ASSERT_TRUE(backend().Write(path, "0123456789").ok());
  struct Range {
    uint64_t offset;
    size_t length;
  };
  for (Range r : {Range{0, 11}, Range{9, 2}, Range{10, 1}, Range{11, 0}, Range{15, 5}, Range{UINT64_MAX, 1},
                  Range{5, SIZE_MAX}, Range{UINT64_MAX, SIZE_MAX}}) {
    auto read = backend().ReadRange(path, r.offset, r.length);
    EXPECT_EQ(read.status().kind(), Kind::kCorruption) << r.offset << "+" << r.length << ": " << read.status().ToString();
    EXPECT_NE(read.status().message().find(path), std::string::npos) << read.status().message();
    EXPECT_NE(read.status().message().find("10 bytes"), std::string::npos) << read.status().message();
  }
}

// --- Paths -----------------------------------------------------------------

TEST_P(BackendContract, InvalidPathsAreRefusedWithoutTouchingAnything) {
  ASSERT_TRUE(backend().Write("keys/a", "a").ok());
  storage().PutVictim("x", "victim");  // a file the escaping paths would reach
  const auto before = storage().Everything();
  for (const std::string& bad : contract::BadPaths()) {
    SCOPED_TRACE("\"" + bad + "\"");
    EXPECT_EQ(backend().Write(bad, "evil").kind(), Kind::kInvalidArgument);
    EXPECT_EQ(backend().Read(bad).status().kind(), Kind::kInvalidArgument);
    EXPECT_EQ(backend().ReadRange(bad, 0, 1).status().kind(), Kind::kInvalidArgument);
    EXPECT_EQ(backend().Size(bad).status().kind(), Kind::kInvalidArgument);
    EXPECT_EQ(backend().Remove(bad).kind(), Kind::kInvalidArgument);
  }
  EXPECT_EQ(storage().Everything(), before);
}

TEST(RepositoryPath, AcceptsExactlyTheLayout) {
  const std::string h = NameOf("x");
  for (const std::string& ok : {std::string("config"), "keys/" + h, "index/" + h, "snapshots/" + h, "locks/" + h,
                                "wal/" + h, "data/" + h.substr(0, 2) + "/" + h, std::string("keys/a"),
                                std::string("data/ab/ab"), "keys/" + std::string(128, 'f')}) {
    EXPECT_TRUE(ValidatePath(ok).ok()) << ok << ": " << ValidatePath(ok).ToString();
  }
  EXPECT_EQ(PathOf("keys", h), "keys/" + h);
  EXPECT_EQ(PathOf("data", h), "data/" + h.substr(0, 2) + "/" + h);
}

TEST(RepositoryPath, RefusesEverythingElse) {
  for (const std::string& bad : contract::BadPaths()) {
    Status st = ValidatePath(bad);
    EXPECT_EQ(st.kind(), Kind::kInvalidArgument) << "\"" << bad << "\"";
    EXPECT_EQ(st.message().find('\n'), std::string::npos) << "message must not carry a raw newline";
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendContract, ::testing::ValuesIn(contract::StorageKinds()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace pb::repo
