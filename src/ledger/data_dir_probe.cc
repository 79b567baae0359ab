#include "ledger/data_dir_probe.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <simdjson.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "common/file_util.h"

namespace pb::ledger {
namespace {

constexpr const char* kPythonEraFiles[] = {"registry.json", "balances.json", "workloads.json"};
constexpr size_t kNamesShown = 3;
constexpr uint64_t kTailBytes = 1 << 20;  // a record is far shorter (bodies are at most 64 KiB)

bool IsDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// "<hash> <body>" → the record's seq and stated hash; `where` names it in errors.
Result<ChainPoint> ParseRecordLine(std::string_view line, const std::string& where) {
  ChainPoint point;
  uint64_t seq = 0;
  simdjson::dom::parser parser;
  if (line.size() < 66 || line[64] != ' ' || !FromHex(line.substr(0, 64), &point.hash) ||
      parser.parse(simdjson::padded_string(line.substr(65)))["seq"].get_uint64().get(seq) != simdjson::SUCCESS) {
    return Status::Corruption(where + " is not a journal record (\"<hash> {\\\"seq\\\":N,...}\"); run `paymentsctl "
                                      "verify`");
  }
  point.seq = seq;
  return point;
}

Result<std::string> ReadRange(const std::string& path, uint64_t begin, uint64_t end) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Status::FromErrno("open " + path, errno);
  std::string out(static_cast<size_t>(end - begin), '\0');
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd.get(), out.data() + done, out.size() - done, static_cast<off_t>(begin + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("read " + path, errno);
    if (n == 0) return Status::Corruption(path + " is shorter than " + std::to_string(end) + " bytes");
    done += static_cast<size_t>(n);
  }
  return out;
}

}  // namespace

DataDirKind ClassifyDataDir(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return DataDirKind::kMissing;
  if (!S_ISDIR(st.st_mode)) return DataDirKind::kNotADirectory;
  if (::access(dir.c_str(), R_OK | X_OK) != 0) return DataDirKind::kUnreadable;
  if (IsDir(dir + "/journal")) return DataDirKind::kJournal;
  for (const char* name : kPythonEraFiles) {
    if (FileExists(dir + "/" + name)) return DataDirKind::kPythonEra;
  }
  if (FileExists(dir + "/config") && IsDir(dir + "/keys") && IsDir(dir + "/snapshots")) return DataDirKind::kRepository;
  return DataDirKind::kOther;
}

std::string NotADataDirMessage(const std::string& dir, DataDirKind kind) {
  switch (kind) {
    case DataDirKind::kMissing: return dir + " does not exist";
    case DataDirKind::kNotADirectory: return dir + " is not a directory";
    case DataDirKind::kUnreadable:
      return dir + " cannot be read by this user (" + std::string(std::strerror(EACCES)) +
             "): run as root or as the service's user";
    case DataDirKind::kRepository:
      return dir + " is a paymentsctl backup repository (config, keys/, snapshots/), not a payments data directory";
    case DataDirKind::kJournal:
    case DataDirKind::kPythonEra: return dir + " is a payments data directory";
    case DataDirKind::kOther: break;
  }
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  std::string held;
  for (size_t i = 0; i < names.size() && i < kNamesShown; ++i) held += (i ? ", " : "") + names[i];
  if (names.size() > kNamesShown) held += " and " + std::to_string(names.size() - kNamesShown) + " more";
  return dir + " is not a payments data directory: it has no journal/ and none of registry.json, balances.json, "
               "workloads.json (" + (names.empty() ? "it is empty" : "it holds: " + held) + ")";
}

Result<ChainPoint> LastRecordOfSegment(const std::string& path, uint64_t end) {
  const uint64_t begin = end - std::min(end, kTailBytes);
  auto tail = ReadRange(path, begin, end);
  if (!tail.ok()) return tail.status();
  std::string_view text = *tail;
  if (text.back() != '\n') {
    return Status::Corruption(path + " does not end with a complete record at byte " + std::to_string(end));
  }
  text.remove_suffix(1);
  size_t start = text.rfind('\n');
  if (start == std::string_view::npos && begin > 0) {
    return Status::Corruption("the last line of " + path + " is longer than any journal record");
  }
  return ParseRecordLine(text.substr(start == std::string_view::npos ? 0 : start + 1), "the last line of " + path);
}

Result<ChainPoint> LastJournalRecord(const std::string& journal_dir) {
  if (!IsDir(journal_dir)) return ChainPoint{};
  auto segments = ListSegments(journal_dir);
  if (!segments.ok()) return segments.status();
  for (auto it = segments->rbegin(); it != segments->rend(); ++it) {
    struct stat st;
    if (::stat(it->path.c_str(), &st) != 0) return Status::FromErrno("stat " + it->path, errno);
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    const uint64_t begin = size - std::min(size, kTailBytes);
    auto tail = ReadRange(it->path, begin, size);
    if (!tail.ok()) return tail.status();
    size_t last_nl = tail->rfind('\n');
    if (last_nl != std::string::npos) return LastRecordOfSegment(it->path, begin + last_nl + 1);
    if (begin > 0) return Status::Corruption(it->path + " ends in more than 1 MiB without a complete record");
    // Empty, or only a torn record: the previous segment holds the last record.
  }
  return ChainPoint{};
}

Result<Digest> JournalRecordHash(const std::string& journal_dir, uint64_t seq) {
  auto segments = ListSegments(journal_dir);
  if (!segments.ok()) return segments.status();
  const Segment* holder = nullptr;
  for (const Segment& s : *segments) {
    if (s.first_seq <= seq) holder = &s;
  }
  if (!holder) return Status::NotFound(journal_dir + " holds no record " + std::to_string(seq));
  auto text = ReadFile(holder->path);
  if (!text.ok()) return text.status();
  size_t start = 0;
  for (uint64_t i = holder->first_seq; i < seq; ++i) {
    start = text->find('\n', start);
    if (start == std::string::npos) break;
    ++start;
  }
  size_t end = start == std::string::npos ? std::string::npos : text->find('\n', start);
  if (end == std::string::npos) return Status::NotFound(journal_dir + " holds no record " + std::to_string(seq));
  auto point = ParseRecordLine(std::string_view(*text).substr(start, end - start),
                               "record " + std::to_string(seq) + " of " + holder->path);
  if (!point.ok()) return point.status();
  if (point->seq != seq) {
    return Status::Corruption(holder->path + ": the record where seq " + std::to_string(seq) + " belongs has seq " +
                              std::to_string(point->seq) + "; run `paymentsctl verify`");
  }
  return point->hash;
}

}  // namespace pb::ledger
