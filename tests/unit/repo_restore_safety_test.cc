// A restore writes only inside its target, whatever the snapshot says.
// Snapshots here are crafted with the library (EncodeTree does not validate,
// so trees can hold any names, in any order): names that climb out of the
// target ("..", absolute paths, "a/../../x"), duplicates, a symlink pointing
// outside followed by a directory of the same name in a later snapshot,
// content that does not match its blobs. Each restore either fails — the
// target absent, nothing created beside it, a sentinel directory next to the
// target untouched — or restores exactly what the snapshot holds, symlinks
// as symlinks, never followed.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/time_util.h"
#include "repo/blob_writer.h"
#include "repo/crypto.h"
#include "repo/repository.h"
#include "repo/snapshot.h"
#include "repo/tree.h"
#include "repo_test_util.h"
#include "support/temp_dir.h"

namespace pb::testing {
namespace {

namespace fs = std::filesystem;
using repo::BlobType;
using repo::ContentEntry;
using repo::Node;
using repo::NodeType;
using repo::Tree;

class RestoreSafetyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_dir_ = tmp_.Sub("repo");
    InitAndOpenRepo(repo_dir_, &repo_);
    writer_ = std::make_unique<repo::BlobWriter>(repo_.get(), 3);
    place_ = tmp_.Sub("place");
    target_ = place_ + "/target";
    sentinel_ = place_ + "/sentinel";
    fs::create_directories(sentinel_);
  }

  // Stores a blob (flushed by Snapshot()) and returns its id.
  Digest Blob(std::string_view plaintext, BlobType type = BlobType::kData) {
    Digest id = repo::BlobId(repo_->key(), plaintext);
    auto stored = writer_->Store(id, type, plaintext);
    EXPECT_TRUE(stored.ok()) << stored.status().ToString();
    return id;
  }

  // A tree blob holding `nodes` exactly in this order, unvalidated.
  Digest TreeOf(std::vector<Node> nodes) {
    Tree tree;
    tree.nodes = std::move(nodes);
    return Blob(repo::EncodeTree(tree), BlobType::kTree);
  }

  // Writes the pending blobs and a snapshot of `root`; returns its id.
  std::string Snapshot(const Digest& root) {
    Status flushed = writer_->Flush();
    EXPECT_TRUE(flushed.ok()) << flushed.ToString();
    repo::Snapshot s;
    s.time_ms = NowMillis() + static_cast<int64_t>(snapshots_++);
    s.host = "crafted";
    s.data_dir = "/crafted";
    s.mode = "full";
    s.tree = root;
    auto id = repo_->SaveFile("snapshots", repo::EncodeSnapshot(s));
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : "";
  }

  Node File(std::string name, std::string_view content) {
    Node n;
    n.name = std::move(name);
    n.type = NodeType::kFile;
    n.mode = 0644;
    n.size = content.size();
    if (!content.empty()) n.content.push_back(ContentEntry{false, Blob(content), content.size()});
    return n;
  }
  Node Dir(std::string name, const Digest& tree) {
    Node n;
    n.name = std::move(name);
    n.type = NodeType::kDir;
    n.mode = 0755;
    n.tree = tree;
    return n;
  }
  Node Link(std::string name, std::string target) {
    Node n;
    n.name = std::move(name);
    n.type = NodeType::kSymlink;
    n.mode = 0777;
    n.target = std::move(target);
    return n;
  }

  Status RestoreSnapshot(const std::string& id, bool force = false) { return Restore(repo_dir_, id, target_, force); }

  // Nothing exists beside the target but the untouched sentinel (and, with
  // `target_exists`, the target).
  void ExpectNothingOutside(bool target_exists = false) {
    std::set<std::string> want = {"sentinel"};
    if (target_exists) want.insert("target");
    EXPECT_EQ(Entries(place_), want);
    EXPECT_TRUE(Entries(sentinel_).empty()) << "something was written into the sentinel directory";
    EXPECT_TRUE(Entries(tmp_.path()) == (std::set<std::string>{"repo", "place"})) << "something was written above";
  }

  void ExpectRefused(const std::string& id, std::string_view reason) {
    Status st = RestoreSnapshot(id);
    ASSERT_FALSE(st.ok()) << "the crafted snapshot was restored";
    EXPECT_NE(st.message().find(reason), std::string::npos) << st.ToString();
    EXPECT_FALSE(fs::exists(target_));
    ExpectNothingOutside();
  }

  TempDir tmp_;
  std::string repo_dir_, place_, target_, sentinel_;
  std::unique_ptr<repo::Repository> repo_;
  std::unique_ptr<repo::BlobWriter> writer_;
  size_t snapshots_ = 0;
};

// Names that would reach the sentinel directory beside the target if used
// as paths (the temporary directory of a restore is beside the target too).
std::vector<std::string> EscapingNames(const std::string& sentinel) {
  return {"..", ".", "", sentinel + "/x", "a/../../sentinel/x", "../sentinel/x", "../../x", "a/b",
          std::string("x\0y", 3), "/etc/x"};
}

TEST_F(RestoreSafetyTest, FileNamesLeavingTheTargetAreRefused) {
  for (const std::string& bad : EscapingNames(sentinel_)) {
    SCOPED_TRACE("name \"" + bad + "\"");
    // "a" comes first, so "a/../../sentinel/x" would resolve through it.
    std::string id = Snapshot(TreeOf({Dir("a", TreeOf({})), File(bad, "pwned")}));
    ExpectRefused(id, "invalid file name");
  }
}

TEST_F(RestoreSafetyTest, NamesLeavingTheTargetDeepInTheTreeAreRefusedAfterPartialWrites) {
  for (const std::string& bad : EscapingNames(sentinel_)) {
    SCOPED_TRACE("name \"" + bad + "\"");
    // Files before the bad subtree are written (into the temporary directory)
    // before the bad tree is read: all of it must go.
    Digest bad_file = TreeOf({File(bad, "pwned")});
    Digest bad_dir = TreeOf({Dir(bad, TreeOf({File("x", "pwned")}))});
    Digest bad_link = TreeOf({Link(bad, sentinel_)});
    for (const Digest& sub : {bad_file, bad_dir, bad_link}) {
      std::string id = Snapshot(TreeOf({File("0first", "written first"), Dir("d", TreeOf({Dir("a", TreeOf({})),
                                                                                         Dir("e", sub)}))}));
      ExpectRefused(id, "invalid file name");
    }
  }
}

TEST_F(RestoreSafetyTest, DuplicateAndUnsortedNamesAreRefused) {
  Digest sub = TreeOf({File("x", "pwned")});
  std::vector<std::vector<Node>> trees = {
      {File("f", "one"), File("f", "two")},
      {Link("link", sentinel_), Dir("link", sub)},
      {Dir("link", sub), Link("link", sentinel_)},
      {Link("link", sentinel_), File("link", "pwned")},
      {File("b", "b"), File("a", "a")},
  };
  for (size_t i = 0; i < trees.size(); ++i) {
    SCOPED_TRACE("tree " + std::to_string(i));
    ExpectRefused(Snapshot(TreeOf(trees[i])), "strictly sorted");
    // The same one level down, after a file was written.
    ExpectRefused(Snapshot(TreeOf({File("0first", "x"), Dir("d", TreeOf(trees[i]))})), "strictly sorted");
  }
}

TEST_F(RestoreSafetyTest, SymlinkPointingOutsideIsRestoredAsASymlinkAndNeverFollowed) {
  std::string id = Snapshot(TreeOf({File("a.txt", "a"), Link("link", sentinel_), Link("rel", "../sentinel"),
                                    Dir("sub", TreeOf({Link("up", "../../sentinel/y")}))}));
  Status st = RestoreSnapshot(id);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(fs::read_symlink(target_ + "/link").string(), sentinel_);
  EXPECT_EQ(fs::read_symlink(target_ + "/rel").string(), "../sentinel");
  EXPECT_EQ(fs::read_symlink(target_ + "/sub/up").string(), "../../sentinel/y");
  EXPECT_EQ(ReadBytes(target_ + "/a.txt"), "a");
  ExpectNothingOutside(/*target_exists=*/true);
}

TEST_F(RestoreSafetyTest, ADirectoryWhereALinkWasIsNotWrittenThroughIt) {
  // Snapshot 1: "link" -> the sentinel directory. Snapshot 2: "link" is a
  // directory with a file. They cannot share one tree; restoring the second
  // over the first (--force) must create a directory, not write through the link.
  std::string with_link = Snapshot(TreeOf({Link("link", sentinel_)}));
  std::string with_dir = Snapshot(TreeOf({Dir("link", TreeOf({File("x", "through the link?")}))}));
  ASSERT_TRUE(RestoreSnapshot(with_link).ok());
  ASSERT_TRUE(fs::is_symlink(target_ + "/link"));

  // Without --force the non-empty target is refused and left as it is.
  auto before = Picture(target_);
  Status refused = RestoreSnapshot(with_dir);
  EXPECT_EQ(refused.kind(), Status::Kind::kInvalidArgument) << refused.ToString();
  EXPECT_EQ(Picture(target_), before);
  ExpectNothingOutside(/*target_exists=*/true);

  Status st = RestoreSnapshot(with_dir, /*force=*/true);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_FALSE(fs::is_symlink(target_ + "/link"));
  EXPECT_TRUE(fs::is_directory(target_ + "/link"));
  EXPECT_EQ(ReadBytes(target_ + "/link/x"), "through the link?");
  EXPECT_TRUE(Entries(sentinel_).empty()) << "the file was written through the old symlink";
  // The old target was moved aside, its symlink intact.
  std::set<std::string> entries = Entries(place_);
  ASSERT_EQ(entries.size(), 3u);
  entries.erase("target");
  entries.erase("sentinel");
  std::string aside = place_ + "/" + *entries.begin();
  EXPECT_EQ(entries.begin()->rfind("target.before-restore-", 0), 0u) << *entries.begin();
  EXPECT_EQ(fs::read_symlink(aside + "/link").string(), sentinel_);

  // And back again: the link replaces the directory, nothing follows it.
  ASSERT_TRUE(RestoreSnapshot(with_link, /*force=*/true).ok());
  EXPECT_TRUE(fs::is_symlink(target_ + "/link"));
  EXPECT_TRUE(Entries(sentinel_).empty());
}

TEST_F(RestoreSafetyTest, ATargetThatIsASymlinkIsRefusedNotFollowed) {
  fs::create_directory_symlink(sentinel_, target_);
  Status st = RestoreSnapshot(Snapshot(TreeOf({File("x", "x")})));
  EXPECT_EQ(st.kind(), Status::Kind::kInvalidArgument) << st.ToString();
  EXPECT_TRUE(fs::is_symlink(target_));
  EXPECT_TRUE(Entries(sentinel_).empty());
  EXPECT_EQ(Entries(place_), (std::set<std::string>{"sentinel", "target"}));
}

TEST_F(RestoreSafetyTest, ContentThatDoesNotMatchItsBlobsIsRefused) {
  Digest hello = Blob("hello");
  // Claims 10 bytes of a 5-byte blob: would leave 5 zero bytes.
  Node longer = File("longer", "");
  longer.size = 10;
  longer.content = {ContentEntry{false, hello, 10}};
  ExpectRefused(Snapshot(TreeOf({longer})), "longer");
  // Claims 3 bytes of it: would write 5 bytes into a 3-byte file.
  Node shorter = File("shorter", "");
  shorter.size = 3;
  shorter.content = {ContentEntry{false, hello, 3}};
  ExpectRefused(Snapshot(TreeOf({shorter})), "shorter");
  // Two entries that overlap once the real blob length is used.
  Node overlap = File("overlap", "");
  overlap.size = 10;
  overlap.content = {ContentEntry{false, hello, 2}, ContentEntry{false, Blob("world12345"), 8}};
  ExpectRefused(Snapshot(TreeOf({overlap})), "overlap");
  // check names them too.
  auto report = Check(repo_dir_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(AnyContains(report->problems, "/longer")) << Lines(report->problems);
  EXPECT_TRUE(AnyContains(report->problems, "/shorter")) << Lines(report->problems);
  EXPECT_TRUE(AnyContains(report->problems, "/overlap")) << Lines(report->problems);
}

TEST_F(RestoreSafetyTest, MissingBlobsAndNonTreeDirectoriesAreRefused) {
  Node lost = File("lost", "");
  lost.size = 4;
  lost.content = {ContentEntry{false, repo::BlobId(repo_->key(), "never stored"), 4}};
  ExpectRefused(Snapshot(TreeOf({File("0ok", "ok"), lost})), "lost");
  // A directory whose "tree" is a data blob, and one whose tree is unknown.
  ExpectRefused(Snapshot(TreeOf({Dir("d", Blob("not json"))})), "not a JSON object");
  Digest unknown = repo::BlobId(repo_->key(), "no such tree");
  ExpectRefused(Snapshot(TreeOf({Dir("d", unknown)})), "not in the index");
}

TEST_F(RestoreSafetyTest, ASoundCraftedSnapshotRestoresExactly) {
  Node hole = File("sparse", "");
  hole.size = 8192 + 3;
  hole.content = {ContentEntry{true, {}, 8192}, ContentEntry{false, Blob("end"), 3}};
  hole.mode = 0600;
  std::string id = Snapshot(TreeOf({File("a", "alpha"), Dir("d", TreeOf({File("b", "beta"), Link("l", "../a")})),
                                    File("empty", ""), hole}));
  Status st = RestoreSnapshot(id);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(ReadBytes(target_ + "/a"), "alpha");
  EXPECT_EQ(ReadBytes(target_ + "/d/b"), "beta");
  EXPECT_EQ(ReadBytes(target_ + "/d/l"), "alpha");  // relative link inside the target
  EXPECT_EQ(ReadBytes(target_ + "/empty"), "");
  EXPECT_EQ(ReadBytes(target_ + "/sparse"), std::string(8192, '\0') + "end");
  EXPECT_EQ(fs::status(target_ + "/sparse").permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  ExpectNothingOutside(/*target_exists=*/true);
}

}  // namespace
}  // namespace pb::testing
