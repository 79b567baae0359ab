#include "server/validate.h"

#include <algorithm>

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

Status CheckReason(std::string_view value) {
  if (value.empty() || value.size() > 256) return Status::InvalidArgument("reason must have 1 to 256 characters");
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) return Status::InvalidArgument("reason must not contain control characters");
  }
  return Status::Ok();
}

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

std::string QueryParam(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key) return eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return "";
}

}  // namespace pb::server
