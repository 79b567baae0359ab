#include "ledger/datadir.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>

#include "common/file_util.h"
#include "common/json_text.h"
#include "common/time_util.h"

namespace pb::ledger {
namespace {

constexpr size_t kSeqDigits = 20;
constexpr std::string_view kSegmentSuffix = ".journal";

}  // namespace

std::string DataPath(const std::string& data_dir, std::string_view rel) {
  std::string path = data_dir;
  path.push_back('/');
  path.append(rel);
  return path;
}

std::string JournalDir(const std::string& data_dir) { return DataPath(data_dir, kJournalDir); }

std::string StalePath(const std::string& path, uint64_t seq) { return path + ".stale-" + std::to_string(seq); }

bool HasStateFiles(const std::string& data_dir) {
  return std::any_of(std::begin(kStateFiles), std::end(kStateFiles),
                     [&](const char* name) { return FileExists(DataPath(data_dir, name)); });
}

std::string SegmentFileName(uint64_t first_seq) {
  char name[40];
  std::snprintf(name, sizeof name, "%020llu.journal", static_cast<unsigned long long>(first_seq));
  return name;
}

std::optional<uint64_t> ParseSegmentFileName(std::string_view name) {
  if (name.size() != kSeqDigits + kSegmentSuffix.size() || name.substr(kSeqDigits) != kSegmentSuffix) {
    return std::nullopt;
  }
  const char* begin = name.data();
  if (!std::all_of(begin, begin + kSeqDigits, [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  uint64_t seq = 0;
  auto [stop, error] = std::from_chars(begin, begin + kSeqDigits, seq);
  if (error != std::errc() || stop != begin + kSeqDigits) return std::nullopt;  // beyond 2^64 - 1
  return seq;
}

bool IsSegmentName(std::string_view name) { return ParseSegmentFileName(name).has_value(); }

std::string SegmentPath(const std::string& journal_dir, uint64_t first_seq) {
  return DataPath(journal_dir, SegmentFileName(first_seq));
}

bool IsJournalSegment(std::string_view rel) {
  const std::string_view dir = kJournalDir;
  return rel.size() > dir.size() && rel.substr(0, dir.size()) == dir && rel[dir.size()] == '/' &&
         IsSegmentName(rel.substr(dir.size() + 1));
}

bool IsAppendOnlyLog(std::string_view rel) {
  for (const char* log : kMirrorLogs) {
    if (rel == log) return true;
  }
  return rel == kAccessLog || IsJournalSegment(rel);
}

Result<std::vector<Segment>> ListSegments(const std::string& journal_dir) {
  std::vector<Segment> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(journal_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (auto first_seq = ParseSegmentFileName(it->path().filename().string())) {
      out.push_back({*first_seq, it->path().string()});
    }
  }
  if (ec) return Status::IOError("list " + journal_dir + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const Segment& a, const Segment& b) { return a.first_seq < b.first_seq; });
  return out;
}

std::string EncodeCheckpointMarker(const CheckpointMarker& marker, int64_t written_at_ms) {
  std::string text;
  JsonObject m(&text);
  m.Int("format", 1).UInt("seq", marker.point.seq).Str("hash", ToHex(marker.point.hash));
  m.Str("written_at", FormatIso8601(written_at_ms));
  JsonObject files(m.Key("files"));
  for (size_t i = 0; i < kStateFileCount; ++i) files.Str(kStateFiles[i], marker.file_sha[i]);
  files.Close();
  m.Close();
  text.push_back('\n');
  return text;
}

Result<CheckpointMarker> ParseCheckpointMarker(std::string_view text, const std::string& path) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  const Status bad =
      Status::Corruption(path + " is malformed; remove it and the service replays the journal from seq 1");
  if (parser.parse(simdjson::padded_string(text)).get_object().get(obj) != simdjson::SUCCESS) return bad;
  CheckpointMarker m;
  std::string_view hash;
  int64_t format = 0;
  if (obj["format"].get_int64().get(format) != simdjson::SUCCESS || format != 1 ||
      obj["seq"].get_uint64().get(m.point.seq) != simdjson::SUCCESS ||
      obj["hash"].get_string().get(hash) != simdjson::SUCCESS || !FromHex(hash, &m.point.hash)) {
    return bad;
  }
  for (size_t i = 0; i < kStateFileCount; ++i) {
    std::string_view sha;
    if (obj["files"][kStateFiles[i]].get_string().get(sha) != simdjson::SUCCESS) return bad;
    m.file_sha[i] = std::string(sha);
  }
  return m;
}

Result<CheckpointMarker> ReadCheckpointMarker(const std::string& data_dir) {
  const std::string path = DataPath(data_dir, kCheckpointMarker);
  PB_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseCheckpointMarker(text, path);
}

std::array<StateFileMatch, kStateFileCount> MatchCheckpointFiles(const std::string& data_dir,
                                                                 const CheckpointMarker& marker) {
  std::array<StateFileMatch, kStateFileCount> out;
  for (size_t i = 0; i < kStateFileCount; ++i) {
    const std::string path = DataPath(data_dir, kStateFiles[i]);
    auto sha = Sha256File(path);
    if (sha.ok() && *sha == marker.file_sha[i]) {
      out[i].match = FileMatch::kMatches;
      continue;
    }
    auto pending = Sha256File(path + kPendingSuffix);
    if (pending.ok() && *pending == marker.file_sha[i]) {
      out[i].match = FileMatch::kPendingMatches;
    } else if (sha.ok()) {
      out[i].match = FileMatch::kDiffers;
    } else {
      out[i] = {FileMatch::kUnreadable, sha.status()};
    }
  }
  return out;
}

bool AllMatch(const std::array<StateFileMatch, kStateFileCount>& matches) {
  return std::all_of(matches.begin(), matches.end(),
                     [](const StateFileMatch& m) { return m.match == FileMatch::kMatches; });
}

}  // namespace pb::ledger
