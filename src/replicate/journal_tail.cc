#include "replicate/journal_tail.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "common/file_util.h"

namespace pb::replicate {
namespace {

// Up to `length` bytes of `path` from `offset` (fewer at its end).
Result<std::string> ReadFrom(const std::string& path, uint64_t offset, size_t length) {
  PB_ASSIGN_OR_RETURN(ScopedFd fd, OpenForReading(path));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Status::FromErrno("stat " + path, errno);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (offset > size) {
    return Status::Corruption(path + " is " + std::to_string(size) + " bytes, shorter than the " +
                              std::to_string(offset) + " bytes already shipped from it: the journal was cut or "
                              "replaced after it was shipped");
  }
  std::string out(static_cast<size_t>(std::min<uint64_t>(length, size - offset)), '\0');
  PB_ASSIGN_OR_RETURN(size_t done, pb::ReadAt(fd.get(), offset, out.data(), out.size(), path));
  out.resize(done);
  return out;
}

}  // namespace

std::string JournalTail::SegmentName() const { return ledger::SegmentFileName(segment_first_seq_); }

Status JournalTail::SeekAfterShipped(const repo::WalObject& shipped) {
  auto first_seq = ledger::ParseSegmentFileName(shipped.segment);
  if (!first_seq) return Status::Corruption("a shipped wal object names \"" + shipped.segment + "\", not a segment");
  const std::string path = ledger::SegmentPath(journal_dir_, *first_seq);
  PB_ASSIGN_OR_RETURN(const std::string bytes, ReadFrom(path, shipped.offset, shipped.records.size()));
  if (bytes != shipped.records) {
    return Status::Corruption(path + " does not hold, at byte offset " + std::to_string(shipped.offset) +
                              ", the records " + std::to_string(shipped.first_seq) + "-" +
                              std::to_string(shipped.last_seq) + " the repository already has from this data "
                              "directory: this journal is not the one that was shipped (restored from an older "
                              "backup, or replaced). Nothing is shipped; move the data directory's wal objects "
                              "aside or replicate to a new repository");
  }
  segment_first_seq_ = *first_seq;
  offset_ = shipped.offset + shipped.records.size();
  point_ = ledger::ChainPoint{shipped.last_seq, shipped.last_hash};
  return Status::Ok();
}

Status JournalTail::SeekAfterSeq(uint64_t seq) {
  PB_ASSIGN_OR_RETURN(const std::vector<ledger::Segment> segs, ledger::ListSegments(journal_dir_));
  if (segs.empty()) return Status::NotFound(journal_dir_ + " has no journal segment yet");
  size_t i = 0;
  while (i + 1 < segs.size() && segs[i + 1].first_seq <= std::max<uint64_t>(seq, 1)) ++i;
  const ledger::Segment& seg = segs[i];
  segment_first_seq_ = seg.first_seq;
  offset_ = 0;
  point_ = ledger::ChainPoint{seg.first_seq - 1, Digest{}};
  if (seq + 1 == seg.first_seq && seg.first_seq == 1) return Status::Ok();
  PB_ASSIGN_OR_RETURN(const std::string content, ReadFile(seg.path));
  std::string_view rest = content;
  bool first = seg.first_seq > 1;
  while (point_.seq < seq) {
    size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) {
      return Status::NotFound(journal_dir_ + " holds records through seq " + std::to_string(point_.seq) +
                              ", not yet " + std::to_string(seq));
    }
    std::string_view line = rest.substr(0, nl);
    if (first) {
      // Adopt the stated hash of the segment's first record (see the contract).
      Digest stated{};
      if (line.size() < 66 || !FromHex(line.substr(0, 64), &stated)) {
        return Status::Corruption(seg.path + ": the first line is not '<hash> <body>'");
      }
      point_ = ledger::ChainPoint{seg.first_seq, stated};
      first = false;
    } else {
      ledger::Record record;
      Status st = ledger::CheckChainedLine(line, &point_, &record);
      if (!st.ok()) {
        return Status::Corruption(seg.path + ": record seq " + std::to_string(point_.seq + 1) + " at byte offset " +
                                  std::to_string(offset_) + ": " + st.message());
      }
    }
    offset_ += nl + 1;
    rest.remove_prefix(nl + 1);
  }
  return Status::Ok();
}

Result<repo::WalObject> JournalTail::Peek(size_t max_bytes) {
  repo::WalObject batch;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const std::string path = ledger::SegmentPath(journal_dir_, segment_first_seq_);
    size_t want = std::max<size_t>(max_bytes, 64 << 10);
    std::string bytes;
    for (;;) {
      auto read = ReadFrom(path, offset_, want);
      if (!read.ok()) return read.status();
      bytes = std::move(read.value());
      if (bytes.find('\n') != std::string::npos || bytes.size() < want) break;
      want *= 2;  // one record longer than max_bytes
    }
    size_t end = bytes.rfind('\n');
    if (end == std::string::npos) {
      if (!bytes.empty()) return batch;  // a record being written (or a torn tail): later
      // The segment is complete; go on in the next one when it exists.
      if (!FileExists(ledger::SegmentPath(journal_dir_, point_.seq + 1))) return batch;
      segment_first_seq_ = point_.seq + 1;
      offset_ = 0;
      continue;
    }
    bytes.resize(end + 1);
    batch.segment = SegmentName();
    batch.offset = offset_;
    batch.first_seq = point_.seq + 1;
    batch.prev_hash = point_.hash;
    ledger::ChainPoint point = point_;
    std::string_view rest = bytes;
    uint64_t at = offset_;
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      ledger::Record record;
      Status st = ledger::CheckChainedLine(rest.substr(0, nl), &point, &record);
      if (!st.ok()) {
        return Status::Corruption(path + ": record seq " + std::to_string(point.seq + 1) + " at byte offset " +
                                  std::to_string(at) + " does not continue the shipped chain: " + st.message() +
                                  ". Nothing after it is shipped; check the data directory (paymentsctl verify)");
      }
      if (record.seq == batch.first_seq) batch.first_ts_ms = record.ts_ms;
      batch.last_ts_ms = record.ts_ms;
      at += nl + 1;
      rest.remove_prefix(nl + 1);
    }
    batch.last_seq = point.seq;
    batch.last_hash = point.hash;
    batch.records = std::move(bytes);
    return batch;
  }
  return batch;
}

void JournalTail::Advance(const repo::WalObject& batch) {
  if (batch.records.empty()) return;
  segment_first_seq_ = ledger::ParseSegmentFileName(batch.segment).value_or(segment_first_seq_);  // Peek named it
  offset_ = batch.offset + batch.records.size();
  point_ = ledger::ChainPoint{batch.last_seq, batch.last_hash};
}

}  // namespace pb::replicate
