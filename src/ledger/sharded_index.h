#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace pb::ledger {

// Maps ids to positions, split over 256 hash tables so that growing never
// rehashes everything at once: a single table of millions of entries stalls
// its owner for ~100 ms when it doubles; here each step rehashes 1/256 of it.
// The keys' bytes must outlive the index.
class ShardedIndex {
 public:
  std::optional<uint32_t> Find(std::string_view key) const {
    size_t h = std::hash<std::string_view>{}(key);
    const auto& shard = shards_[h >> 56];
    auto it = shard.find(key);
    if (it == shard.end()) return std::nullopt;
    return it->second;
  }
  // REQUIRES: `key` is not present.
  void Insert(std::string_view key, uint32_t position) {
    shards_[std::hash<std::string_view>{}(key) >> 56].emplace(key, position);
  }
  void Reserve(size_t total) {
    for (auto& s : shards_) s.reserve(total / kShards + 1);
  }

 private:
  static constexpr size_t kShards = 256;
  std::array<std::unordered_map<std::string_view, uint32_t>, kShards> shards_;
};

}  // namespace pb::ledger
