// repo/: the encrypted, deduplicated backup repository. This header owns the
// content-defined chunker that cuts file contents into blobs: FastCDC with
// normalized chunking (Xia et al., "FastCDC: a Fast and Efficient
// Content-Defined Chunking Approach for Data Deduplication", USENIX ATC 2016),
// with a gear table derived from a secret key so that chunk boundaries do not
// reveal content across repositories.
//
// FORMAT (repository format version 1; docs/repository-format.md quotes this).
//
// Gear table. From the repository's 32-byte `chunker` key K, for i = 0..255:
//   gear[i] = the first 8 bytes of SHA-256(K || "gear" || i), read as a
//             little-endian 64-bit unsigned integer,
// where "gear" is the 4 ASCII bytes 67 65 61 72 (hex) and i is one byte. The
// hashed message is therefore exactly 37 bytes. Test vector (K = 32 zero
// bytes): gear[0] = 0x870585ae25a0ca63, gear[255] = 0x4a9258f46d0537a0.
//
// Cut-point rule. Let b = log2(avg_size), normal_size = avg_size - avg_size/4
// (integer division) and, on 64-bit words,
//   mask_s = the top b+2 bits set, i.e. ~0 << (64 - (b+2))   (stricter)
//   mask_l = the top b-2 bits set, i.e. ~0 << (64 - (b-2))   (looser)
// (defaults: b = 20, normal_size = 786432, mask_s = 0xfffffc0000000000,
// mask_l = 0xffffc00000000000).
// A chunk starts at offset 0 of a file or right after the previous chunk. For a
// candidate length L of the chunk whose bytes are c[0], c[1], ..., let
//   h(L) = sum over j = 0..63 of (gear[c[L-1-j]] << j)   (mod 2^64),
// the gear hash of the 64 bytes ending with the chunk's last byte c[L-1]. (It
// equals fp after fp = (fp << 1) + gear[c[k]] (mod 2^64) for k = min_size-64
// .. L-1, starting from fp = 0; bits shifted past bit 63 are dropped, so only
// the last 64 bytes count.) The chunk's length is the smallest L with
//   min_size <= L < max_size  and  (h(L) & (L <= normal_size ? mask_s : mask_l)) == 0,
// or max_size if there is no such L. When the file ends first, its remaining
// bytes form the final chunk, which may be shorter than min_size; an empty
// file has no chunk. The bytes before the previous boundary never matter, so
// chunking may restart at any boundary knowing only its offset.
//
// This is FastCDC's normalized chunking at level 2 (mask bits b+2 and b-2)
// with cut-point skipping below min_size. The paper switches masks at the
// expected size itself; with cut-point skipping that makes the mean chunk
// ~1.19 * avg_size for min_size = avg_size/2. Switching at normal_size = 3/4
// of avg_size instead, past which the looser mask cuts after avg_size/4 bytes
// on average, brings the mean to ~avg_size (0.98 * avg_size for min_size =
// avg_size/2, 0.94 * avg_size for min_size = avg_size/4). Since mask_l's bits
// are a subset of mask_s's, a position that passes the stricter test passes
// the looser one too.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "common/status.h"

namespace pb::repo {

// The repository's chunker secret (MasterKey::chunker in repo/crypto.h).
using ChunkerKey = std::array<uint8_t, 32>;
using GearTable = std::array<uint64_t, 256>;

// Chunk length limits in bytes; the defaults are repository format version 1.
// Valid when 64 <= min_size < avg_size < max_size <= 1 GiB and avg_size is a
// power of two.
struct ChunkerParams {
  size_t min_size = size_t{512} << 10;
  size_t avg_size = size_t{1} << 20;
  size_t max_size = size_t{8} << 20;
};

// Ok, or InvalidArgument naming the rule `params` breaks.
Status ValidateChunkerParams(const ChunkerParams& params);

// normal_size of the cut-point rule: avg_size - avg_size / 4.
size_t NormalSize(const ChunkerParams& params);

// The gear table of `key`, exactly as specified at the top of this file.
GearTable DeriveGearTable(const ChunkerKey& key);

// Finds chunk boundaries in a byte stream fed in pieces of any size. Memory is
// constant: the chunker keeps the gear table and two integers, never data, so
// the caller holds the current chunk's bytes (at most max_size). Boundaries
// depend only on the bytes, not on how the stream was split into calls.
//
//   Result<Chunker> chunker = Chunker::Create(params, key);
//   std::vector<uint8_t> chunk;
//   for each buffer `buf` read from the file:
//     while (!buf.empty()) {
//       std::optional<size_t> cut = chunker->Scan(buf);
//       size_t n = cut.value_or(buf.size());
//       chunk.insert(chunk.end(), buf.begin(), buf.begin() + n);
//       if (cut) { Store(chunk); chunk.clear(); }
//       buf = buf.subspan(n);
//     }
//   if (!chunk.empty()) Store(chunk);   // the final, possibly short, chunk
//
// Copyable (a copy continues independently from the same position).
class Chunker {
 public:
  // InvalidArgument when ValidateChunkerParams(params) is not ok.
  static Result<Chunker> Create(const ChunkerParams& params, const ChunkerKey& key);

  // Scans `data`, the next bytes of the stream. When the current chunk ends
  // inside data, returns n in [1, data.size()]: data[0, n) are the chunk's last
  // bytes and data[n] (if any) is the first byte of the next chunk, so the next
  // call must start at data + n. Returns nullopt when every byte of data
  // belongs to the current chunk, which continues (always for empty data).
  // End of stream is the caller's business: whatever it holds is the final
  // chunk; call Reset() before reusing the chunker.
  std::optional<size_t> Scan(std::span<const uint8_t> data);

  // Declares that the next byte fed starts a chunk: call before each file, and
  // to resume chunking at a known boundary (see ResumeAfterAppend). No other
  // state is needed to resume, because the gear hash restarts at every chunk:
  // a chunker Reset at any boundary of a stream finds exactly the boundaries
  // that follow it.
  void Reset() {
    pos_ = 0;
    fp_ = 0;
  }

  // Bytes of the current chunk scanned so far (always < max_size).
  size_t pending() const { return pos_; }
  const ChunkerParams& params() const { return params_; }

 private:
  Chunker(const ChunkerParams& params, const ChunkerKey& key);

  ChunkerParams params_;
  uint64_t mask_s_ = 0;
  uint64_t mask_l_ = 0;
  GearTable gear_{};
  size_t pos_ = 0;   // offset in the current chunk of the next byte
  uint64_t fp_ = 0;  // gear hash so far (0 until offset min_size - 64)
};

// Where to continue chunking a file that grew by appending. `old_lengths` are
// the chunk lengths recorded for its previous content D (same params and key).
// Every chunk of D but the last ended at a boundary decided by its own bytes,
// so it is also a chunk of D + appended bytes; the last one may have ended only
// because D did. Returns the number of leading old chunks to reuse (all but
// the last) and the file offset (the start of D's last chunk) from which a
// Reset() chunker continues; both are 0 when D had no chunk.
// REQUIRES: the file's first `offset` bytes are unchanged since old_lengths
// were computed. The chunker cannot check this; the caller must.
struct ResumePoint {
  size_t reused_chunks = 0;
  uint64_t offset = 0;
};
ResumePoint ResumeAfterAppend(std::span<const uint64_t> old_lengths);

}  // namespace pb::repo
