#include "ledger/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "common/file_ops.h"
#include "common/file_util.h"
#include "common/log.h"

namespace pb::ledger {

namespace {

Status Corrupt(const std::string& path, uint64_t seq, uint64_t offset, const std::string& why) {
  return Status::Corruption(path + ": record seq " + std::to_string(seq) + " at byte offset " +
                            std::to_string(offset) + ": " + why +
                            ". The journal is damaged; restore the data directory from a backup "
                            "(paymentsctl restore) or contact an engineer — nothing was modified");
}

// Checks one line (without its newline) against the chain; on success fills
// *record and advances *point (its hash only with ChainCheck::kHere).
Status CheckLine(std::string_view line, ChainPoint* point, Record* record, std::string* why,
                 ChainCheck chain = ChainCheck::kHere) {
  if (line.size() < 66 || line[64] != ' ') {
    *why = "line is not '<64 hex hash> <json body>'";
    return Status::Corruption("");
  }
  std::string_view stated_hex = line.substr(0, 64);
  std::string_view body = line.substr(65);
  Status decoded = DecodeBodyInto(body, record);
  const bool in_sequence = decoded.ok() && record->seq == point->seq + 1;
  const bool here = chain == ChainCheck::kHere;
  Digest computed = point->hash;
  if (in_sequence && here) computed = ChainHash(point->hash, body);
  if (!in_sequence || (here && !HexEquals(computed, stated_hex))) {
    // Something is wrong: name the first problem in the order the line reads.
    Digest stated;
    if (!FromHex(stated_hex, &stated)) {
      *why = "hash is not 64 lowercase hex digits";
    } else if (!decoded.ok()) {
      *why = decoded.message();
    } else if (record->seq != point->seq + 1) {
      *why = "sequence gap or reorder: expected seq " + std::to_string(point->seq + 1) + ", found " +
             std::to_string(record->seq);
    } else {
      *why = "hash chain broken (record edited, or a record before it changed)";
    }
    return Status::Corruption("");
  }
  point->seq = record->seq;
  point->hash = computed;
  return Status::Ok();
}

}  // namespace

Status CheckChainedLine(std::string_view line, ChainPoint* point, Record* record) {
  std::string why;
  if (CheckLine(line, point, record, &why).ok()) return Status::Ok();
  return Status::Corruption(why);
}

namespace {

// Reads a segment line by line in 4 MiB pieces (bounded memory).
class SegmentLines {
 public:
  struct Line {
    std::string_view text;  // including the newline when complete
    uint64_t offset = 0;
    bool complete = false;
    bool final = false;     // nothing follows it in the file
  };
  Status Open(const std::string& path) {
    path_ = path;
    PB_ASSIGN_OR_RETURN(fd_, OpenForReading(path));
    struct stat st;
    if (::fstat(fd_.get(), &st) != 0) return Status::FromErrno("stat " + path, errno);
    size_ = static_cast<uint64_t>(st.st_size);
    return Status::Ok();
  }
  bool empty() const { return size_ == 0; }
  uint64_t size() const { return size_; }
  // Next line; false at the end of the file.
  Result<bool> Next(Line* line) {
    size_t nl;
    while ((nl = FindNewline()) == kNone || nl + 1 == len_) {
      if (base_ + len_ >= size_) break;  // nothing more to read
      PB_RETURN_IF_ERROR(Fill());
    }
    if (pos_ >= len_) return false;
    line->offset = base_ + pos_;
    line->complete = nl != kNone;
    size_t end = line->complete ? nl + 1 : len_;
    line->text = std::string_view(buf_.get() + pos_, end - pos_);
    line->final = base_ + end >= size_;
    pos_ = end;
    return true;
  }

 private:
  static constexpr size_t kNone = ~size_t{0};
  // The index of the first newline in [pos_, len_), or kNone.
  size_t FindNewline() const {
    const void* nl = pos_ < len_ ? std::memchr(buf_.get() + pos_, '\n', len_ - pos_) : nullptr;
    return nl == nullptr ? kNone : static_cast<size_t>(static_cast<const char*>(nl) - buf_.get());
  }
  // Moves the unread rest to the front and reads up to 4 MiB after it, no
  // more than the file holds (a small segment needs no big buffer). The
  // buffer is not zeroed: the read overwrites it.
  Status Fill() {
    if (pos_ > 0) std::memmove(buf_.get(), buf_.get() + pos_, len_ - pos_);
    base_ += pos_;
    len_ -= pos_;
    pos_ = 0;
    const size_t want = static_cast<size_t>(std::min<uint64_t>(4 << 20, size_ - (base_ + len_)));
    if (len_ + want > cap_) {
      cap_ = std::max(len_ + want, 2 * cap_);  // doubling: a line left over does not reallocate every time
      std::unique_ptr<char[]> bigger(new char[cap_]);
      if (len_ > 0) std::memcpy(bigger.get(), buf_.get(), len_);
      buf_ = std::move(bigger);
    }
    PB_ASSIGN_OR_RETURN(size_t n, ReadAt(fd_.get(), base_ + len_, buf_.get() + len_, want, path_));
    len_ += n;
    if (n < want) size_ = base_ + len_;  // the file shrank under us: stop there
    return Status::Ok();
  }
  std::string path_;
  ScopedFd fd_{-1};
  uint64_t size_ = 0, base_ = 0;
  std::unique_ptr<char[]> buf_;  // [0, len_) read from the file at base_
  size_t len_ = 0, cap_ = 0, pos_ = 0;
};

// The index in `segs` (sorted, not empty) of the segment holding record
// `anchor`; Corruption when the records before the first one are missing.
Result<size_t> SegmentHolding(const std::string& journal_dir, const std::vector<Segment>& segs, uint64_t anchor) {
  size_t first = 0;
  while (first + 1 < segs.size() && segs[first + 1].first_seq <= anchor) ++first;
  if (segs[first].first_seq > anchor) {
    return Status::Corruption(journal_dir + ": records " + std::to_string(anchor) +
                              " to " + std::to_string(segs[first].first_seq - 1) + " are missing (segment deleted?)");
  }
  return first;
}

// A line before the start point, at `offset` of `path`: counts it in
// *point, and the one at start.seq must carry start.hash (Corruption
// otherwise); from it on, *verifying.
Status PassLine(std::string_view line, const ChainPoint& start, const std::string& path, uint64_t offset,
                ChainPoint* point, bool* verifying) {
  ++point->seq;
  if (point->seq != start.seq) return Status::Ok();
  Digest stated;
  if (!FromHex(line.substr(0, 64), &stated) || stated != start.hash) {
    return Corrupt(path, point->seq, offset, "does not match the hash recorded in journal/CHECKPOINT");
  }
  point->hash = stated;
  *verifying = true;
  return Status::Ok();
}

// The torn last record of the journal, `tail`, in *result; with kCut cut
// off (CutTornTail).
Status TakeTornTail(const TornTail& tail, OnTornTail on_torn, ReadResult* result) {
  result->torn = true;
  result->tail = tail;
  if (on_torn != OnTornTail::kCut) return Status::Ok();
  return CutTornTail(tail);
}

}  // namespace

Status CutTornTail(const TornTail& tail) {
  spdlog::warn("journal: cutting a torn last record in {} at byte offset {} ({} bytes): {}", tail.path, tail.offset,
               tail.bytes, tail.why);
  return TruncateFile(tail.path, tail.offset);
}

Result<ReadResult> ReadJournal(const std::string& journal_dir, const ChainPoint& start, OnTornTail on_torn,
                               const RecordFn& fn, ChainCheck chain) {
  PB_ASSIGN_OR_RETURN(const std::vector<Segment> segs, ListSegments(journal_dir));
  ReadResult result;
  result.end = start;
  if (segs.empty()) {
    if (start.seq > 0) return Status::Corruption(journal_dir + " has no segments but the checkpoint is at seq " +
                                                 std::to_string(start.seq));
    return result;
  }
  // Begin with the segment holding record max(start.seq, 1).
  PB_ASSIGN_OR_RETURN(const size_t first, SegmentHolding(journal_dir, segs, std::max<uint64_t>(start.seq, 1)));
  // Records up to start.seq are located, not re-verified; the one at start.seq
  // must carry start.hash.
  ChainPoint point{segs[first].first_seq - 1, {}};
  bool verifying = start.seq == 0 || point.seq == start.seq;
  if (verifying) point = start;
  for (size_t i = first; i < segs.size(); ++i) {
    const std::string& path = segs[i].path;
    SegmentLines lines;
    PB_RETURN_IF_ERROR(lines.Open(path));
    bool last = i + 1 == segs.size();
    if (point.seq + 1 != segs[i].first_seq && !lines.empty()) {
      return Corrupt(path, point.seq + 1, 0, "segment name says it starts at seq " + std::to_string(segs[i].first_seq));
    }
    if (!last && lines.empty()) return Corrupt(path, point.seq + 1, 0, "segment is empty but is not the newest");
    SegmentLines::Line l;
    Record record;  // one for all the lines: its strings' buffers are reused
    for (;;) {
      auto more = lines.Next(&l);
      if (!more.ok()) return more.status();
      if (!*more) break;
      std::string_view line = l.text.substr(0, l.complete ? l.text.size() - 1 : l.text.size());
      std::string why;
      Status st = Status::Ok();
      if (!l.complete) {
        why = "record has no terminating newline";
        st = Status::Corruption("");
      } else if (verifying) {
        st = CheckLine(line, &point, &record, &why, chain);
      } else {
        PB_RETURN_IF_ERROR(PassLine(line, start, path, l.offset, &point, &verifying));
      }
      if (!st.ok()) {
        // Only a final line without its newline is a write cut short by a crash
        // (never acknowledged); a complete line that fails is damage.
        if (last && l.final && !l.complete && verifying) {
          PB_RETURN_IF_ERROR(TakeTornTail({path, l.offset, lines.size() - l.offset, why}, on_torn, &result));
          break;
        }
        return Corrupt(path, point.seq + 1, l.offset, why);
      }
      if (verifying && point.seq > start.seq) PB_RETURN_IF_ERROR(fn(record, l.text));
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
  fd_ = Fs().Open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
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
  if (size_ >= roll_bytes_) PB_RETURN_IF_ERROR(OpenSegment(SegmentPath(dir_, first_seq), true));
  PB_RETURN_IF_ERROR(WriteAll(fd_, lines, "journal segment"));
  size_ += lines.size();
  if (Fs().Fdatasync(fd_) != 0) return Status::FromErrno("fdatasync journal segment", errno);
  return Status::Ok();
}

}  // namespace pb::ledger

