#include "repo/buffer_pool.h"

#include <algorithm>

namespace pb::repo {
namespace {

constexpr size_t kGranule = size_t{1} << 20;

}  // namespace

PooledBuffer& PooledBuffer::operator=(PooledBuffer&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = other.pool_;
    storage_ = std::move(other.storage_);
    capacity_ = other.capacity_;
    size_ = other.size_;
    other.pool_ = nullptr;
    other.capacity_ = 0;
    other.size_ = 0;
  }
  return *this;
}

void PooledBuffer::Release() {
  if (pool_ && storage_) pool_->Give(BufferPool::Block{std::move(storage_), capacity_});
  storage_.reset();
  pool_ = nullptr;
  capacity_ = 0;
  size_ = 0;
}

PooledBuffer BufferPool::Acquire(size_t size) {
  PooledBuffer out;
  out.pool_ = this;
  out.size_ = size;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto best = kept_.end();
    for (auto it = kept_.begin(); it != kept_.end(); ++it) {
      if (it->capacity >= size && (best == kept_.end() || it->capacity < best->capacity)) best = it;
    }
    if (best != kept_.end()) {
      out.storage_ = std::move(best->storage);
      out.capacity_ = best->capacity;
      kept_.erase(best);
      return out;
    }
  }
  out.capacity_ = std::max(kGranule, (size + kGranule - 1) / kGranule * kGranule);
  out.storage_.reset(new char[out.capacity_]);  // default-initialized: not zeroed
  return out;
}

void BufferPool::Give(Block block) {
  std::lock_guard<std::mutex> lock(mu_);
  kept_.push_back(std::move(block));
  if (kept_.size() <= max_kept_) return;
  auto smallest = std::min_element(kept_.begin(), kept_.end(),
                                   [](const Block& a, const Block& b) { return a.capacity < b.capacity; });
  kept_.erase(smallest);
}

}  // namespace pb::repo
