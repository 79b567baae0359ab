#include "server/validate.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "common/utf8.h"

namespace pb::server {
namespace {

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

Status CheckHexString(std::string_view field, std::string_view value, size_t digits) {
  if (value.size() != digits + 2 || value.substr(0, 2) != "0x" ||
      !std::all_of(value.begin() + 2, value.end(), IsHex)) {
    return Status::InvalidArgument(std::string(field) + " must be 0x followed by " + std::to_string(digits) +
                                   " hex digits");
  }
  return Status::Ok();
}

// C0, DEL, C1, and the two Unicode line breaks that JSON leaves unescaped.
bool IsControlCharacter(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029; }

std::string CodePointName(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

// Free text of 1..max_chars code points: see CheckReason.
Status CheckFreeText(std::string_view field, std::string_view value, size_t max_chars) {
  const std::string name(field);
  size_t chars = 0;
  for (size_t i = 0; i < value.size(); ++chars) {
    char32_t c = 0;
    const size_t n = DecodeUtf8(value.substr(i), &c);
    if (n == 0) return Status::InvalidArgument(name + " is not valid UTF-8 (byte " + std::to_string(i) + ")");
    if (IsControlCharacter(c)) {
      return Status::InvalidArgument(name + " must not contain control characters (" + CodePointName(c) +
                                     " at character " + std::to_string(chars + 1) + ")");
    }
    i += n;
  }
  if (chars == 0 || chars > max_chars) {
    return Status::InvalidArgument(name + " must have 1 to " + std::to_string(max_chars) +
                                   " characters (Unicode code points); it has " + std::to_string(chars));
  }
  return Status::Ok();
}

// The raw value of `key` (nullopt when absent); InvalidArgument when the
// query names it more than once.
Result<std::optional<std::string_view>> QueryValue(std::string_view query, std::string_view key) {
  std::optional<std::string_view> found;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      if (found) return Status::InvalidArgument("query parameter '" + std::string(key) + "' is given more than once");
      found = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return found;
}

}  // namespace

Status CheckId(std::string_view field, std::string_view value) {
  if (value.empty()) return Status::InvalidArgument(std::string(field) + " must not be empty");
  if (value.size() > 128) return Status::InvalidArgument(std::string(field) + " is longer than 128 characters");
  for (char c : value) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == ':' || c == '-';
    if (!ok) {
      return Status::InvalidArgument(std::string(field) +
                                     " may contain only letters, digits and . _ : - (no spaces or control characters)");
    }
  }
  return Status::Ok();
}

Status CheckAddress(std::string_view value) { return CheckHexString("address", value, 40); }
Status CheckTxHash(std::string_view value) { return CheckHexString("tx_hash", value, 64); }

Status CheckReason(std::string_view value) { return CheckFreeText("reason", value, kMaxReasonChars); }

Result<std::string> PercentDecode(std::string_view segment) {
  std::string out;
  for (size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] != '%') {
      out.push_back(segment[i]);
      continue;
    }
    if (i + 2 >= segment.size() || !IsHex(segment[i + 1]) || !IsHex(segment[i + 2])) {
      return Status::InvalidArgument("malformed %-escape in the path");
    }
    out.push_back(static_cast<char>(std::stoi(std::string(segment.substr(i + 1, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

Result<uint64_t> QueryUInt(std::string_view query, std::string_view key, uint64_t fallback, uint64_t min,
                           uint64_t max) {
  auto raw = QueryValue(query, key);
  if (!raw.ok()) return raw.status();
  if (!*raw) return fallback;
  const std::string_view text = **raw;
  uint64_t value = 0;
  bool ok = !text.empty() && text.size() <= 20;
  for (char c : text) {
    ok = ok && c >= '0' && c <= '9' && !__builtin_mul_overflow(value, 10, &value) &&
         !__builtin_add_overflow(value, static_cast<uint64_t>(c - '0'), &value);
  }
  if (!ok || value < min || value > max) {
    return Status::InvalidArgument("query parameter '" + std::string(key) + "' must be an integer from " +
                                   std::to_string(min) + " to " + std::to_string(max));
  }
  return value;
}

Status CheckQueryKeys(std::string_view query, std::initializer_list<std::string_view> known) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view key = query.substr(0, std::min(amp, query.find('=')));
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string names;
      for (std::string_view k : known) names += (names.empty() ? "" : ", ") + std::string(k);
      return Status::InvalidArgument("unknown query parameter '" + std::string(key.substr(0, 64)) +
                                     "'; this route takes " + names);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return Status::Ok();
}

}  // namespace pb::server
