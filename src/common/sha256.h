// SHA-256 through OpenSSL (uses the CPU's SHA extensions when present).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace pb {

using Digest = std::array<uint8_t, 32>;

// Incremental SHA-256. Not copyable; reusable after Finish().
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view data);
  void Update(const Digest& d) { Update(std::string_view(reinterpret_cast<const char*>(d.data()), d.size())); }
  // Returns the digest and resets for the next message.
  Digest Finish();

 private:
  void* ctx_;
};

// SHA-256 of `data` in one call.
Digest Sha256Of(std::string_view data);
// The same as lowercase hex.
std::string Sha256Hex(std::string_view data);

std::string ToHex(const Digest& d);
// Parses 64 hex characters; returns false on anything else.
bool FromHex(std::string_view hex, Digest* out);
// Whether `hex` is exactly ToHex(d) (cheaper than parsing it: no validation).
bool HexEquals(const Digest& d, std::string_view hex);

}  // namespace pb
