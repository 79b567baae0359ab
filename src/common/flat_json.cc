#include "common/flat_json.h"

#include <array>
#include <cstring>

namespace pb {
namespace {

// A plain string starting after its opening quote at *pos: its characters,
// with *pos moved past the closing quote; false if it holds anything else.
bool TakePlainString(std::string_view s, size_t* pos, std::string_view* out) {
  // The bytes a plain string holds: printable ASCII but the quote and the backslash.
  static constexpr auto kPlain = [] {
    std::array<bool, 256> plain{};
    for (int c = 0x20; c <= 0x7e; ++c) plain[c] = c != '"' && c != '\\';
    return plain;
  }();
  size_t start = *pos;
  size_t i = start;
  // Eight bytes at a time while none can end the string or be refused
  // (the usual bit tricks, exact for "any byte"), then byte by byte.
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
  auto has_zero = [&](uint64_t x) { return ((x - kOnes) & ~x & kHighs) != 0; };
  while (i + 8 <= s.size()) {
    uint64_t x;
    std::memcpy(&x, s.data() + i, 8);
    bool below_space = ((x - kOnes * 0x20) & ~x & kHighs) != 0;
    bool above_tilde = (((x + kOnes) | x) & kHighs) != 0;
    if (below_space || above_tilde || has_zero(x ^ (kOnes * '"')) || has_zero(x ^ (kOnes * '\\'))) break;
    i += 8;
  }
  while (i < s.size() && kPlain[static_cast<unsigned char>(s[i])]) ++i;
  if (i == s.size() || s[i] != '"') return false;
  *out = s.substr(start, i - start);
  *pos = i + 1;
  return true;
}

// An unsigned decimal at *pos (no leading zero, at most 19 digits, so no
// overflow), with *pos moved past it.
bool TakeNumber(std::string_view s, size_t* pos, uint64_t* out) {
  size_t i = *pos;
  uint64_t value = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    value = value * 10 + static_cast<uint64_t>(s[i] - '0');
    ++i;
  }
  size_t digits = i - *pos;
  if (digits == 0 || digits > 19 || (digits > 1 && s[*pos] == '0')) return false;
  *out = value;
  *pos = i;
  return true;
}

}  // namespace

int ScanFlatObject(std::string_view json, FlatMember* out, int max) {
  if (json.size() < 2 || json.front() != '{') return -1;
  if (json == "{}") return 0;
  size_t pos = 1;
  int n = 0;
  for (;;) {
    if (n == max || pos >= json.size() || json[pos] != '"') return -1;
    FlatMember& m = out[n++];
    ++pos;
    if (!TakePlainString(json, &pos, &m.key)) return -1;
    if (pos >= json.size() || json[pos] != ':') return -1;
    ++pos;
    if (pos < json.size() && json[pos] == '"') {
      ++pos;
      m.is_string = true;
      m.number = 0;
      if (!TakePlainString(json, &pos, &m.text)) return -1;
    } else {
      m.is_string = false;
      m.text = {};
      if (!TakeNumber(json, &pos, &m.number)) return -1;
    }
    if (pos >= json.size()) return -1;
    if (json[pos] == '}') return pos + 1 == json.size() ? n : -1;
    if (json[pos] != ',') return -1;
    ++pos;
  }
}

}  // namespace pb
