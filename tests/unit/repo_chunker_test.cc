// The content-defined chunker (repo/chunker.h): its boundaries follow the
// format's rule, depend only on content and key, and survive insertions,
// appends and any split of the stream into buffers.
#include "repo/chunker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <span>
#include <string_view>
#include <vector>

#include "common/sha256.h"

namespace pb::repo {
namespace {

using Bytes = std::vector<uint8_t>;

// Most tests use small chunks so that megabytes give hundreds of them.
constexpr ChunkerParams kSmall{.min_size = 2 << 10, .avg_size = 8 << 10, .max_size = 64 << 10};

ChunkerKey KeyOf(uint8_t seed) {
  ChunkerKey key{};
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(seed * 31 + i);
  return key;
}

// SplitMix64 outputs, each as 8 little-endian bytes: easy to reproduce in any
// language, which the format test vectors below rely on.
Bytes PseudoRandom(size_t size, uint64_t seed) {
  Bytes out(size);
  uint64_t s = seed;
  for (size_t i = 0; i < size; i += 8) {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    for (size_t b = 0; b < 8 && i + b < size; ++b) out[i + b] = static_cast<uint8_t>(z >> (8 * b));
  }
  return out;
}

Chunker MakeChunker(const ChunkerParams& params, const ChunkerKey& key) {
  auto c = Chunker::Create(params, key);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(c).value();
}

// Chunk lengths of `data`, fed to a Reset copy of `chunker` in pieces of
// `buffer` bytes; the last length is the final (possibly short) chunk.
std::vector<size_t> ChunkLengths(Chunker chunker, std::span<const uint8_t> data, size_t buffer = size_t{1} << 20) {
  chunker.Reset();
  std::vector<size_t> lengths;
  size_t current = 0;
  for (size_t at = 0; at < data.size(); at += buffer) {
    std::span<const uint8_t> buf = data.subspan(at, std::min(buffer, data.size() - at));
    while (!buf.empty()) {
      std::optional<size_t> cut = chunker.Scan(buf);
      size_t n = cut.value_or(buf.size());
      current += n;
      if (cut) {
        lengths.push_back(current);
        current = 0;
      }
      buf = buf.subspan(n);
    }
  }
  if (current > 0) lengths.push_back(current);
  return lengths;
}

std::vector<Digest> ChunkHashes(std::span<const uint8_t> data, const std::vector<size_t>& lengths) {
  std::vector<Digest> hashes;
  Sha256 sha;
  size_t at = 0;
  for (size_t len : lengths) {
    sha.Update(std::string_view(reinterpret_cast<const char*>(data.data() + at), len));
    hashes.push_back(sha.Finish());
    at += len;
  }
  return hashes;
}

size_t Sum(std::span<const size_t> v) {
  size_t s = 0;
  for (size_t x : v) s += x;
  return s;
}

TEST(ChunkerParams, DefaultsAreTheFormatsSizes) {
  ChunkerParams p;
  EXPECT_EQ(p.min_size, 512u << 10);
  EXPECT_EQ(p.avg_size, 1u << 20);
  EXPECT_EQ(p.max_size, 8u << 20);
  EXPECT_TRUE(ValidateChunkerParams(p).ok());
  EXPECT_TRUE(ValidateChunkerParams(kSmall).ok());
}

TEST(ChunkerParams, RejectsInvalidSetsAsInvalidArgument) {
  const ChunkerParams invalid[] = {
      {.min_size = 8 << 10, .avg_size = 8 << 10, .max_size = 64 << 10},    // min == avg
      {.min_size = 2 << 10, .avg_size = 64 << 10, .max_size = 64 << 10},   // avg == max
      {.min_size = 2 << 10, .avg_size = 12 << 10, .max_size = 64 << 10},   // avg not a power of two
      {.min_size = 32, .avg_size = 128, .max_size = 1024},                 // min below the hash window
      {.min_size = 1 << 20, .avg_size = 1 << 22, .max_size = (1u << 30) + 1},  // max above 1 GiB
  };
  for (const ChunkerParams& p : invalid) {
    auto c = Chunker::Create(p, KeyOf(1));
    ASSERT_FALSE(c.ok()) << p.min_size << "/" << p.avg_size << "/" << p.max_size;
    EXPECT_EQ(c.status().kind(), Status::Kind::kInvalidArgument);
    EXPECT_NE(c.status().message().find("chunker parameters"), std::string::npos) << c.status().message();
  }
}

// Test vectors of the repository format (computed by an independent
// implementation of the specification in chunker.h).
TEST(ChunkerFormat, GearTableMatchesTheSpecifiedDerivation) {
  GearTable gear = DeriveGearTable(ChunkerKey{});
  EXPECT_EQ(gear[0], 0x870585ae25a0ca63ull);
  EXPECT_EQ(gear[1], 0x9ba42bfd1e4cfe5dull);
  EXPECT_EQ(gear[255], 0x4a9258f46d0537a0ull);
}

TEST(ChunkerFormat, BoundariesMatchTheSpecifiedRuleWithSmallParams) {
  Bytes data = PseudoRandom(1 << 20, 1);
  std::vector<size_t> lengths = ChunkLengths(MakeChunker(kSmall, ChunkerKey{}), data);
  ASSERT_EQ(lengths.size(), 141u);
  EXPECT_EQ(std::vector<size_t>(lengths.begin(), lengths.begin() + 8),
            (std::vector<size_t>{9483, 6467, 7573, 2814, 6899, 7485, 9043, 7002}));
  EXPECT_EQ(lengths.back(), 2056u);
}

TEST(ChunkerFormat, BoundariesMatchTheSpecifiedRuleWithDefaultParams) {
  Bytes data = PseudoRandom(6 << 20, 2);
  EXPECT_EQ(ChunkLengths(MakeChunker(ChunkerParams{}, ChunkerKey{}), data),
            (std::vector<size_t>{822131, 1411830, 980918, 874029, 835401, 1025822, 341325}));
}

TEST(Chunker, GivesTheSameBoundariesForTheSameKey) {
  Bytes data = PseudoRandom(4 << 20, 7);
  std::vector<size_t> a = ChunkLengths(MakeChunker(kSmall, KeyOf(1)), data);
  std::vector<size_t> b = ChunkLengths(MakeChunker(kSmall, KeyOf(1)), data);
  EXPECT_EQ(a, b);
  EXPECT_GT(a.size(), 100u);
}

TEST(Chunker, GivesDifferentBoundariesForDifferentKeys) {
  Bytes data = PseudoRandom(4 << 20, 7);
  std::vector<size_t> a = ChunkLengths(MakeChunker(kSmall, KeyOf(1)), data);
  std::vector<size_t> b = ChunkLengths(MakeChunker(kSmall, KeyOf(2)), data);
  // Cut offsets shared by chance should be rare.
  std::set<size_t> offsets_a;
  size_t at = 0;
  for (size_t len : a) offsets_a.insert(at += len);
  size_t shared = 0;
  at = 0;
  for (size_t len : b) shared += offsets_a.count(at += len);
  EXPECT_LT(shared, b.size() / 10) << "of " << b.size() << " boundaries";
}

TEST(Chunker, KeepsEveryChunkWithinMinAndMaxExceptAShortFinalOne) {
  Bytes data = PseudoRandom(8 << 20, 3);
  std::vector<size_t> lengths = ChunkLengths(MakeChunker(kSmall, KeyOf(1)), data);
  ASSERT_GT(lengths.size(), 2u);
  EXPECT_EQ(Sum(lengths), data.size());
  for (size_t k = 0; k + 1 < lengths.size(); ++k) {
    EXPECT_GE(lengths[k], kSmall.min_size) << "chunk " << k;
    EXPECT_LE(lengths[k], kSmall.max_size) << "chunk " << k;
  }
  EXPECT_GE(lengths.back(), 1u);
  EXPECT_LE(lengths.back(), kSmall.max_size);
}

TEST(Chunker, AveragesWithin25PercentOfAvgSizeWithDefaultParams) {
  const ChunkerParams params;
  Bytes data = PseudoRandom(64 << 20, 4);
  std::vector<size_t> lengths = ChunkLengths(MakeChunker(params, KeyOf(1)), data, 4 << 20);
  lengths.pop_back();  // the final chunk is cut by the end of the data, not by content
  ASSERT_GT(lengths.size(), 30u);
  for (size_t len : lengths) {
    EXPECT_GE(len, params.min_size);
    EXPECT_LE(len, params.max_size);
  }
  const double mean = static_cast<double>(Sum(lengths)) / static_cast<double>(lengths.size());
  EXPECT_GT(mean, 0.75 * static_cast<double>(params.avg_size));
  EXPECT_LT(mean, 1.25 * static_cast<double>(params.avg_size));
}

TEST(Chunker, FindsTheSameBoundariesWhateverTheBufferSizes) {
  Bytes data = PseudoRandom(6 << 20, 5);
  const Chunker chunker = MakeChunker(kSmall, KeyOf(1));
  const std::vector<size_t> whole = ChunkLengths(chunker, data, data.size());
  for (size_t buffer : {size_t{1}, size_t{7}, size_t{63}, size_t{4099}, size_t{65537}, (size_t{1} << 20) + 3,
                        (size_t{3} << 20) + 1}) {
    EXPECT_EQ(ChunkLengths(chunker, data, buffer), whole) << "buffer of " << buffer << " bytes";
  }
}

// Typical, not guaranteed: over 1000 random inputs like this one, 98% lost at
// most two chunks and none more than five (normalized chunking can take a few
// chunks to fall back in step when a shifted boundary changes mask).
TEST(Chunker, ChangesOnlyTheFirstChunksWhenBytesAreInsertedNearTheStart) {
  Bytes before = PseudoRandom(8 << 20, 6);
  Bytes after = before;
  Bytes inserted = PseudoRandom(100, 99);
  after.insert(after.begin() + 1000, inserted.begin(), inserted.end());

  const Chunker chunker = MakeChunker(kSmall, KeyOf(1));
  std::vector<Digest> old_hashes = ChunkHashes(before, ChunkLengths(chunker, before));
  std::vector<Digest> new_hashes = ChunkHashes(after, ChunkLengths(chunker, after));
  std::set<Digest> old_set(old_hashes.begin(), old_hashes.end());
  size_t kept = 0;
  for (const Digest& h : new_hashes) kept += old_set.count(h);
  EXPECT_GE(kept + 2, new_hashes.size()) << kept << " of " << new_hashes.size() << " chunks kept";
  EXPECT_GE(kept + 2, old_hashes.size());
  EXPECT_GT(old_hashes.size(), 500u);
}

TEST(Chunker, KeepsEveryChunkButTheLastWhenDataIsAppended) {
  Bytes old_data = PseudoRandom((5 << 20) + 12345, 8);
  Bytes grown = old_data;
  Bytes appended = PseudoRandom(3 << 20, 9);
  grown.insert(grown.end(), appended.begin(), appended.end());

  const Chunker chunker = MakeChunker(kSmall, KeyOf(1));
  std::vector<size_t> old_lengths = ChunkLengths(chunker, old_data);
  std::vector<size_t> new_lengths = ChunkLengths(chunker, grown);
  ASSERT_GT(old_lengths.size(), 2u);
  ASSERT_GE(new_lengths.size(), old_lengths.size());
  for (size_t k = 0; k + 1 < old_lengths.size(); ++k) EXPECT_EQ(new_lengths[k], old_lengths[k]) << "chunk " << k;
}

TEST(Chunker, ResumesAtTheStartOfTheLastOldChunkOfAnAppendedFile) {
  Bytes old_data = PseudoRandom((5 << 20) + 12345, 8);
  Bytes grown = old_data;
  Bytes appended = PseudoRandom(3 << 20, 9);
  grown.insert(grown.end(), appended.begin(), appended.end());

  Chunker chunker = MakeChunker(kSmall, KeyOf(1));
  std::vector<size_t> old_lengths = ChunkLengths(chunker, old_data);
  std::vector<uint64_t> recorded(old_lengths.begin(), old_lengths.end());
  const ResumePoint resume = ResumeAfterAppend(recorded);
  EXPECT_EQ(resume.reused_chunks, old_lengths.size() - 1);
  EXPECT_EQ(resume.offset, old_data.size() - old_lengths.back());

  // Resume mid-stream: the chunker is left in the middle of a chunk first, so
  // Reset must be all it takes.
  chunker.Scan(std::span<const uint8_t>(appended).first(100));
  std::vector<size_t> resumed = ChunkLengths(chunker, std::span<const uint8_t>(grown).subspan(resume.offset));
  std::vector<size_t> full = ChunkLengths(chunker, grown);
  EXPECT_EQ(resumed, std::vector<size_t>(full.begin() + static_cast<ptrdiff_t>(resume.reused_chunks), full.end()));
}

TEST(ResumeAfterAppend, StartsFromZeroWhenThereIsAtMostOneOldChunk) {
  EXPECT_EQ(ResumeAfterAppend({}).reused_chunks, 0u);
  EXPECT_EQ(ResumeAfterAppend({}).offset, 0u);
  const std::vector<uint64_t> one = {700};
  EXPECT_EQ(ResumeAfterAppend(one).reused_chunks, 0u);
  EXPECT_EQ(ResumeAfterAppend(one).offset, 0u);
}

TEST(Chunker, CutsAllZeroInputIntoMaxSizeChunks) {
  Bytes zeros((1 << 20) + 100, 0);
  for (const ChunkerParams& params : {kSmall, ChunkerParams{}}) {
    Bytes data = params.max_size < zeros.size() ? zeros : Bytes(3 * params.max_size + 100, 0);
    std::vector<size_t> lengths = ChunkLengths(MakeChunker(params, KeyOf(1)), data);
    ASSERT_EQ(lengths.size(), data.size() / params.max_size + 1);
    for (size_t k = 0; k + 1 < lengths.size(); ++k) EXPECT_EQ(lengths[k], params.max_size) << "chunk " << k;
    EXPECT_EQ(lengths.back(), 100u);
  }
}

TEST(Chunker, MakesOneFinalChunkOfInputsShorterThanMinSize) {
  const Chunker chunker = MakeChunker(kSmall, KeyOf(1));
  EXPECT_TRUE(ChunkLengths(chunker, Bytes{}).empty());
  EXPECT_EQ(ChunkLengths(chunker, Bytes{42}), std::vector<size_t>{1});
  Bytes short_input = PseudoRandom(kSmall.min_size - 1, 10);
  EXPECT_EQ(ChunkLengths(chunker, short_input), std::vector<size_t>{kSmall.min_size - 1});
  Chunker fresh = chunker;
  EXPECT_FALSE(fresh.Scan(short_input).has_value());
  EXPECT_EQ(fresh.pending(), kSmall.min_size - 1);
  EXPECT_FALSE(fresh.Scan({}).has_value());
}

}  // namespace
}  // namespace pb::repo
