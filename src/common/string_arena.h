#pragma once

#include <algorithm>
#include <string_view>
#include <vector>

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
    if (blocks_.empty() || s.size() > block_bytes_ - used_) {
      next_bytes_ = blocks_.empty() ? kFirstBlockBytes : std::min(2 * next_bytes_, kLastBlockBytes);
      // An id longer than a block gets a block of its own size.
      block_bytes_ = std::max(next_bytes_, s.size());
      blocks_.push_back(MapBytes(block_bytes_, pages_));
      used_ = 0;
    }
    char* dst = blocks_.back().get() + used_;
    std::copy(s.begin(), s.end(), dst);
    used_ += s.size();
    return {dst, s.size()};
  }

  // Huge pages for the blocks from now on (a start-up's bulk load), or small
  // ones, also for the untouched rest of the blocks there are.
  void SetPageSize(PageSize pages) {
    pages_ = pages;
    if (pages == PageSize::kSmall) {
      for (const MappedBytes& b : blocks_) UseSmallPages(b);
    }
  }

 private:
  static constexpr size_t kFirstBlockBytes = size_t{64} << 10;
  static constexpr size_t kLastBlockBytes = size_t{8} << 20;
  std::vector<MappedBytes> blocks_;
  size_t block_bytes_ = 0;  // of the last block
  size_t next_bytes_ = 0;   // the size the doubling has reached
  size_t used_ = 0;         // bytes of the last block taken
  PageSize pages_ = PageSize::kSmall;
};

}  // namespace pb
