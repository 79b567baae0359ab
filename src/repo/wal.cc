#include "repo/wal.h"

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "common/json_text.h"
#include "repo/compress.h"
#include "repo/json_fields.h"
#include "repo/repository.h"

namespace pb::repo {
namespace {

constexpr size_t kStreamDigits = 16;
constexpr size_t kSeqDigits = 20;

std::string Seq20(uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020llu", static_cast<unsigned long long>(seq));
  return buf;
}

bool ParseSeq20(std::string_view digits, uint64_t* out) {
  if (digits.size() != kSeqDigits) return false;
  uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    if (v > (UINT64_MAX - static_cast<uint64_t>(c - '0')) / 10) return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

// A merged name's last ts: 1 to 15 decimal digits without a leading zero
// (up to year 9999 in ms).
bool ParseTs(std::string_view digits, int64_t* out) {
  if (digits.empty() || digits.size() > 15 || (digits.size() > 1 && digits[0] == '0')) return false;
  int64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool IsSegmentName(std::string_view s) {
  uint64_t seq = 0;
  return s.size() == kSeqDigits + 8 && s.substr(kSeqDigits) == ".journal" && ParseSeq20(s.substr(0, kSeqDigits), &seq);
}

}  // namespace

std::string WalStream(std::string_view host, std::string_view data_dir) {
  std::string key(host);
  key += '\n';
  key += data_dir;
  return Sha256Hex(key).substr(0, kStreamDigits);
}

std::string WalObjectName(std::string_view stream, uint64_t first_seq, uint64_t last_seq) {
  return std::string(stream) + "_" + Seq20(first_seq) + "-" + Seq20(last_seq);
}

std::string MergedWalObjectName(std::string_view stream, uint64_t first_seq, uint64_t last_seq, int level,
                                int64_t last_ts_ms) {
  return WalObjectName(stream, first_seq, last_seq) + "_L" + std::to_string(level) + "_" + std::to_string(last_ts_ms);
}

std::string WalObjectNameOf(const WalObject& obj) {
  const std::string stream = WalStream(obj.host, obj.data_dir);
  if (obj.level == 0) return WalObjectName(stream, obj.first_seq, obj.last_seq);
  return MergedWalObjectName(stream, obj.first_seq, obj.last_seq, obj.level, obj.last_ts_ms);
}

Result<WalName> ParseWalName(std::string_view name) {
  auto bad = [&] {
    return Status::InvalidArgument("\"" + std::string(name) +
                                   "\" is not a wal object name (<16 hex>_<20 digits>-<20 digits>, "
                                   "merged: followed by _L<level 1-" + std::to_string(kWalTopLevel) + ">_<last ts>)");
  };
  constexpr size_t kLevel0Size = kStreamDigits + 2 + 2 * kSeqDigits;
  if (name.size() < kLevel0Size || name[kStreamDigits] != '_' || name[kStreamDigits + 1 + kSeqDigits] != '-') {
    return bad();
  }
  WalName out;
  out.name = std::string(name);
  out.stream = std::string(name.substr(0, kStreamDigits));
  if (!std::all_of(out.stream.begin(), out.stream.end(),
                   [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); })) {
    return bad();
  }
  if (!ParseSeq20(name.substr(kStreamDigits + 1, kSeqDigits), &out.first_seq) ||
      !ParseSeq20(name.substr(kStreamDigits + 2 + kSeqDigits, kSeqDigits), &out.last_seq) || out.first_seq == 0 ||
      out.last_seq < out.first_seq) {
    return bad();
  }
  if (name.size() == kLevel0Size) return out;
  const std::string_view merged = name.substr(kLevel0Size);  // "_L<level>_<last ts>"
  if (merged.size() < 5 || merged.substr(0, 2) != "_L" || merged[2] < '1' || merged[2] > '0' + kWalTopLevel ||
      merged[3] != '_' || !ParseTs(merged.substr(4), &out.last_ts_ms)) {
    return bad();
  }
  out.level = merged[2] - '0';
  return out;
}

namespace {

// The header line, "\n" included, of `obj` holding `bytes` of records.
std::string HeaderLine(const WalObject& obj, size_t bytes) {
  std::string plain;
  JsonObject header(&plain);
  header.UInt("version", 1)
      .Str("host", obj.host)
      .Str("data_dir", obj.data_dir)
      .Str("segment", obj.segment)
      .UInt("offset", obj.offset)
      .UInt("first_seq", obj.first_seq)
      .UInt("last_seq", obj.last_seq)
      .Str("prev_hash", ToHex(obj.prev_hash))
      .Int("first_ts_ms", obj.first_ts_ms)
      .Int("last_ts_ms", obj.last_ts_ms)
      .UInt("bytes", bytes);
  if (obj.level != 0) header.UInt("level", static_cast<uint64_t>(obj.level));
  header.Close();
  plain += '\n';
  return plain;
}

}  // namespace

std::string EncodeWalObject(const MasterKey& key, const WalObject& obj) {
  std::string plain = HeaderLine(obj, obj.records.size());
  plain += obj.records;
  return SealFile(key, plain);
}

std::string EncodeWalObject(const MasterKey& key, WalObject&& obj) {
  const std::string header = HeaderLine(obj, obj.records.size());
  std::string plain = std::move(obj.records);
  plain.insert(0, header);
  return SealFile(key, plain);
}

Result<WalObject> DecodeWalObject(const MasterKey& key, std::string_view stored, std::string_view name,
                                  std::string_view what, const WalRecordsCheck& check_records) {
  auto plain = OpenSealedFile(key, stored, what);
  if (!plain.ok()) return plain.status();
  size_t nl = plain->find('\n');
  if (nl == std::string::npos) return Status::Corruption(std::string(what) + ": no header line");
  simdjson::dom::parser parser;
  auto obj_json = ParseObject(parser, std::string_view(*plain).substr(0, nl), what);
  if (!obj_json.ok()) return obj_json.status();
  JsonFields f(*obj_json, std::string(what));
  WalObject obj;
  uint64_t version = 0, bytes = 0, level = 0;
  PB_RETURN_IF_ERROR(f.UInt("version", &version));
  if (version != 1) return f.Bad("version " + std::to_string(version) + " is not supported by this paymentsctl");
  PB_RETURN_IF_ERROR(f.Str("host", &obj.host));
  PB_RETURN_IF_ERROR(f.Str("data_dir", &obj.data_dir));
  PB_RETURN_IF_ERROR(f.Str("segment", &obj.segment));
  PB_RETURN_IF_ERROR(f.UInt("offset", &obj.offset));
  PB_RETURN_IF_ERROR(f.UInt("first_seq", &obj.first_seq));
  PB_RETURN_IF_ERROR(f.UInt("last_seq", &obj.last_seq));
  PB_RETURN_IF_ERROR(f.Hex("prev_hash", &obj.prev_hash));
  PB_RETURN_IF_ERROR(f.Int("first_ts_ms", &obj.first_ts_ms));
  PB_RETURN_IF_ERROR(f.Int("last_ts_ms", &obj.last_ts_ms));
  PB_RETURN_IF_ERROR(f.UInt("bytes", &bytes));
  PB_RETURN_IF_ERROR(f.OptUInt("level", &level));
  if (level > kWalTopLevel) return f.Bad("level " + std::to_string(level) + " is not 0-" + std::to_string(kWalTopLevel));
  obj.level = static_cast<int>(level);
  if (!IsSegmentName(obj.segment)) return f.Bad("segment \"" + obj.segment + "\" is not <20 digits>.journal");
  if (obj.first_seq == 0 || obj.last_seq < obj.first_seq) return f.Bad("first_seq/last_seq are not a range");
  if (bytes != plain->size() - nl - 1) {
    return f.Bad("holds " + std::to_string(plain->size() - nl - 1) + " record bytes but claims " + std::to_string(bytes));
  }
  if (!name.empty()) {
    auto parsed = ParseWalName(name);
    if (!parsed.ok() || parsed->first_seq != obj.first_seq || parsed->last_seq != obj.last_seq ||
        parsed->stream != WalStream(obj.host, obj.data_dir) || parsed->level != obj.level ||
        (obj.level != 0 && parsed->last_ts_ms != obj.last_ts_ms)) {
      return f.Bad("its name does not match its header (stream, first_seq, last_seq, level, last_ts_ms)");
    }
  }
  plain->erase(0, nl + 1);  // the records, without a copy of many MiB
  obj.records = std::move(plain.value());
  Status records = check_records(&obj);
  if (!records.ok()) return f.Bad(records.message());
  return obj;
}

Result<std::vector<std::vector<WalName>>> ListWalStreams(Backend& backend) {
  auto names = backend.List(kWalFolder);
  if (!names.ok()) return names.status();
  std::vector<std::vector<WalName>> streams;
  for (const std::string& n : *names) {
    auto parsed = ParseWalName(n);
    if (!parsed.ok()) {
      return Status::Corruption(backend.Describe() + ": wal/" + n + " is not a wal object name; move it out of the repository");
    }
    if (streams.empty() || streams.back().back().stream != parsed->stream) streams.emplace_back();
    streams.back().push_back(std::move(parsed.value()));
  }
  for (std::vector<WalName>& s : streams) {
    std::sort(s.begin(), s.end(), [](const WalName& a, const WalName& b) {
      return std::tie(a.first_seq, a.last_seq, a.level) < std::tie(b.first_seq, b.last_seq, b.level);
    });
  }
  return streams;
}

Result<std::vector<WalName>> ListWal(Backend& backend, std::string_view stream) {
  auto streams = ListWalStreams(backend);
  if (!streams.ok()) return streams.status();
  for (auto& s : *streams) {
    if (s.front().stream == stream) return std::move(s);
  }
  return std::vector<WalName>{};
}

Result<WalObject> ReadWalObject(Backend& backend, const MasterKey& key, const WalName& name,
                                const WalRecordsCheck& check_records) {
  const std::string path = PathOf(kWalFolder, name.name);
  auto stored = backend.Read(path);
  if (!stored.ok()) return stored.status();
  return DecodeWalObject(key, *stored, name.name, backend.Describe() + ": " + path, check_records);
}

}  // namespace pb::repo
