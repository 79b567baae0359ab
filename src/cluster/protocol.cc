#include "cluster/protocol.h"

#include <charconv>
#include <vector>

namespace pb::cluster {
namespace {

constexpr std::string_view kMagic = "PAYMENTS-REPLICATION";
constexpr Refusal kRefusals[] = {Refusal::kVersion, Refusal::kToken, Refusal::kDiverged, Refusal::kAhead,
                                 Refusal::kBusy};

// `line` split at single spaces into at most `max` fields (the last keeps
// the rest of the line).
std::vector<std::string_view> Fields(std::string_view line, size_t max) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < max) {
    const size_t sp = line.find(' ');
    if (sp == std::string_view::npos) break;
    out.push_back(line.substr(0, sp));
    line.remove_prefix(sp + 1);
  }
  out.push_back(line);
  return out;
}

bool ParseU64(std::string_view text, uint64_t* out) {
  if (text.empty() || text.size() > 20 || (text.size() > 1 && text[0] == '0')) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// A token is printable ASCII without spaces: it travels in one field.
bool ValidToken(std::string_view token) {
  if (token.empty() || token.size() > 256) return false;
  for (char c : token) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

}  // namespace

bool ValidNodeName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string FormatHello(const Hello& hello) {
  return std::string(kMagic) + " " + std::to_string(hello.version) + " " + hello.node + " " +
         std::to_string(hello.seq) + " " + ToHex(hello.hash) + " " + (hello.token.empty() ? "-" : hello.token);
}

Result<Hello> ParseHello(std::string_view line) {
  const std::vector<std::string_view> f = Fields(line, 6);
  if (f.size() != 6 || f[0] != kMagic) {
    return Status::InvalidArgument("not a replication hello (expected \"PAYMENTS-REPLICATION <version> <node> <seq> "
                                   "<hash> <token>\"): is this a standby of this service?");
  }
  Hello h;
  uint64_t version = 0;
  if (!ParseU64(f[1], &version)) return Status::InvalidArgument("bad stream version '" + std::string(f[1]) + "'");
  h.version = version > 1000 ? 1000 : static_cast<int>(version);
  if (!ValidNodeName(f[2])) return Status::InvalidArgument("bad node name (use [A-Za-z0-9._-], at most 64)");
  h.node = std::string(f[2]);
  if (!ParseU64(f[3], &h.seq)) return Status::InvalidArgument("bad seq '" + std::string(f[3]) + "'");
  if (f[4].size() != 64 || !FromHex(f[4], &h.hash)) return Status::InvalidArgument("bad hash (64 hex digits)");
  if (f[5] != "-") {
    if (!ValidToken(f[5])) return Status::InvalidArgument("bad token field");
    h.token = std::string(f[5]);
  }
  return h;
}

std::string_view RefusalName(Refusal r) {
  switch (r) {
    case Refusal::kVersion: return "version";
    case Refusal::kToken: return "token";
    case Refusal::kDiverged: return "diverged";
    case Refusal::kAhead: return "ahead";
    case Refusal::kBusy: return "busy";
  }
  return "version";
}

std::string FormatAnswer(const Answer& a) {
  if (a.ok) return "OK " + a.node + " " + std::to_string(a.durable_seq);
  std::string message = a.message;
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return "ERR " + std::string(RefusalName(a.refusal)) + " " + message;
}

Result<Answer> ParseAnswer(std::string_view line) {
  Answer a;
  if (line.starts_with("OK ")) {
    const std::vector<std::string_view> f = Fields(line, 3);
    if (f.size() == 3 && ValidNodeName(f[1]) && ParseU64(f[2], &a.durable_seq)) {
      a.ok = true;
      a.node = std::string(f[1]);
      return a;
    }
  } else if (line.starts_with("ERR ")) {
    const std::vector<std::string_view> f = Fields(line, 3);
    for (Refusal r : kRefusals) {
      if (f.size() == 3 && f[1] == RefusalName(r)) {
        a.refusal = r;
        a.message = std::string(f[2]);
        return a;
      }
    }
  }
  return Status::InvalidArgument("not a primary's answer: '" + std::string(line.substr(0, 80)) + "'");
}

std::string FormatAck(uint64_t seq) { return "ACK " + std::to_string(seq); }

Result<uint64_t> ParseAck(std::string_view line) {
  uint64_t seq = 0;
  if (!line.starts_with("ACK ") || !ParseU64(line.substr(4), &seq)) {
    return Status::InvalidArgument("not an acknowledgement: '" + std::string(line.substr(0, 80)) + "'");
  }
  return seq;
}

}  // namespace pb::cluster
