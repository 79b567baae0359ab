#include "repo/chunker.h"

#include <algorithm>
#include <bit>
#include <string>
#include <string_view>

#include "common/sha256.h"

namespace pb::repo {
namespace {

constexpr size_t kWindow = 64;  // bytes that determine h(L): the width of the hash
constexpr size_t kMaxChunkSize = size_t{1} << 30;

// A 64-bit word with its top `bits` bits set (1 <= bits <= 64).
constexpr uint64_t TopBits(unsigned bits) { return ~uint64_t{0} << (64 - bits); }

// Hashes p[i], p[i+1], ... into *fp and stops at the first byte whose hash has
// no bit of `mask` set. Returns that byte's index, or `end` when none matched.
// Kept tiny so the loop stays in registers: one load, one lea, one test.
inline size_t HashUntilCut(const uint64_t* gear, const uint8_t* p, size_t i, size_t end, uint64_t mask,
                           uint64_t* fp_io) {
  uint64_t fp = *fp_io;
  for (; i < end; ++i) {
    fp = (fp << 1) + gear[p[i]];
    if ((fp & mask) == 0) break;
  }
  *fp_io = fp;
  return i;
}

}  // namespace

size_t NormalSize(const ChunkerParams& params) { return params.avg_size - params.avg_size / 4; }

Status ValidateChunkerParams(const ChunkerParams& p) {
  auto bad = [&](std::string_view rule) {
    return Status::InvalidArgument("chunker parameters min=" + std::to_string(p.min_size) +
                                   " avg=" + std::to_string(p.avg_size) + " max=" + std::to_string(p.max_size) +
                                   " are invalid: " + std::string(rule));
  };
  if (p.min_size < kWindow) return bad("min_size must be at least 64");
  if (!(p.min_size < p.avg_size && p.avg_size < p.max_size)) return bad("need min_size < avg_size < max_size");
  if (!std::has_single_bit(p.avg_size)) return bad("avg_size must be a power of two");
  if (p.max_size > kMaxChunkSize) return bad("max_size must be at most 1 GiB");
  return Status::Ok();
}

GearTable DeriveGearTable(const ChunkerKey& key) {
  GearTable gear{};
  Sha256 sha;
  const std::string_view key_bytes(reinterpret_cast<const char*>(key.data()), key.size());
  for (size_t i = 0; i < gear.size(); ++i) {
    const char index = static_cast<char>(i);
    sha.Update(key_bytes);
    sha.Update("gear");
    sha.Update(std::string_view(&index, 1));
    const Digest d = sha.Finish();
    uint64_t v = 0;
    for (int b = 7; b >= 0; --b) v = v << 8 | d[b];  // little-endian
    gear[i] = v;
  }
  return gear;
}

Result<Chunker> Chunker::Create(const ChunkerParams& params, const ChunkerKey& key) {
  PB_RETURN_IF_ERROR(ValidateChunkerParams(params));
  return Chunker(params, key);
}

Chunker::Chunker(const ChunkerParams& params, const ChunkerKey& key) : params_(params), gear_(DeriveGearTable(key)) {
  const unsigned b = static_cast<unsigned>(std::countr_zero(params.avg_size));
  mask_s_ = TopBits(b + 2);
  mask_l_ = TopBits(b - 2);
}

std::optional<size_t> Chunker::Scan(std::span<const uint8_t> data) {
  const uint8_t* p = data.data();
  const size_t n = data.size();
  const size_t base = pos_;  // chunk offset of data[0]
  // Index in data of chunk offset `limit` (clamped to [0, n]).
  auto index_of = [&](size_t limit) { return limit > base ? std::min(n, limit - base) : size_t{0}; };
  auto cut_at = [&](size_t len) {
    Reset();
    return std::optional<size_t>(len);
  };

  uint64_t fp = fp_;
  // Offsets [0, min-64): skipped. [min-64, min-1): hashed, never a cut (L < min).
  size_t i = index_of(params_.min_size - kWindow);
  for (const size_t end = index_of(params_.min_size - 1); i < end; ++i) fp = (fp << 1) + gear_[p[i]];
  // Offsets [min-1, normal): candidate lengths L in [min, normal], stricter mask.
  size_t end = index_of(NormalSize(params_));
  i = HashUntilCut(gear_.data(), p, i, end, mask_s_, &fp);
  if (i < end) return cut_at(i + 1);
  // Offsets [normal, max-1): L in (normal, max), looser mask.
  end = index_of(params_.max_size - 1);
  i = HashUntilCut(gear_.data(), p, i, end, mask_l_, &fp);
  if (i < end) return cut_at(i + 1);
  // data[i], if any, is at offset max-1: the chunk reaches max_size.
  if (i < n) return cut_at(i + 1);

  pos_ = base + n;
  fp_ = fp;
  return std::nullopt;
}

ResumePoint ResumeAfterAppend(std::span<const uint64_t> old_lengths) {
  ResumePoint r;
  if (old_lengths.empty()) return r;
  r.reused_chunks = old_lengths.size() - 1;
  for (size_t k = 0; k < r.reused_chunks; ++k) r.offset += old_lengths[k];
  return r;
}

}  // namespace pb::repo
