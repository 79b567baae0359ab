// Storing blobs (repo/blob_writer.h): a blob is stored once however many
// threads store it at the same time; Flush writes the open pack and index
// files; after reopening, every blob reads back through the index; a blob
// the index already holds is never stored again.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "repo/blob_writer.h"
#include "repo/buffer_pool.h"
#include "repo/crypto.h"
#include "repo/pack.h"
#include "repo/repository.h"
#include "repo_test_util.h"
#include "support/temp_dir.h"

namespace pb::testing {
namespace {

using repo::BlobType;

class BlobWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.Sub("repo");
    InitAndOpenRepo(dir_, &repo_);
  }

  size_t Count(std::string_view folder) {
    auto names = repo_->backend().List(folder);
    EXPECT_TRUE(names.ok());
    return names.ok() ? names->size() : 0;
  }

  TempDir tmp_;
  std::string dir_;
  std::unique_ptr<repo::Repository> repo_;
};

TEST_F(BlobWriterTest, ConcurrentStoresOfTheSameBlobsStoreEachOnce) {
  // 20 data blobs of 1 MiB (random: more than one 16 MiB pack), a few small
  // compressible ones and a tree blob; every thread stores all of them.
  std::map<Digest, std::pair<BlobType, std::string>> blobs;
  for (int i = 0; i < 20; ++i) {
    std::string plain = RandomBytes(1 << 20, 100 + i);
    blobs[repo::BlobId(repo_->key(), plain)] = {BlobType::kData, plain};
  }
  for (int i = 0; i < 5; ++i) {
    std::string plain(1000 + i, static_cast<char>('a' + i));
    blobs[repo::BlobId(repo_->key(), plain)] = {BlobType::kData, plain};
  }
  std::string tree = "{\"nodes\":[]}";
  blobs[repo::BlobId(repo_->key(), tree)] = {BlobType::kTree, tree};

  repo::BlobWriter writer(repo_.get(), 3);
  std::atomic<int> stored_new{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      // Each thread walks the blobs from a different starting point.
      std::vector<const std::pair<const Digest, std::pair<BlobType, std::string>>*> order;
      for (const auto& b : blobs) order.push_back(&b);
      std::rotate(order.begin(), order.begin() + (t * 3) % order.size(), order.end());
      for (const auto* b : order) {
        auto r = writer.Store(b->first, b->second.first, b->second.second);
        if (!r.ok()) {
          ++errors;
        } else if (*r) {
          ++stored_new;
        }
        EXPECT_TRUE(writer.Has(b->first));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(stored_new.load(), static_cast<int>(blobs.size()));
  ASSERT_TRUE(writer.Flush().ok());
  uint64_t plain_total = 0;
  for (const auto& [id, b] : blobs) plain_total += b.second.size();
  EXPECT_EQ(writer.new_plain_bytes(), plain_total);

  EXPECT_GE(Count("data"), 2u);
  EXPECT_GE(Count("index"), 1u);

  // Every pack's header together lists each blob exactly once.
  std::map<Digest, int> in_headers;
  auto packs = repo_->backend().List("data");
  ASSERT_TRUE(packs.ok());
  for (const std::string& name : *packs) {
    auto bytes = repo_->backend().Read(repo::PathOf("data", name));
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ(Sha256Hex(*bytes), name);
    auto entries = repo::ReadPackHeader(repo_->key(), *bytes, name);
    ASSERT_TRUE(entries.ok()) << entries.status().ToString();
    for (const repo::PackEntry& e : *entries) ++in_headers[e.id];
  }
  EXPECT_EQ(in_headers.size(), blobs.size());
  for (const auto& [id, n] : in_headers) EXPECT_EQ(n, 1) << ToHex(id);

  // Reopened, the index holds each blob once and every one reads back.
  auto reopened = OpenRepo(dir_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ((*reopened)->index().blob_count(), blobs.size());
  EXPECT_EQ((*reopened)->index().pack_count(), packs->size());
  for (const auto& [id, b] : blobs) {
    const repo::BlobLocation* loc = (*reopened)->index().Find(id);
    ASSERT_NE(loc, nullptr);
    EXPECT_EQ(loc->type, b.first);
    EXPECT_EQ(loc->plain_length, b.second.size());
    auto read = (*reopened)->ReadBlob(id);
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    EXPECT_EQ(*read, b.second);
  }
  // Small repetitive blobs were compressed: stored bytes < plaintext + overhead.
  const repo::BlobLocation* small = (*reopened)->index().Find(repo::BlobId(repo_->key(), std::string(1000, 'a')));
  ASSERT_NE(small, nullptr);
  EXPECT_LT(small->length, 200u);
}

TEST_F(BlobWriterTest, BlobsTheIndexHoldsAreNotStoredAgain) {
  std::string plain = "stored once";
  Digest id = repo::BlobId(repo_->key(), plain);
  {
    repo::BlobWriter writer(repo_.get(), 3);
    auto first = writer.Store(id, BlobType::kData, plain);
    ASSERT_TRUE(first.ok());
    EXPECT_TRUE(*first);
    auto second = writer.Store(id, BlobType::kData, plain);
    ASSERT_TRUE(second.ok());
    EXPECT_FALSE(*second);
    ASSERT_TRUE(writer.Flush().ok());
  }
  ASSERT_EQ(Count("data"), 1u);
  ASSERT_EQ(Count("index"), 1u);
  auto reopened = OpenRepo(dir_);
  ASSERT_TRUE(reopened.ok());
  repo::BlobWriter writer(reopened->get(), 3);
  EXPECT_TRUE(writer.Has(id));
  auto again = writer.Store(id, BlobType::kData, plain);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  ASSERT_TRUE(writer.Flush().ok());
  EXPECT_EQ(Count("data"), 1u);
  EXPECT_EQ(Count("index"), 1u) << "an empty Flush wrote an index file";
  EXPECT_EQ(writer.new_plain_bytes(), 0u);
}

TEST_F(BlobWriterTest, AnUnflushedBlobIsNotYetInTheRepository) {
  repo::BlobWriter writer(repo_.get(), 3);
  std::string plain = "pending";
  Digest id = repo::BlobId(repo_->key(), plain);
  ASSERT_TRUE(writer.Store(id, BlobType::kData, plain).ok());
  EXPECT_TRUE(writer.Has(id));
  EXPECT_EQ(Count("data"), 0u);
  EXPECT_EQ(Count("index"), 0u);
  ASSERT_TRUE(writer.Flush().ok());
  EXPECT_EQ(Count("data"), 1u);
  EXPECT_EQ(Count("index"), 1u);
}

// Repository::ReadBlobRun, restore's batched read: blobs that follow each
// other in one pack come back from one read, each checked on its own; ids
// out of pack order or unknown to the index fall back to one read each.
TEST_F(BlobWriterTest, ABlobRunReadsBackEveryBlobAndFailsOnlyTheDamagedOne) {
  std::vector<Digest> ids;
  std::vector<std::string> plains;
  {
    repo::BlobWriter writer(repo_.get(), 3);
    for (int i = 0; i < 5; ++i) {
      plains.push_back("blob " + std::to_string(i) + std::string(1000 * i, 'x'));
      ids.push_back(repo::BlobId(repo_->key(), plains.back()));
      ASSERT_TRUE(writer.Store(ids.back(), BlobType::kData, plains.back()).ok());
    }
    ASSERT_TRUE(writer.Flush().ok());
  }
  ASSERT_EQ(Count("data"), 1u);
  auto reopened = OpenRepo(dir_);
  ASSERT_TRUE(reopened.ok());
  repo::Repository& repo = **reopened;
  // ReadBlobRun's blobs in `ids` order, copied out of their pooled buffers.
  repo::BufferPool pool(4);
  auto read_run = [&](const std::vector<Digest>& run) {
    std::vector<Result<std::string>> got;
    repo.ReadBlobRun(run, &pool, [&](size_t i, Result<repo::PooledBuffer> blob) {
      EXPECT_EQ(i, got.size()) << "blobs are handed on in order";
      got.push_back(blob.ok() ? Result<std::string>(std::string(blob->view())) : Result<std::string>(blob.status()));
    });
    return got;
  };
  auto expect_blobs = [&](const std::vector<size_t>& order, size_t damaged) {
    std::vector<Digest> run;
    for (size_t i : order) run.push_back(ids[i]);
    std::vector<Result<std::string>> got = read_run(run);
    ASSERT_EQ(got.size(), order.size());
    for (size_t k = 0; k < order.size(); ++k) {
      if (order[k] == damaged) {
        EXPECT_EQ(got[k].status().kind(), Status::Kind::kCorruption) << k;
      } else {
        ASSERT_TRUE(got[k].ok()) << k << ": " << got[k].status().ToString();
        EXPECT_EQ(*got[k], plains[order[k]]);
      }
    }
  };
  constexpr size_t kNone = 99;
  expect_blobs({0, 1, 2, 3, 4}, kNone);
  expect_blobs({1, 3}, kNone);           // a gap between them is read and dropped
  expect_blobs({4, 2, 0}, kNone);        // out of order: one read each
  std::vector<Result<std::string>> unknown = read_run({ids[0], Digest{}, ids[1]});
  ASSERT_EQ(unknown.size(), 3u);
  EXPECT_TRUE(unknown[0].ok());
  EXPECT_EQ(unknown[1].status().kind(), Status::Kind::kNotFound);
  EXPECT_TRUE(unknown[2].ok());

  const repo::BlobLocation* loc = repo.index().Find(ids[2]);
  ASSERT_NE(loc, nullptr);
  const std::string pack_name = ToHex(repo.index().PackName(loc->pack));
  const std::string pack = dir_ + "/data/" + pack_name.substr(0, 2) + "/" + pack_name;
  std::filesystem::permissions(pack, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
  {
    std::fstream f(pack, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(loc->offset + loc->length / 2));
    char c = 0;
    f.read(&c, 1);
    f.seekp(static_cast<std::streamoff>(loc->offset + loc->length / 2));
    c = static_cast<char>(c ^ 0x01);
    f.write(&c, 1);
  }
  expect_blobs({0, 1, 2, 3, 4}, 2);
}

}  // namespace
}  // namespace pb::testing
