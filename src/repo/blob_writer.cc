#include "repo/blob_writer.h"

#include "repo/compress.h"

namespace pb::repo {

BlobWriter::BlobWriter(Repository* repo, int level) : repo_(repo), level_(level) {
  for (int i = 0; i < kPackWriters; ++i) writers_.emplace_back([this] { WriteLoop(); });
}

BlobWriter::~BlobWriter() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  for (std::thread& t : writers_) t.join();
}

Status BlobWriter::Enqueue(FullPack pack) {
  std::unique_lock<std::mutex> lock(queue_mu_);
  queue_cv_.wait(lock, [this] { return queue_.size() < kMaxQueuedPacks || !write_error_.ok(); });
  if (!write_error_.ok()) return write_error_;
  queue_.push_back(std::move(pack));
  queue_cv_.notify_all();
  return Status::Ok();
}

void BlobWriter::WriteLoop() {
  std::unique_lock<std::mutex> lock(queue_mu_);
  for (;;) {
    queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    FullPack pack = std::move(queue_.front());
    queue_.pop_front();
    ++writing_;
    lock.unlock();
    Status st = WritePack(std::move(pack));
    lock.lock();
    --writing_;
    if (!st.ok() && write_error_.ok()) write_error_ = st;
    queue_cv_.notify_all();
  }
}

bool BlobWriter::Has(const Digest& id) {
  if (repo_->index().Find(id)) return true;
  std::lock_guard<std::mutex> lock(mu_);
  return claimed_.count(id) > 0;
}

Result<bool> BlobWriter::Store(const Digest& id, BlobType type, std::string_view plaintext) {
  if (repo_->index().Find(id)) return false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!claimed_.insert(id).second) return false;
  }
  PooledBuffer buf = scratch_.Acquire(kSealOverhead + CompressBound(plaintext.size()));
  const size_t compressed = CompressTo(plaintext, type == BlobType::kTree ? 3 : level_, buf.data() + kSealNonceBytes);
  SealInPlace(repo_->key(), buf.data(), compressed);
  const std::string_view stored(buf.data(), compressed + kSealOverhead);
  new_plain_bytes_ += plaintext.size();
  stored_bytes_ += stored.size();
  FullPack pack;
  {
    std::lock_guard<std::mutex> lock(mu_);
    builder_.Add(id, type, stored, static_cast<uint32_t>(plaintext.size()));
    if (builder_.bytes() < kPackTargetBytes) return true;
    pack.bytes = builder_.Finish(repo_->key(), &pack.entries);
  }
  PB_RETURN_IF_ERROR(Enqueue(std::move(pack)));
  return true;
}

Status BlobWriter::WritePack(FullPack pack) {
  Digest name = Sha256Of(pack.bytes);
  PB_RETURN_IF_ERROR(repo_->backend().Write(PathOf("data", ToHex(name)), pack.bytes));
  {
    std::lock_guard<std::mutex> lock(index_mu_);
    unindexed_.push_back(IndexedPack{name, std::move(pack.entries)});
  }
  return WriteIndex(IndexBatch::kFull);
}

Status BlobWriter::WriteIndex(IndexBatch which) {
  std::vector<IndexedPack> batch;
  {
    std::lock_guard<std::mutex> lock(index_mu_);
    if (unindexed_.empty() || (which == IndexBatch::kFull && unindexed_.size() < kPacksPerIndexFile)) {
      return Status::Ok();
    }
    batch.swap(unindexed_);
  }
  auto name = repo_->SaveFile("index", EncodeIndexFile(batch));
  return name.ok() ? Status::Ok() : name.status();
}

Status BlobWriter::Flush() {
  FullPack pack;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!builder_.empty()) pack.bytes = builder_.Finish(repo_->key(), &pack.entries);
  }
  if (!pack.bytes.empty()) PB_RETURN_IF_ERROR(Enqueue(std::move(pack)));
  {
    std::unique_lock<std::mutex> lock(queue_mu_);
    queue_cv_.wait(lock, [this] { return queue_.empty() && writing_ == 0; });
    PB_RETURN_IF_ERROR(write_error_);
  }
  return WriteIndex(IndexBatch::kAll);
}

}  // namespace pb::repo
