#pragma once

#include <algorithm>
#include <memory>
#include <string_view>
#include <vector>

namespace pb {

// Append-only storage for many small immutable strings (ids of millions of
// records): no per-string allocation header, no std::string object. Views
// stay valid for the arena's lifetime. Not copyable.
class StringArena {
 public:
  StringArena() = default;
  StringArena(const StringArena&) = delete;
  StringArena& operator=(const StringArena&) = delete;

  std::string_view Intern(std::string_view s) {
    if (s.size() > kBlockBytes - used_ || blocks_.empty()) {
      size_t size = std::max(kBlockBytes, s.size());
      blocks_.push_back(std::make_unique<char[]>(size));
      used_ = size == kBlockBytes ? 0 : kBlockBytes;  // an oversized string gets a block of its own
      if (size != kBlockBytes) {
        std::copy(s.begin(), s.end(), blocks_.back().get());
        return {blocks_.back().get(), s.size()};
      }
    }
    char* dst = blocks_.back().get() + used_;
    std::copy(s.begin(), s.end(), dst);
    used_ += s.size();
    return {dst, s.size()};
  }

 private:
  static constexpr size_t kBlockBytes = 1 << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t used_ = 0;
};

}  // namespace pb
