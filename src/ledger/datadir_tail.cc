// Where an append-only log of the data directory ends: its last complete
// line, and the last record of a journal (ledger/datadir.h).
#include <sys/stat.h>

#include <simdjson.h>

#include <algorithm>
#include <cerrno>

#include "common/file_util.h"
#include "ledger/datadir.h"

namespace pb::ledger {
namespace {

constexpr size_t kBlockBytes = 64 << 10;

Result<uint64_t> SizeOf(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::FromErrno("stat " + path, errno);
  return static_cast<uint64_t>(st.st_size);
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

}  // namespace

Result<LastLine> FindLastLine(int fd, uint64_t size, uint64_t window, const std::string& path) {
  LastLine out;
  const uint64_t floor = size - std::min(size, window);
  std::string line;  // the last line's bytes found so far, once out.end is known
  std::string block;
  for (uint64_t pos = size; pos > floor;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kBlockBytes, pos - floor));
    pos -= n;
    block.resize(n);
    PB_RETURN_IF_ERROR(ReadExact(fd, pos, block.data(), n, path));
    std::string_view view(block);
    if (out.end == 0) {
      const size_t nl = view.rfind('\n');
      if (nl == std::string_view::npos) continue;  // still in a torn last line
      out.end = pos + nl + 1;
      view = view.substr(0, nl);
    }
    const size_t start = view.rfind('\n');
    line.insert(0, view.substr(start == std::string_view::npos ? 0 : start + 1));
    if (line.size() > kMaxLineBytes) return out;
    if (start != std::string_view::npos) {
      out.text = std::move(line);
      return out;
    }
  }
  if (out.end > 0 && floor == 0) out.text = std::move(line);  // the file's first line
  return out;
}

Result<ChainPoint> LastRecordOfSegment(const std::string& path, uint64_t end) {
  PB_ASSIGN_OR_RETURN(ScopedFd fd, OpenForReading(path));
  PB_ASSIGN_OR_RETURN(LastLine last, FindLastLine(fd.get(), end, kMaxLineBytes, path));
  if (last.end != end) {
    return Status::Corruption(path + " does not end with a complete record at byte " + std::to_string(end));
  }
  if (!last.text) return Status::Corruption("the last line of " + path + " is longer than any journal record");
  return ParseRecordLine(*last.text, "the last line of " + path);
}

Result<ChainPoint> LastJournalRecord(const std::string& journal_dir) {
  if (!IsDir(journal_dir)) return ChainPoint{};
  PB_ASSIGN_OR_RETURN(auto segments, ListSegments(journal_dir));
  for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
    PB_ASSIGN_OR_RETURN(ScopedFd fd, OpenForReading(it->path));
    PB_ASSIGN_OR_RETURN(uint64_t size, SizeOf(fd.get(), it->path));
    PB_ASSIGN_OR_RETURN(LastLine last, FindLastLine(fd.get(), size, kMaxLineBytes, it->path));
    if (last.end > 0) return LastRecordOfSegment(it->path, last.end);
    if (size > kMaxLineBytes) {
      return Status::Corruption(it->path + " ends in more than 1 MiB without a complete record");
    }
    // Empty, or only a torn record: the previous segment holds the last record.
  }
  return ChainPoint{};
}

Result<Digest> JournalRecordHash(const std::string& journal_dir, uint64_t seq) {
  PB_ASSIGN_OR_RETURN(auto segments, ListSegments(journal_dir));
  const Segment* holder = nullptr;
  for (const Segment& s : segments) {
    if (s.first_seq <= seq) holder = &s;
  }
  if (!holder) return Status::NotFound(journal_dir + " holds no record " + std::to_string(seq));
  PB_ASSIGN_OR_RETURN(std::string text, ReadFile(holder->path));
  size_t start = 0;
  for (uint64_t i = holder->first_seq; i < seq; ++i) {
    start = text.find('\n', start);
    if (start == std::string::npos) break;
    ++start;
  }
  size_t end = start == std::string::npos ? std::string::npos : text.find('\n', start);
  if (end == std::string::npos) return Status::NotFound(journal_dir + " holds no record " + std::to_string(seq));
  PB_ASSIGN_OR_RETURN(ChainPoint point, ParseRecordLine(std::string_view(text).substr(start, end - start),
                                                        "record " + std::to_string(seq) + " of " + holder->path));
  if (point.seq != seq) {
    return Status::Corruption(holder->path + ": the record where seq " + std::to_string(seq) + " belongs has seq " +
                              std::to_string(point.seq) + "; run `paymentsctl verify`");
  }
  return point.hash;
}

}  // namespace pb::ledger
