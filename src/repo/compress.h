// Compression of repository blobs (zstd), applied before sealing.
// Layout: one format tag byte, then the payload:
//   0x00 = stored: the payload is the data as is;
//   0x01 = zstd: the payload is exactly one zstd frame whose header records
//          the decompressed size (no frame checksum: the sealed envelope and
//          the blob id already authenticate the bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace pb::repo {

inline constexpr uint8_t kCompressStored = 0;
inline constexpr uint8_t kCompressZstd = 1;

// Compresses `data` at zstd `level` (1..19; zstd clamps other values). Falls
// back to tag 0 when zstd does not make the payload strictly smaller, so the
// output is never longer than data.size() + 1. Thread-safe (one zstd context
// per thread).
std::string Compress(std::string_view data, int level = 3);

// The most bytes Compress gives for `n` bytes of data.
constexpr size_t CompressBound(size_t n) { return n + 1; }
// Compress without an allocation: writes what Compress gives into out[0, k)
// and returns k. REQUIRES: out has CompressBound(data.size()) bytes (they
// need not be initialized).
size_t CompressTo(std::string_view data, int level, char* out);

// Reverses Compress. Corruption (with the reason) on: empty input, an unknown
// tag, anything but a single complete zstd frame that states its decompressed
// size, a zstd decoding error, or a decompressed size above max_size.
// Never allocates more than max_size bytes for the result, whatever the
// input claims.
Result<std::string> Decompress(std::string_view data, size_t max_size);

// The two halves of Decompress, for callers that decode into storage of
// their own (restore: a reused buffer, never zeroed). DecodedSize checks
// everything Decompress checks before decoding and returns the size the
// data decodes to; DecompressInto then decodes it into out[0, size), where
// `size` is what DecodedSize returned: Corruption on a zstd decoding error
// or a frame holding another number of bytes than it declares.
Result<size_t> DecodedSize(std::string_view data, size_t max_size);
Status DecompressInto(std::string_view data, char* out, size_t size);

}  // namespace pb::repo
