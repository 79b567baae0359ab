// repo/: byte buffers that are never zeroed and are reused. Restore decodes
// gigabytes of blobs into buffers it overwrites at once; a std::string sized
// for that writes zeros first, and fresh memory from the allocator costs a
// page fault per 4 KiB touched. A BufferPool hands out uninitialized storage
// and keeps what is given back (up to the bound its owner sizes from the
// pipeline), so a long restore touches fresh pages only while it warms up.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

namespace pb::repo {

class BufferPool;

// `size()` bytes of storage, uninitialized when acquired: the holder writes
// them before reading. Move-only; gives its storage back to its pool when
// destroyed (or frees it when it has none).
class PooledBuffer {
 public:
  PooledBuffer() = default;
  PooledBuffer(PooledBuffer&& other) noexcept { *this = std::move(other); }
  PooledBuffer& operator=(PooledBuffer&& other) noexcept;
  PooledBuffer(const PooledBuffer&) = delete;
  PooledBuffer& operator=(const PooledBuffer&) = delete;
  ~PooledBuffer() { Release(); }

  char* data() { return storage_.get(); }
  const char* data() const { return storage_.get(); }
  size_t size() const { return size_; }
  std::string_view view() const { return {storage_.get(), size_}; }
  // Keeps the first `size` bytes. REQUIRES: size <= size().
  void Shrink(size_t size) { size_ = size; }
  explicit operator bool() const { return storage_ != nullptr; }

 private:
  friend class BufferPool;
  void Release();

  BufferPool* pool_ = nullptr;
  std::unique_ptr<char[]> storage_;
  size_t capacity_ = 0;
  size_t size_ = 0;
};

// Thread-safe. Outlives every buffer it hands out.
class BufferPool {
 public:
  // Keeps at most `max_kept` released buffers; beyond that the smallest is
  // freed. Size it to what the pipeline holds at once.
  explicit BufferPool(size_t max_kept) : max_kept_(max_kept) {}
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // `size` uninitialized bytes: the smallest kept buffer that holds them,
  // else new storage (rounded up to a whole MiB, so buffers fit the next
  // blobs of about the same size).
  PooledBuffer Acquire(size_t size);

 private:
  friend class PooledBuffer;
  struct Block {
    std::unique_ptr<char[]> storage;
    size_t capacity = 0;
  };
  void Give(Block block);

  const size_t max_kept_;
  std::mutex mu_;
  std::vector<Block> kept_;  // guarded by mu_
};

}  // namespace pb::repo
