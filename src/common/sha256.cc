#include "common/sha256.h"

#include <openssl/evp.h>

#include <cstring>
#include <stdexcept>

namespace pb {
namespace {

// Fetched once: OpenSSL 3 otherwise looks the algorithm up (under a lock) on
// every EVP_DigestInit_ex call.
const EVP_MD* Sha256Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || Sha256Md() == nullptr || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), Sha256Md(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL SHA-256 unavailable");
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::Update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}

Digest Sha256::Finish() {
  Digest d{};
  unsigned int len = 0;
  auto* ctx = static_cast<EVP_MD_CTX*>(ctx_);
  EVP_DigestFinal_ex(ctx, d.data(), &len);
  EVP_DigestInit_ex(ctx, Sha256Md(), nullptr);
  return d;
}

Digest Sha256Of(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.Finish();
}

std::string Sha256Hex(std::string_view data) { return ToHex(Sha256Of(data)); }

namespace {

// The 64 lowercase hex digits of `d` into out[0, 64).
void WriteHex(const Digest& d, char* out) {
  static const char* kHex = "0123456789abcdef";
  for (size_t i = 0; i < d.size(); ++i) {
    out[2 * i] = kHex[d[i] >> 4];
    out[2 * i + 1] = kHex[d[i] & 15];
  }
}

}  // namespace

std::string ToHex(const Digest& d) {
  std::string out(64, '0');
  WriteHex(d, out.data());
  return out;
}

bool HexEquals(const Digest& d, std::string_view hex) {
  char text[64];
  WriteHex(d, text);
  return hex.size() == 64 && std::memcmp(text, hex.data(), 64) == 0;
}

bool FromHex(std::string_view hex, Digest* out) {
  // Lowercase hex digit values; -1 for every other byte.
  static const auto kValue = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<int8_t>(c - '0');
    for (int c = 'a'; c <= 'f'; ++c) t[c] = static_cast<int8_t>(c - 'a' + 10);
    return t;
  }();
  if (hex.size() != 64) return false;
  for (size_t i = 0; i < 32; ++i) {
    int hi = kValue[static_cast<uint8_t>(hex[2 * i])], lo = kValue[static_cast<uint8_t>(hex[2 * i + 1])];
    if ((hi | lo) < 0) return false;
    (*out)[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

}  // namespace pb
