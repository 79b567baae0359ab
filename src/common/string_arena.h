#pragma once

#include <algorithm>
#include <string_view>

#include "common/huge_pages.h"

namespace pb {

// Append-only storage for many small immutable strings (ids of millions of
// records): no per-string allocation header, no std::string object. Views
// stay valid for the arena's lifetime. Blocks double from 64 KiB to 8 MiB,
// so a few ids take little memory and millions take few blocks, huge-page
// mapped during a bulk load (common/huge_pages.h). Not copyable.
class StringArena {
 public:
  StringArena() = default;
  StringArena(const StringArena&) = delete;
  StringArena& operator=(const StringArena&) = delete;

  std::string_view Intern(std::string_view s) {
    if (blocks_.size() == 0 || s.size() > block_bytes_ - used_) {
      next_bytes_ = blocks_.size() == 0 ? kFirstBlockBytes : std::min(2 * next_bytes_, kLastBlockBytes);
      // An id longer than a block gets a block of its own size.
      block_bytes_ = std::max(next_bytes_, s.size());
      block_ = blocks_.Add(block_bytes_);
      used_ = 0;
    }
    char* dst = block_ + used_;
    std::copy(s.begin(), s.end(), dst);
    used_ += s.size();
    return {dst, s.size()};
  }

  // Huge pages during a start-up's bulk load, small ones when serving.
  void SetPageSize(PageSize pages) { blocks_.SetPageSize(pages); }

 private:
  static constexpr size_t kFirstBlockBytes = size_t{64} << 10;
  static constexpr size_t kLastBlockBytes = size_t{8} << 20;
  MappedBlocks blocks_;
  char* block_ = nullptr;   // the last block
  size_t block_bytes_ = 0;  // its size
  size_t next_bytes_ = 0;   // the size the doubling has reached
  size_t used_ = 0;         // bytes of the last block taken
};

}  // namespace pb
