#include "repo/compress.h"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

namespace pb::repo {
namespace {

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// Contexts are reused: creating one per blob costs more than compressing a
// small blob.
ZSTD_CCtx* ThreadCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxFree> ctx(ZSTD_createCCtx());
  if (!ctx) throw std::bad_alloc();
  return ctx.get();
}

ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> ctx(ZSTD_createDCtx());
  if (!ctx) throw std::bad_alloc();
  return ctx.get();
}

// Writes data stored as is (tag 0) into out; returns the bytes written.
size_t StoreTo(std::string_view data, char* out) {
  out[0] = static_cast<char>(kCompressStored);
  if (!data.empty()) std::memcpy(out + 1, data.data(), data.size());
  return data.size() + 1;
}

Status Corrupt(const std::string& why) { return Status::Corruption("compressed blob: " + why); }

}  // namespace

size_t CompressTo(std::string_view data, int level, char* out) {
  if (data.empty()) return StoreTo(data, out);
  ZSTD_CCtx* cctx = ThreadCCtx();
  ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);

  // Only a strictly smaller frame is worth keeping: cap the output there and
  // let zstd fail with dstSize_tooSmall otherwise.
  out[0] = static_cast<char>(kCompressZstd);
  size_t n = ZSTD_compress2(cctx, out + 1, data.size() - 1, data.data(), data.size());
  if (ZSTD_isError(n)) return StoreTo(data, out);
  return n + 1;
}

std::string Compress(std::string_view data, int level) {
  std::string out(CompressBound(data.size()), '\0');
  out.resize(CompressTo(data, level, out.data()));
  return out;
}

Result<size_t> DecodedSize(std::string_view data, size_t max_size) {
  if (data.empty()) return Corrupt("empty (no format tag)");
  const auto tag = static_cast<uint8_t>(data[0]);
  std::string_view payload = data.substr(1);
  if (tag == kCompressStored) {
    if (payload.size() > max_size) {
      return Corrupt("stored size " + std::to_string(payload.size()) + " is above the limit of " +
                     std::to_string(max_size) + " bytes");
    }
    return payload.size();
  }
  if (tag != kCompressZstd) return Corrupt("unknown format tag " + std::to_string(tag));

  // Only a regular zstd frame (not a skippable or legacy one).
  if (payload.size() < 4 || (static_cast<uint32_t>(static_cast<uint8_t>(payload[0])) |
                             static_cast<uint32_t>(static_cast<uint8_t>(payload[1])) << 8 |
                             static_cast<uint32_t>(static_cast<uint8_t>(payload[2])) << 16 |
                             static_cast<uint32_t>(static_cast<uint8_t>(payload[3])) << 24) != ZSTD_MAGICNUMBER) {
    return Corrupt("payload is not a zstd frame");
  }
  unsigned long long size = ZSTD_getFrameContentSize(payload.data(), payload.size());
  if (size == ZSTD_CONTENTSIZE_ERROR) return Corrupt("invalid zstd frame header");
  if (size == ZSTD_CONTENTSIZE_UNKNOWN) return Corrupt("zstd frame does not state its decompressed size");
  if (size > max_size) {
    return Corrupt("zstd frame declares " + std::to_string(size) + " bytes, above the limit of " +
                   std::to_string(max_size) + " bytes");
  }
  size_t frame = ZSTD_findFrameCompressedSize(payload.data(), payload.size());
  if (ZSTD_isError(frame)) return Corrupt(std::string("truncated or invalid zstd frame: ") + ZSTD_getErrorName(frame));
  if (frame != payload.size()) {
    return Corrupt(std::to_string(payload.size() - frame) + " unexpected bytes after the zstd frame");
  }
  return static_cast<size_t>(size);
}

Status DecompressInto(std::string_view data, char* out, size_t size) {
  std::string_view payload = data.substr(1);
  if (static_cast<uint8_t>(data[0]) == kCompressStored) {
    std::copy(payload.begin(), payload.end(), out);
    return Status::Ok();
  }
  size_t n = ZSTD_decompressDCtx(ThreadDCtx(), out, size, payload.data(), payload.size());
  if (ZSTD_isError(n)) return Corrupt(std::string("zstd: ") + ZSTD_getErrorName(n));
  if (n != size) {
    return Corrupt("zstd frame declares " + std::to_string(size) + " bytes but holds " + std::to_string(n));
  }
  return Status::Ok();
}

Result<std::string> Decompress(std::string_view data, size_t max_size) {
  auto size = DecodedSize(data, max_size);
  if (!size.ok()) return size.status();
  std::string out(*size, '\0');
  PB_RETURN_IF_ERROR(DecompressInto(data, out.data(), out.size()));
  return out;
}

}  // namespace pb::repo
