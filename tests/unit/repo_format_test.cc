// The byte and JSON formats of docs/repository-format.md, in memory: packs and
// their sealed header (repo/pack.h), index files (repo/index.h), trees and
// their validation (repo/tree.h), snapshots and picking one by id
// (repo/snapshot.h). Every damaged or crafted input is refused as Corruption
// naming the file it came from.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/sha256.h"
#include "common/status.h"
#include "repo/crypto.h"
#include "repo/index.h"
#include "repo/pack.h"
#include "repo/snapshot.h"
#include "repo/tree.h"

namespace pb::repo {
namespace {

using Kind = Status::Kind;

Digest DigestOf(uint8_t fill) {
  Digest d;
  d.fill(fill);
  return d;
}

std::string U32Le(uint32_t v) {
  std::string out;
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}

// Asserts that `status` is Corruption whose message contains `where`.
void ExpectCorruption(const Status& status, std::string_view where) {
  EXPECT_EQ(status.kind(), Kind::kCorruption) << status.ToString();
  EXPECT_NE(status.message().find(where), std::string::npos) << status.ToString();
}

// ---------------------------------------------------------------- packs

class PackTest : public ::testing::Test {
 protected:
  // A pack of three stored blobs ("stored" bytes are opaque to the pack).
  void SetUp() override {
    key_ = MasterKey::Generate();
    blobs_ = {std::string(100, 'a'), std::string(57, 'b'), std::string(1, 'c')};
    PackBuilder builder;
    EXPECT_TRUE(builder.empty());
    builder.Add(DigestOf(1), BlobType::kData, blobs_[0], 1000);
    builder.Add(DigestOf(2), BlobType::kTree, blobs_[1], 20);
    builder.Add(DigestOf(3), BlobType::kData, blobs_[2], 0);
    EXPECT_EQ(builder.bytes(), 158u);
    pack_ = builder.Finish(key_, &entries_);
    EXPECT_TRUE(builder.empty());
    EXPECT_EQ(builder.bytes(), 0u);
  }

  MasterKey key_;
  std::vector<std::string> blobs_;
  std::string pack_;
  std::vector<PackEntry> entries_;
};

TEST_F(PackTest, LayoutIsBlobsThenSealedHeaderThenItsLength) {
  size_t header = kSealOverhead + 3 * kPackEntryBytes;
  ASSERT_EQ(pack_.size(), 158 + header + 4);
  EXPECT_EQ(pack_.substr(0, 158), blobs_[0] + blobs_[1] + blobs_[2]);
  EXPECT_EQ(pack_.substr(pack_.size() - 4), U32Le(static_cast<uint32_t>(header)));
  auto opened = Open(key_, std::string_view(pack_).substr(158, header));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  // Entry 1: type 1 (tree), stored length 57, plaintext length 20, id.
  std::string e1 = opened->substr(kPackEntryBytes, kPackEntryBytes);
  EXPECT_EQ(e1.substr(0, 9), std::string("\x01", 1) + U32Le(57) + U32Le(20));
  EXPECT_EQ(e1.substr(9), std::string(32, '\x02'));
}

TEST_F(PackTest, HeaderReadsBackTheEntriesWithTheirOffsets) {
  ASSERT_EQ(entries_.size(), 3u);
  auto read = ReadPackHeader(key_, pack_, "data/ab/pack");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 3u);
  uint64_t offsets[] = {0, 100, 157};
  for (size_t i = 0; i < 3; ++i) {
    const PackEntry& e = (*read)[i];
    EXPECT_EQ(e.id, entries_[i].id);
    EXPECT_EQ(e.type, entries_[i].type);
    EXPECT_EQ(e.offset, offsets[i]);
    EXPECT_EQ(e.offset, entries_[i].offset);
    EXPECT_EQ(e.length, blobs_[i].size());
    EXPECT_EQ(e.plain_length, entries_[i].plain_length);
    EXPECT_EQ(pack_.substr(e.offset, e.length), blobs_[i]);
  }
  EXPECT_EQ((*read)[1].type, BlobType::kTree);
}

TEST_F(PackTest, AnotherKeyCannotReadTheHeader) {
  ExpectCorruption(ReadPackHeader(MasterKey::Generate(), pack_, "data/ab/pack").status(), "data/ab/pack");
}

TEST_F(PackTest, DamagedLengthFieldIsCorruption) {
  size_t header = kSealOverhead + 3 * kPackEntryBytes;
  for (uint32_t len : {0u, 1u, static_cast<uint32_t>(kSealOverhead - 1), static_cast<uint32_t>(header - 1),
                       static_cast<uint32_t>(header + 1), static_cast<uint32_t>(pack_.size() - 4),
                       static_cast<uint32_t>(pack_.size() - 3), 0xffffffffu}) {
    std::string damaged = pack_.substr(0, pack_.size() - 4) + U32Le(len);
    ExpectCorruption(ReadPackHeader(key_, damaged, "data/ab/pack").status(), "data/ab/pack");
  }
}

TEST_F(PackTest, EveryBitFlipInTheHeaderOrLengthIsCorruption) {
  for (size_t pos = 158; pos < pack_.size(); ++pos) {
    for (int bit : {0, 7}) {
      std::string damaged = pack_;
      damaged[pos] = static_cast<char>(damaged[pos] ^ (1 << bit));
      auto read = ReadPackHeader(key_, damaged, "data/ab/pack");
      ASSERT_FALSE(read.ok()) << "byte " << pos << " bit " << bit;
      ExpectCorruption(read.status(), "data/ab/pack");
    }
  }
}

TEST_F(PackTest, TruncatedPackIsCorruption) {
  for (size_t len : {size_t{0}, size_t{3}, size_t{4}, size_t{100}, pack_.size() - 5, pack_.size() - 1}) {
    ExpectCorruption(ReadPackHeader(key_, pack_.substr(0, len), "data/ab/pack").status(), "data/ab/pack");
  }
}

TEST_F(PackTest, ExtraOrMissingBlobBytesAreCorruption) {
  std::string tail = pack_.substr(158);
  // One byte more or less before the header: the entries no longer fill the pack.
  ExpectCorruption(ReadPackHeader(key_, pack_.substr(0, 158) + "x" + tail, "p").status(), "holds 159");
  ExpectCorruption(ReadPackHeader(key_, pack_.substr(1, 157) + tail, "p").status(), "holds 157");
  // Bytes appended after the length field.
  ExpectCorruption(ReadPackHeader(key_, pack_ + "xxxx", "p").status(), "p: ");
}

TEST_F(PackTest, HeaderOfPartialEntriesOrUnknownTypeIsCorruption) {
  auto pack_with_header = [&](const std::string& header) {
    std::string sealed = Seal(key_, header);
    return std::string(10, 'z') + sealed + U32Le(static_cast<uint32_t>(sealed.size()));
  };
  std::string entry = std::string("\x00", 1) + U32Le(10) + U32Le(5) + std::string(32, 'i');
  ASSERT_TRUE(ReadPackHeader(key_, pack_with_header(entry), "p").ok());
  ExpectCorruption(ReadPackHeader(key_, pack_with_header(""), "p").status(), "not whole entries");
  ExpectCorruption(ReadPackHeader(key_, pack_with_header(entry.substr(1)), "p").status(), "not whole entries");
  ExpectCorruption(ReadPackHeader(key_, pack_with_header(entry + "x"), "p").status(), "not whole entries");
  std::string bad_type = entry;
  bad_type[0] = 2;
  ExpectCorruption(ReadPackHeader(key_, pack_with_header(bad_type), "p").status(), "unknown type");
}

// ---------------------------------------------------------------- index

std::vector<IndexedPack> SampleIndex() {
  IndexedPack a;
  a.pack = DigestOf(0xaa);
  a.blobs.push_back(PackEntry{DigestOf(1), BlobType::kData, 0, 1000, 4096});
  a.blobs.push_back(PackEntry{DigestOf(2), BlobType::kTree, 1000, 77, 36});
  IndexedPack b;
  b.pack = DigestOf(0xbb);
  b.blobs.push_back(PackEntry{DigestOf(3), BlobType::kData, 0, 41, 0});
  return {a, b};
}

TEST(IndexFileTest, RoundTrips) {
  std::vector<IndexedPack> packs = SampleIndex();
  auto decoded = DecodeIndexFile(EncodeIndexFile(packs), "index/x");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->size(), 2u);
  for (size_t p = 0; p < 2; ++p) {
    EXPECT_EQ((*decoded)[p].pack, packs[p].pack);
    ASSERT_EQ((*decoded)[p].blobs.size(), packs[p].blobs.size());
    for (size_t b = 0; b < packs[p].blobs.size(); ++b) {
      const PackEntry& want = packs[p].blobs[b];
      const PackEntry& got = (*decoded)[p].blobs[b];
      EXPECT_EQ(got.id, want.id);
      EXPECT_EQ(got.type, want.type);
      EXPECT_EQ(got.offset, want.offset);
      EXPECT_EQ(got.length, want.length);
      EXPECT_EQ(got.plain_length, want.plain_length);
    }
  }
  EXPECT_TRUE(DecodeIndexFile(EncodeIndexFile({}), "index/x").ok());
}

TEST(IndexFileTest, EncodesTheDocumentedJson) {
  IndexedPack p;
  p.pack = DigestOf(0xaa);
  p.blobs.push_back(PackEntry{DigestOf(1), BlobType::kTree, 5, 50, 9});
  EXPECT_EQ(EncodeIndexFile({p}), "{\"packs\":[{\"id\":\"" + std::string(64, 'a') + "\",\"blobs\":[{\"id\":\"" +
                                      ToHex(DigestOf(1)) +
                                      "\",\"type\":\"tree\",\"offset\":5,\"length\":50,\"plain_length\":9}]}]}");
}

TEST(IndexFileTest, MalformedFieldsAreCorruptionNamingTheFile) {
  const std::string pack = "\"" + std::string(64, 'a') + "\"";
  const std::string id = "\"" + std::string(64, '1') + "\"";
  auto with_blob = [&](const std::string& blob) {
    return "{\"packs\":[{\"id\":" + pack + ",\"blobs\":[" + blob + "]}]}";
  };
  const std::string good = "{\"id\":" + id + ",\"type\":\"data\",\"offset\":0,\"length\":100,\"plain_length\":50}";
  ASSERT_TRUE(DecodeIndexFile(with_blob(good), "index/f").ok());
  const std::vector<std::string> bad = {
      "",
      "not json",
      "[]",
      "{}",
      "{\"packs\":{}}",
      "{\"packs\":[1]}",
      "{\"packs\":[{\"blobs\":[]}]}",
      "{\"packs\":[{\"id\":\"abc\",\"blobs\":[]}]}",
      "{\"packs\":[{\"id\":" + pack + "}]}",
      with_blob("7"),
      with_blob("{\"type\":\"data\",\"offset\":0,\"length\":100,\"plain_length\":50}"),
      with_blob("{\"id\":\"" + std::string(64, 'g') + "\",\"type\":\"data\",\"offset\":0,\"length\":100,\"plain_length\":50}"),
      with_blob("{\"id\":" + id + ",\"type\":\"blob\",\"offset\":0,\"length\":100,\"plain_length\":50}"),
      with_blob("{\"id\":" + id + ",\"type\":\"data\",\"offset\":-1,\"length\":100,\"plain_length\":50}"),
      with_blob("{\"id\":" + id + ",\"type\":\"data\",\"offset\":\"0\",\"length\":100,\"plain_length\":50}"),
      with_blob("{\"id\":" + id + ",\"type\":\"data\",\"offset\":0,\"length\":40,\"plain_length\":0}"),
      with_blob("{\"id\":" + id + ",\"type\":\"data\",\"offset\":0,\"length\":100,\"plain_length\":8388609}"),
      with_blob("{\"id\":" + id + ",\"type\":\"data\",\"offset\":0,\"length\":8388650,\"plain_length\":5}"),
      with_blob("{\"id\":" + id + ",\"type\":\"data\",\"offset\":0,\"length\":100}"),
      with_blob("{\"id\":" + id + ",\"type\":\"data\",\"offset\":0,\"length\":1.5,\"plain_length\":1}"),
  };
  for (const std::string& json : bad) {
    auto decoded = DecodeIndexFile(json, "index/f");
    ASSERT_FALSE(decoded.ok()) << json;
    ExpectCorruption(decoded.status(), "index/f");
  }
}

TEST(IndexTest, FindsEveryBlobAndKeepsTheFirstLocationOfADuplicate) {
  Index index;
  std::vector<IndexedPack> packs = SampleIndex();
  index.Add(packs[0]);
  index.Add(packs[1]);
  IndexedPack dup;
  dup.pack = DigestOf(0xcc);
  dup.blobs.push_back(PackEntry{DigestOf(1), BlobType::kData, 64, 1000, 4096});
  index.Add(dup);
  EXPECT_EQ(index.blob_count(), 3u);
  EXPECT_EQ(index.pack_count(), 3u);
  const BlobLocation* loc = index.Find(DigestOf(1));
  ASSERT_NE(loc, nullptr);
  EXPECT_EQ(index.PackName(loc->pack), DigestOf(0xaa));
  EXPECT_EQ(loc->offset, 0u);
  loc = index.Find(DigestOf(2));
  ASSERT_NE(loc, nullptr);
  EXPECT_EQ(loc->type, BlobType::kTree);
  EXPECT_EQ(loc->offset, 1000u);
  EXPECT_EQ(loc->length, 77u);
  EXPECT_EQ(loc->plain_length, 36u);
  EXPECT_EQ(index.Find(DigestOf(9)), nullptr);
  index.Add(packs[0]);  // the same pack again changes nothing
  EXPECT_EQ(index.pack_count(), 3u);
}

// ---------------------------------------------------------------- trees

Node FileNode(std::string name, std::vector<ContentEntry> content) {
  Node n;
  n.name = std::move(name);
  n.type = NodeType::kFile;
  n.mode = 0640;
  n.mtime_ns = 1'700'000'000'123'456'789;
  for (const ContentEntry& e : content) n.size += e.length;
  n.content = std::move(content);
  n.inode = 42;
  n.ctime_ns = -5;
  return n;
}

Tree SampleTree() {
  Tree t;
  t.nodes.push_back(FileNode("a.bin", {ContentEntry{false, DigestOf(1), 1000}, ContentEntry{true, {}, 4096},
                                        ContentEntry{false, DigestOf(2), 7}}));
  t.nodes.push_back(FileNode("empty", {}));
  Node dir;
  dir.name = "sub";
  dir.type = NodeType::kDir;
  dir.mode = 0750;
  dir.mtime_ns = 5;
  dir.tree = DigestOf(7);
  t.nodes.push_back(dir);
  Node link;
  link.name = "z link";
  link.type = NodeType::kSymlink;
  link.mode = 0777;
  link.target = "../somewhere \"quoted\" \xc3\xa9";
  t.nodes.push_back(link);
  return t;
}

TEST(TreeTest, RoundTripsEveryNodeType) {
  Tree tree = SampleTree();
  auto decoded = DecodeTree(EncodeTree(tree), "tree t");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->nodes.size(), tree.nodes.size());
  for (size_t i = 0; i < tree.nodes.size(); ++i) {
    const Node& want = tree.nodes[i];
    const Node& got = decoded->nodes[i];
    EXPECT_EQ(got.name, want.name);
    EXPECT_EQ(got.type, want.type);
    EXPECT_EQ(got.mode, want.mode);
    EXPECT_EQ(got.mtime_ns, want.mtime_ns);
    EXPECT_EQ(got.size, want.size);
    EXPECT_EQ(got.target, want.target);
    if (want.type == NodeType::kFile) {
      EXPECT_EQ(got.inode, want.inode);
      EXPECT_EQ(got.ctime_ns, want.ctime_ns);
      ASSERT_EQ(got.content.size(), want.content.size());
      for (size_t c = 0; c < want.content.size(); ++c) {
        EXPECT_EQ(got.content[c].hole, want.content[c].hole);
        EXPECT_EQ(got.content[c].length, want.content[c].length);
        if (!want.content[c].hole) {
          EXPECT_EQ(got.content[c].blob, want.content[c].blob);
        }
      }
    }
    if (want.type == NodeType::kDir) {
      EXPECT_EQ(got.tree, want.tree);
    }
  }
  EXPECT_EQ(decoded->nodes[0].size, 5103u);
}

// A tree of one node whose JSON object is `node`.
std::string OneNodeTree(const std::string& node) { return "{\"nodes\":[" + node + "]}"; }

std::string NamedFile(const std::string& json_name) {
  return "{\"name\":" + json_name + ",\"type\":\"file\",\"mode\":420,\"mtime_ns\":0,\"size\":0,\"content\":[]}";
}

TEST(TreeTest, NamesThatCouldLeaveTheDirectoryAreRefused) {
  ASSERT_TRUE(DecodeTree(OneNodeTree(NamedFile("\"ok name\"")), "tree t").ok());
  ASSERT_TRUE(DecodeTree(OneNodeTree(NamedFile("\"" + std::string(255, 'n') + "\"")), "tree t").ok());
  ASSERT_TRUE(DecodeTree(OneNodeTree(NamedFile("\"...\"")), "tree t").ok());
  for (const std::string name : {"\"\"", "\".\"", "\"..\"", "\"a/b\"", "\"/\"", "\"/etc/x\"", "\"a/../../x\"",
                                 "\"../x\"", "\"a\\u0000b\"", "\"\\u0000\"", "\"x/\""}) {
    auto decoded = DecodeTree(OneNodeTree(NamedFile(name)), "tree t");
    ASSERT_FALSE(decoded.ok()) << name;
    ExpectCorruption(decoded.status(), "tree t");
    EXPECT_NE(decoded.status().message().find("invalid file name"), std::string::npos) << decoded.status().ToString();
  }
  auto too_long = DecodeTree(OneNodeTree(NamedFile("\"" + std::string(256, 'n') + "\"")), "tree t");
  ExpectCorruption(too_long.status(), "tree t");
  // The same names in a symlink or directory node.
  for (const std::string name : {"\"..\"", "\"/etc\"", "\"a/b\""}) {
    ExpectCorruption(DecodeTree(OneNodeTree("{\"name\":" + name +
                                            ",\"type\":\"symlink\",\"mode\":511,\"mtime_ns\":0,\"target\":\"/\"}"),
                                "tree t")
                         .status(),
                     "invalid file name");
    ExpectCorruption(DecodeTree(OneNodeTree("{\"name\":" + name + ",\"type\":\"dir\",\"mode\":493,\"mtime_ns\":0,"
                                            "\"tree\":\"" + std::string(64, 'a') + "\"}"),
                                "tree t")
                         .status(),
                     "invalid file name");
  }
  EXPECT_FALSE(ValidateNodeName("..").ok());
  EXPECT_FALSE(ValidateNodeName(std::string_view("a\0b", 3)).ok());
  EXPECT_TRUE(ValidateNodeName(".hidden").ok());
}

TEST(TreeTest, DuplicateOrUnsortedNamesAreRefused) {
  auto two = [](const std::string& a, const std::string& b) {
    return "{\"nodes\":[" + NamedFile("\"" + a + "\"") + "," + NamedFile("\"" + b + "\"") + "]}";
  };
  ASSERT_TRUE(DecodeTree(two("a", "b"), "tree t").ok());
  ASSERT_TRUE(DecodeTree(two("B", "a"), "tree t").ok());  // byte order
  ExpectCorruption(DecodeTree(two("a", "a"), "tree t").status(), "strictly sorted");
  ExpectCorruption(DecodeTree(two("b", "a"), "tree t").status(), "strictly sorted");
  // A symlink and a directory of the same name cannot share a tree.
  std::string link = "{\"name\":\"link\",\"type\":\"symlink\",\"mode\":511,\"mtime_ns\":0,\"target\":\"/tmp\"}";
  std::string dir = "{\"name\":\"link\",\"type\":\"dir\",\"mode\":493,\"mtime_ns\":0,\"tree\":\"" +
                    std::string(64, 'a') + "\"}";
  ExpectCorruption(DecodeTree("{\"nodes\":[" + link + "," + dir + "]}", "tree t").status(), "strictly sorted");
}

TEST(TreeTest, ContentMustAddUpToTheSize) {
  std::string blob = "{\"blob\":\"" + std::string(64, 'b') + "\",\"length\":10}";
  auto file = [&](uint64_t size, const std::string& content) {
    return OneNodeTree("{\"name\":\"f\",\"type\":\"file\",\"mode\":420,\"mtime_ns\":0,\"size\":" +
                       std::to_string(size) + ",\"content\":[" + content + "]}");
  };
  ASSERT_TRUE(DecodeTree(file(10, blob), "tree t").ok());
  ASSERT_TRUE(DecodeTree(file(15, blob + ",{\"hole\":5}"), "tree t").ok());
  ExpectCorruption(DecodeTree(file(11, blob), "tree t").status(), "adds up to 10");
  ExpectCorruption(DecodeTree(file(9, blob), "tree t").status(), "adds up to 10");
  ExpectCorruption(DecodeTree(file(10, ""), "tree t").status(), "adds up to 0");
  ExpectCorruption(DecodeTree(file(0, "{\"hole\":0}"), "tree t").status(), "length out of range");
  ExpectCorruption(DecodeTree(file(0, "{\"blob\":\"" + std::string(64, 'b') + "\",\"length\":0}"), "tree t").status(),
                   "length out of range");
  // Lengths that would wrap around 2^64 when added.
  ExpectCorruption(DecodeTree(file(8, "{\"hole\":18446744073709551615},{\"hole\":9}"), "tree t").status(), "tree t");
  ExpectCorruption(DecodeTree(file(10, "{\"blob\":\"xyz\",\"length\":10}"), "tree t").status(), "blob");
  ExpectCorruption(DecodeTree(file(10, "7"), "tree t").status(), "content entry is not an object");
}

TEST(TreeTest, MalformedNodesAreRefused) {
  const std::vector<std::string> bad = {
      "",
      "[]",
      "{}",
      "{\"nodes\":{}}",
      "{\"nodes\":[1]}",
      OneNodeTree("{\"name\":\"f\",\"type\":\"fifo\",\"mode\":420,\"mtime_ns\":0}"),
      OneNodeTree("{\"name\":\"f\",\"mode\":420,\"mtime_ns\":0,\"size\":0,\"content\":[]}"),
      OneNodeTree("{\"type\":\"file\",\"mode\":420,\"mtime_ns\":0,\"size\":0,\"content\":[]}"),
      OneNodeTree("{\"name\":\"f\",\"type\":\"file\",\"mode\":4096,\"mtime_ns\":0,\"size\":0,\"content\":[]}"),
      OneNodeTree("{\"name\":\"f\",\"type\":\"file\",\"mode\":420,\"size\":0,\"content\":[]}"),
      OneNodeTree("{\"name\":\"f\",\"type\":\"file\",\"mode\":420,\"mtime_ns\":0,\"content\":[]}"),
      OneNodeTree("{\"name\":\"f\",\"type\":\"file\",\"mode\":420,\"mtime_ns\":0,\"size\":0}"),
      OneNodeTree("{\"name\":\"d\",\"type\":\"dir\",\"mode\":493,\"mtime_ns\":0}"),
      OneNodeTree("{\"name\":\"d\",\"type\":\"dir\",\"mode\":493,\"mtime_ns\":0,\"tree\":\"abc\"}"),
      OneNodeTree("{\"name\":\"l\",\"type\":\"symlink\",\"mode\":511,\"mtime_ns\":0}"),
      OneNodeTree("{\"name\":\"l\",\"type\":\"symlink\",\"mode\":511,\"mtime_ns\":0,\"target\":\"\"}"),
      OneNodeTree("{\"name\":\"l\",\"type\":\"symlink\",\"mode\":511,\"mtime_ns\":0,\"target\":\"a\\u0000b\"}"),
      OneNodeTree("{\"name\":7,\"type\":\"file\",\"mode\":420,\"mtime_ns\":0,\"size\":0,\"content\":[]}"),
  };
  for (const std::string& json : bad) {
    auto decoded = DecodeTree(json, "tree t");
    ASSERT_FALSE(decoded.ok()) << json;
    ExpectCorruption(decoded.status(), "tree t");
  }
}

// ---------------------------------------------------------------- snapshots

Snapshot SampleSnapshot() {
  Snapshot s;
  s.time_ms = 1'795'786'565'123;
  s.host = "db-1";
  s.data_dir = "/srv/payments/data";
  s.mode = "essential";
  s.tags = {"nightly", "with \"quote\""};
  s.tree = DigestOf(0x11);
  s.parent = DigestOf(0x22);
  s.env = FileNode(".env", {ContentEntry{false, DigestOf(3), 99}});
  s.ledger = SnapshotLedger{52872, 52000};
  s.stats = SnapshotStats{12, 1234, 56, 40};
  return s;
}

TEST(SnapshotTest, RoundTripsEveryField) {
  Snapshot s = SampleSnapshot();
  auto decoded = DecodeSnapshot(EncodeSnapshot(s), "snapshots/x");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->time_ms, s.time_ms);
  EXPECT_EQ(decoded->host, s.host);
  EXPECT_EQ(decoded->data_dir, s.data_dir);
  EXPECT_EQ(decoded->mode, s.mode);
  EXPECT_EQ(decoded->tags, s.tags);
  EXPECT_EQ(decoded->tree, s.tree);
  ASSERT_TRUE(decoded->parent.has_value());
  EXPECT_EQ(*decoded->parent, *s.parent);
  ASSERT_TRUE(decoded->env.has_value());
  EXPECT_EQ(decoded->env->name, ".env");
  EXPECT_EQ(decoded->env->size, 99u);
  ASSERT_EQ(decoded->env->content.size(), 1u);
  EXPECT_EQ(decoded->env->content[0].blob, DigestOf(3));
  ASSERT_TRUE(decoded->ledger.has_value());
  EXPECT_EQ(decoded->ledger->seq, 52872u);
  EXPECT_EQ(decoded->ledger->checkpoint_seq, 52000u);
  EXPECT_EQ(decoded->stats.files, 12u);
  EXPECT_EQ(decoded->stats.bytes, 1234u);
  EXPECT_EQ(decoded->stats.new_bytes, 56u);
  EXPECT_EQ(decoded->stats.stored_bytes, 40u);
}

TEST(SnapshotTest, OptionalFieldsStayAbsent) {
  Snapshot s;
  s.time_ms = 0;
  s.host = "h";
  s.data_dir = "/d";
  s.mode = "full";
  s.tree = DigestOf(1);
  std::string json = EncodeSnapshot(s);
  EXPECT_EQ(json.find("parent"), std::string::npos) << json;
  EXPECT_EQ(json.find("ledger"), std::string::npos) << json;
  auto decoded = DecodeSnapshot(json, "snapshots/x");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_FALSE(decoded->parent.has_value());
  EXPECT_FALSE(decoded->env.has_value());
  EXPECT_FALSE(decoded->ledger.has_value());
  EXPECT_TRUE(decoded->tags.empty());
}

TEST(SnapshotTest, MalformedSnapshotsAreCorruptionNamingTheFile) {
  std::string good = EncodeSnapshot(SampleSnapshot());
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string out = good;
    size_t at = out.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return out.replace(at, from.size(), to);
  };
  const std::vector<std::string> bad = {
      "",
      "[]",
      replace("\"version\":1", "\"version\":2"),
      replace("\"version\":1", "\"v\":1"),
      replace("\"time\":\"", "\"time\":\"yesterday "),
      replace("\"host\"", "\"hostname\""),
      replace("\"tree\":\"", "\"tree\":\"zz"),
      replace("\"tree\"", "\"root\""),
      replace("\"parent\":\"", "\"parent\":\"0"),
      replace("\"tags\":[", "\"tags\":[1,"),
      replace("\"seq\":52872", "\"seq\":-1"),
      replace("\"name\":\".env\",\"type\":\"file\"", "\"name\":\".env\",\"type\":\"dir\""),
  };
  for (const std::string& json : bad) {
    auto decoded = DecodeSnapshot(json, "snapshots/abcd");
    ASSERT_FALSE(decoded.ok()) << json;
    ExpectCorruption(decoded.status(), "snapshots/abcd");
  }
}

std::vector<SnapshotRef> Refs() {
  std::vector<SnapshotRef> all;
  auto add = [&](std::string id, int64_t time_ms) {
    SnapshotRef r;
    r.id = std::move(id);
    r.snapshot.time_ms = time_ms;
    all.push_back(r);
  };
  add("abcd1111" + std::string(56, '0'), 3000);
  add("abcd2222" + std::string(56, '0'), 1000);
  add("ffee0000" + std::string(56, '0'), 3000);  // same time as the first: the larger id is the latest
  add("0123" + std::string(60, '9'), 2000);
  return all;
}

TEST(FindSnapshotTest, LatestIsTheNewestWithTiesBrokenById) {
  auto found = FindSnapshot(Refs(), "latest");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->id.substr(0, 8), "ffee0000");
  std::vector<SnapshotRef> sorted = Refs();
  SortSnapshots(&sorted);
  EXPECT_EQ(sorted.front().id.substr(0, 8), "abcd2222");
  EXPECT_EQ(sorted.back().id.substr(0, 8), "ffee0000");
}

TEST(FindSnapshotTest, AUniquePrefixOfAtLeastFourCharactersPicksOne) {
  auto found = FindSnapshot(Refs(), "abcd1");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->id.substr(0, 8), "abcd1111");
  found = FindSnapshot(Refs(), "0123");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->snapshot.time_ms, 2000);
  std::string full = Refs()[2].id;
  found = FindSnapshot(Refs(), full);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, full);
}

TEST(FindSnapshotTest, AmbiguousShortUnknownAndEmptyAreRefused) {
  auto ambiguous = FindSnapshot(Refs(), "abcd");
  EXPECT_EQ(ambiguous.status().kind(), Kind::kInvalidArgument);
  EXPECT_NE(ambiguous.status().message().find("matches several"), std::string::npos);
  auto short_prefix = FindSnapshot(Refs(), "ffe");
  EXPECT_EQ(short_prefix.status().kind(), Kind::kInvalidArgument);
  EXPECT_NE(short_prefix.status().message().find("too short"), std::string::npos);
  EXPECT_EQ(FindSnapshot(Refs(), "").status().kind(), Kind::kInvalidArgument);
  EXPECT_EQ(FindSnapshot(Refs(), "9999").status().kind(), Kind::kNotFound);
  EXPECT_EQ(FindSnapshot(Refs(), Refs()[0].id + "0").status().kind(), Kind::kNotFound);  // longer than any id
  EXPECT_EQ(FindSnapshot({}, "latest").status().kind(), Kind::kNotFound);
}

}  // namespace
}  // namespace pb::repo
