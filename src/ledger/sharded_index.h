#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace pb::ledger {

// Maps ids to positions, split over 256 open-addressing tables so that
// growing never rehashes everything at once: a single table of millions of
// entries stalls its owner for ~100 ms when it doubles; here each step
// rehashes 1/256 of it. A slot is 8 bytes, its position and 32 bits of its
// key's hash (no node per entry, eight slots per cache line); the key itself
// is read through `key_of` only when the hash bits match. Replay inserts a
// million ids into a table that does not fit any cache: node-based maps
// spent a quarter of it chasing and allocating nodes, and 24-byte slots
// (the key's view inline) three times the memory and page faults of these.
class ShardedIndex {
 public:
  // `key_of(position)` is the key inserted at `position`; its bytes must
  // outlive the index.
  explicit ShardedIndex(std::function<std::string_view(uint32_t)> key_of) : key_of_(std::move(key_of)) {}

  std::optional<uint32_t> Find(std::string_view key) const {
    const size_t h = Hash(key);
    const Shard& shard = shards_[h >> 56];
    if (shard.slots.empty()) return std::nullopt;
    const uint32_t tag = static_cast<uint32_t>(h);
    for (size_t i = tag & shard.mask;; i = (i + 1) & shard.mask) {
      const Slot& s = shard.slots[i];
      if (s.position == kEmpty) return std::nullopt;
      if (s.tag == tag && key_of_(s.position) == key) return s.position;
    }
  }
  // Starts loading the slot where Find(key) begins; changes nothing.
  void Prefetch(std::string_view key) const {
    const size_t h = Hash(key);
    const Shard& shard = shards_[h >> 56];
    if (!shard.slots.empty()) __builtin_prefetch(&shard.slots[static_cast<uint32_t>(h) & shard.mask]);
  }
  // REQUIRES: `key` is not present; position < UINT32_MAX.
  void Insert(std::string_view key, uint32_t position) {
    const size_t h = Hash(key);
    Shard& shard = shards_[h >> 56];
    if ((shard.used + 1) * 2 > shard.slots.size()) Grow(&shard, shard.used + 1);
    Place(&shard, {position, static_cast<uint32_t>(h)});
    ++shard.used;
  }
  // Sizes the tables for `total` keys spread evenly.
  void Reserve(size_t total) {
    for (auto& s : shards_) {
      if (s.slots.size() < (total / kShards + 1) * 2) Grow(&s, total / kShards + 1);
    }
  }

 private:
  static constexpr size_t kShards = 256;
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    uint32_t position = kEmpty;
    uint32_t tag = 0;  // low 32 bits of the hash: most mismatches never touch the key's bytes
  };
  struct Shard {
    std::vector<Slot> slots;  // a power of two in size, at most half full
    size_t mask = 0;
    size_t used = 0;
  };

  static size_t Hash(std::string_view key) { return std::hash<std::string_view>{}(key); }

  // Probes from the slot named by the hash's low bits (the tag's: growing
  // never hashes a key again); the shard is named by its top eight.
  static void Place(Shard* shard, const Slot& slot) {
    size_t i = slot.tag & shard->mask;
    while (shard->slots[i].position != kEmpty) i = (i + 1) & shard->mask;
    shard->slots[i] = slot;
  }

  // Rebuilds `shard` with room for `keys` keys at most half full.
  static void Grow(Shard* shard, size_t keys) {
    size_t size = 16;
    while (size < keys * 2) size *= 2;
    if (size <= shard->slots.size()) size = shard->slots.size() * 2;
    std::vector<Slot> old = std::move(shard->slots);
    shard->slots.assign(size, Slot{});
    shard->mask = size - 1;
    for (const Slot& s : old) {
      if (s.position != kEmpty) Place(shard, s);
    }
  }

  std::function<std::string_view(uint32_t)> key_of_;
  std::array<Shard, kShards> shards_;
};

}  // namespace pb::ledger
