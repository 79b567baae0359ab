#include "ledger/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/file_util.h"
#include "common/log.h"

namespace pb::ledger {

std::string SegmentPath(const std::string& journal_dir, uint64_t first_seq) {
  char name[40];
  std::snprintf(name, sizeof name, "%020llu.journal", static_cast<unsigned long long>(first_seq));
  return journal_dir + "/" + name;
}

Result<std::vector<Segment>> ListSegments(const std::string& journal_dir) {
  std::vector<Segment> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(journal_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() != 28 || name.substr(20) != ".journal") continue;
    if (!std::all_of(name.begin(), name.begin() + 20, [](char c) { return c >= '0' && c <= '9'; })) continue;
    out.push_back({std::stoull(name.substr(0, 20)), entry.path().string()});
  }
  if (ec) return Status::IOError("list " + journal_dir + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const Segment& a, const Segment& b) { return a.first_seq < b.first_seq; });
  return out;
}

namespace {

Status Corrupt(const std::string& path, uint64_t seq, uint64_t offset, const std::string& why) {
  return Status::Corruption(path + ": record seq " + std::to_string(seq) + " at byte offset " +
                            std::to_string(offset) + ": " + why +
                            ". The journal is damaged; restore the data directory from a backup "
                            "(paymentsctl restore) or contact an engineer — nothing was modified");
}

// Checks one line (without its newline) against the chain; on success fills
// *record and advances *point.
Status CheckLine(std::string_view line, ChainPoint* point, Record* record, std::string* why) {
  if (line.size() < 66 || line[64] != ' ') {
    *why = "line is not '<64 hex hash> <json body>'";
    return Status::Corruption("");
  }
  Digest stated;
  if (!FromHex(line.substr(0, 64), &stated)) {
    *why = "hash is not 64 lowercase hex digits";
    return Status::Corruption("");
  }
  std::string_view body = line.substr(65);
  auto decoded = DecodeBody(body);
  if (!decoded.ok()) {
    *why = decoded.status().message();
    return Status::Corruption("");
  }
  if (decoded->seq != point->seq + 1) {
    *why = "sequence gap or reorder: expected seq " + std::to_string(point->seq + 1) + ", found " +
           std::to_string(decoded->seq);
    return Status::Corruption("");
  }
  Digest computed = ChainHash(point->hash, body);
  if (computed != stated) {
    *why = "hash chain broken (record edited, or a record before it changed)";
    return Status::Corruption("");
  }
  point->seq = decoded->seq;
  point->hash = computed;
  *record = std::move(decoded.value());
  return Status::Ok();
}

}  // namespace

Result<ReadResult> ReadJournal(const std::string& journal_dir, const ChainPoint& start, bool repair,
                               const RecordFn& fn) {
  auto segments = ListSegments(journal_dir);
  if (!segments.ok()) return segments.status();
  ReadResult result;
  result.end = start;
  const auto& segs = *segments;
  // Begin with the segment holding record max(start.seq, 1).
  const uint64_t anchor = std::max<uint64_t>(start.seq, 1);
  size_t first = 0;
  while (first + 1 < segs.size() && segs[first + 1].first_seq <= anchor) ++first;
  if (segs.empty()) {
    if (start.seq > 0) return Status::Corruption(journal_dir + " has no segments but the checkpoint is at seq " +
                                                 std::to_string(start.seq));
    return result;
  }
  if (segs[first].first_seq > anchor) {
    return Status::Corruption(journal_dir + ": records " + std::to_string(anchor) +
                              " to " + std::to_string(segs[first].first_seq - 1) + " are missing (segment deleted?)");
  }
  // Records up to start.seq are located, not re-verified; the one at start.seq
  // must carry start.hash.
  ChainPoint point{segs[first].first_seq - 1, {}};
  bool verifying = start.seq == 0 || point.seq == start.seq;
  if (verifying) point = start;
  std::string buf;
  for (size_t i = first; i < segs.size(); ++i) {
    const std::string& path = segs[i].path;
    auto text = ReadFile(path);
    if (!text.ok()) return text.status();
    buf = std::move(text.value());
    bool last = i + 1 == segs.size();
    if (point.seq + 1 != segs[i].first_seq && !buf.empty()) {
      return Corrupt(path, point.seq + 1, 0, "segment name says it starts at seq " + std::to_string(segs[i].first_seq));
    }
    if (!last && buf.empty()) return Corrupt(path, point.seq + 1, 0, "segment is empty but is not the newest");
    size_t pos = 0;
    while (pos < buf.size()) {
      size_t nl = buf.find('\n', pos);
      bool complete = nl != std::string::npos;
      std::string_view line(buf.data() + pos, (complete ? nl : buf.size()) - pos);
      Record record;
      std::string why;
      Status st = Status::Ok();
      if (!complete) {
        why = "record has no terminating newline";
        st = Status::Corruption("");
      } else if (verifying) {
        st = CheckLine(line, &point, &record, &why);
      } else {
        // Before the start point: only find the record at start.seq and compare its hash.
        Digest stated;
        ++point.seq;
        if (point.seq == start.seq) {
          if (!FromHex(line.substr(0, 64), &stated) || stated != start.hash) {
            return Corrupt(path, point.seq, pos, "does not match the hash recorded in journal/CHECKPOINT");
          }
          point.hash = stated;
          verifying = true;
        }
      }
      if (!st.ok()) {
        bool final_line = !complete || nl + 1 == buf.size();
        if (last && final_line && verifying) {
          result.torn = true;
          result.tail = {path, pos, buf.size() - pos};
          if (repair) {
            spdlog::warn("journal: cutting a torn last record in {} at byte offset {} ({} bytes): {}", path, pos,
                         buf.size() - pos, why);
            if (::truncate(path.c_str(), static_cast<off_t>(pos)) != 0) return Status::FromErrno("truncate " + path, errno);
          }
          break;
        }
        return Corrupt(path, point.seq + 1, pos, why);
      }
      if (verifying && point.seq > start.seq) PB_RETURN_IF_ERROR(fn(record, std::string_view(buf.data() + pos, nl + 1 - pos)));
      pos = nl + 1;
    }
  }
  if (!verifying) {
    return Status::Corruption(journal_dir + ": the journal ends at seq " + std::to_string(point.seq) +
                              " before the checkpoint's seq " + std::to_string(start.seq));
  }
  result.end = point;
  return result;
}

JournalWriter::~JournalWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status JournalWriter::OpenSegment(const std::string& path, bool created) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) return Status::FromErrno("open journal segment " + path, errno);
  struct stat st;
  if (::fstat(fd_, &st) != 0) return Status::FromErrno("stat " + path, errno);
  size_ = static_cast<uint64_t>(st.st_size);
  if (created) return FsyncDir(dir_);
  return Status::Ok();
}

Status JournalWriter::Open(const std::string& journal_dir, uint64_t next_seq) {
  dir_ = journal_dir;
  PB_RETURN_IF_ERROR(MakeDirs(journal_dir));
  auto segments = ListSegments(journal_dir);
  if (!segments.ok()) return segments.status();
  if (segments->empty()) return OpenSegment(SegmentPath(journal_dir, next_seq), true);
  return OpenSegment(segments->back().path, false);
}

Status JournalWriter::AppendDurably(uint64_t first_seq, std::string_view lines) {
  if (size_ >= kSegmentRollBytes) PB_RETURN_IF_ERROR(OpenSegment(SegmentPath(dir_, first_seq), true));
  PB_RETURN_IF_ERROR(WriteAll(fd_, lines, "journal segment"));
  size_ += lines.size();
  if (::fdatasync(fd_) != 0) return Status::FromErrno("fdatasync journal segment", errno);
  return Status::Ok();
}

}  // namespace pb::ledger

