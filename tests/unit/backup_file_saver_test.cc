// Cutting a file into chunks (backup/file_saver.h, backup/chunk_pipeline.h):
// the saver reads into the chunk's own buffer and carries the bytes read past
// a cut into the next one, so its chunks must be exactly those the chunker
// finds on the whole file; and every buffer it takes goes back, even when a
// cut falls at the very end of what was read (a pipeline of two buffers
// would otherwise block for ever on the next file).
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "backup/chunk_pipeline.h"
#include "backup/file_saver.h"
#include "backup/progress_meter.h"
#include "repo/blob_writer.h"
#include "repo/chunker.h"
#include "repo_test_util.h"
#include "support/temp_dir.h"

namespace pb::testing {
namespace {

// The chunks the chunker finds on `data` as a whole.
std::vector<std::string> ChunksOf(const repo::Chunker& prototype, const std::string& data) {
  repo::Chunker chunker = prototype;
  chunker.Reset();
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t pos = 0; pos < data.size();) {
    std::optional<size_t> cut =
        chunker.Scan(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()) + pos, data.size() - pos));
    if (!cut) break;
    pos += *cut;
    out.push_back(data.substr(start, pos - start));
    start = pos;
  }
  if (start < data.size()) out.push_back(data.substr(start));
  return out;
}

class FileSaverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.Sub("repo");
    InitAndOpenRepo(dir_, &repo_);
  }

  // Saves each of `files` with a pipeline of one worker and two buffers,
  // and expects its content entries to be the chunker's chunks of it.
  void ExpectChunksOfTheWholeFile(const repo::ChunkerParams& params, const std::vector<std::string>& files) {
    auto chunker = repo::Chunker::Create(params, repo_->key().chunker);
    ASSERT_TRUE(chunker.ok()) << chunker.status().ToString();
    repo::BlobWriter writer(repo_.get(), 1);
    backup::ChunkPipeline pipeline(&writer, &repo_->key(), 1, 2);
    backup::ProgressFn no_progress;
    backup::ProgressMeter progress(no_progress);
    backup::FileSaver saver(repo_->key(), *chunker, &pipeline, &progress, false);
    std::vector<backup::FileState> states(files.size());
    for (size_t i = 0; i < files.size(); ++i) {
      const std::string path = tmp_.Sub("file-" + std::to_string(i));
      WriteBytes(path, files[i]);
      Status saved = saver.Save(path, nullptr, backup::ReadKind::kPlain, nullptr, &states[i]);
      ASSERT_TRUE(saved.ok()) << saved.ToString();
    }
    Status drained = saver.Drain();
    ASSERT_TRUE(drained.ok()) << drained.ToString();
    for (size_t i = 0; i < files.size(); ++i) {
      const std::vector<std::string> expected = ChunksOf(*chunker, files[i]);
      ASSERT_EQ(states[i].content.size(), expected.size()) << "file " << i;
      for (size_t k = 0; k < expected.size(); ++k) {
        const repo::ContentEntry& e = states[i].content[k];
        EXPECT_EQ(e.length, expected[k].size()) << "file " << i << " chunk " << k;
        EXPECT_FALSE(e.hole);
        EXPECT_EQ(e.blob, repo::BlobId(repo_->key(), expected[k])) << "file " << i << " chunk " << k;
      }
    }
  }

  TempDir tmp_;
  std::string dir_;
  std::unique_ptr<repo::Repository> repo_;
};

TEST_F(FileSaverTest, SmallChunksManyToAReadAreTheChunkersOwn) {
  // Chunks of ~1 KiB: each 256 KiB read holds hundreds of cuts, and the
  // bytes after each are carried to the next chunk's buffer.
  repo::ChunkerParams small;
  small.min_size = 256;
  small.avg_size = 1024;
  small.max_size = 4096;
  ExpectChunksOfTheWholeFile(small, {RandomBytes(3 << 20, 1), RandomBytes(1000, 2), RandomBytes(70000, 3)});
}

TEST_F(FileSaverTest, ChunksLongerThanAReadSpanReadsAndMatchTheChunker) {
  ExpectChunksOfTheWholeFile(repo::ChunkerParams{}, {RandomBytes(9 << 20, 4), RandomBytes((1 << 20) + 17, 5)});
}

TEST_F(FileSaverTest, FilesEndingExactlyAtACutGiveEveryBufferBack) {
  // A file that is exactly one chunk ends where the chunker cuts: the cut
  // falls at the end of the last read. Twenty of them through a pipeline of
  // two buffers finish only if no buffer is kept at each such cut.
  repo::ChunkerParams small;
  small.min_size = 256;
  small.avg_size = 1024;
  small.max_size = 4096;
  auto chunker = repo::Chunker::Create(small, repo_->key().chunker);
  ASSERT_TRUE(chunker.ok());
  std::vector<std::string> files;
  for (uint64_t seed = 10; files.size() < 20; ++seed) {
    const std::vector<std::string> chunks = ChunksOf(*chunker, RandomBytes(20000, seed));
    files.push_back(chunks.front());  // ends where the chunker cuts
  }
  ExpectChunksOfTheWholeFile(small, files);
}

}  // namespace
}  // namespace pb::testing
