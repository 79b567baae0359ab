#include "ledger/journal_index.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "ledger/journal.h"

namespace pb::ledger {
namespace {

// Reads up to `len` bytes at `offset`.
Result<std::string> ReadAt(const std::string& path, uint64_t offset, size_t len) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open " + path, errno);
  std::string buf(len, '\0');
  ssize_t n = ::pread(fd, buf.data(), len, static_cast<off_t>(offset));
  int err = errno;
  ::close(fd);
  if (n < 0) return Status::FromErrno("read " + path, err);
  buf.resize(static_cast<size_t>(n));
  return buf;
}

}  // namespace

Status JournalIndex::Refresh() {
  auto listed = ListSegments(dir_);
  if (!listed.ok()) return listed.status();
  for (size_t i = segments_.size(); i < listed->size(); ++i) {
    SegmentIndex seg;
    seg.first_seq = (*listed)[i].first_seq;
    seg.path = (*listed)[i].path;
    segments_.push_back(std::move(seg));
  }
  return Status::Ok();
}

Status JournalIndex::Extend(SegmentIndex* seg) {
  for (;;) {
    auto chunk = ReadAt(seg->path, seg->scanned_bytes, 4 << 20);
    if (!chunk.ok()) return chunk.status();
    size_t pos = 0, nl;
    while ((nl = chunk->find('\n', pos)) != std::string::npos) {
      if (seg->scanned_records % kStride == 0) seg->offsets.push_back(seg->scanned_bytes + pos);
      ++seg->scanned_records;
      pos = nl + 1;
    }
    seg->scanned_bytes += pos;
    if (chunk->size() < (4u << 20) || pos == 0) return Status::Ok();
  }
}

Result<std::vector<std::string>> JournalIndex::Read(uint64_t after, uint64_t through, size_t limit) {
  std::vector<std::string> out;
  uint64_t want = after + 1;
  if (want > through || limit == 0) return out;
  if (segments_.empty() || segments_.back().first_seq + segments_.back().scanned_records <= through) {
    PB_RETURN_IF_ERROR(Refresh());
  }
  auto it = std::upper_bound(segments_.begin(), segments_.end(), want,
                             [](uint64_t seq, const SegmentIndex& s) { return seq < s.first_seq; });
  if (it == segments_.begin()) want = segments_.empty() ? want : segments_.front().first_seq;
  else --it;
  for (; it != segments_.end() && out.size() < limit && want <= through; ++it) {
    SegmentIndex& seg = *it;
    if (seg.first_seq + seg.scanned_records <= std::min(through, want + limit)) PB_RETURN_IF_ERROR(Extend(&seg));
    if (want < seg.first_seq) want = seg.first_seq;
    uint64_t rel = want - seg.first_seq;
    if (rel >= seg.scanned_records) continue;
    uint64_t offset = seg.offsets[rel / kStride];
    uint64_t skip = rel % kStride;
    while (out.size() < limit && want <= through && offset < seg.scanned_bytes) {
      auto chunk = ReadAt(seg.path, offset, static_cast<size_t>(std::min<uint64_t>(seg.scanned_bytes - offset, 1 << 20)));
      if (!chunk.ok()) return chunk.status();
      size_t pos = 0, nl;
      while ((nl = chunk->find('\n', pos)) != std::string::npos && out.size() < limit && want <= through) {
        if (skip > 0) {
          --skip;
        } else {
          out.emplace_back(chunk->substr(pos + 65, nl - pos - 65));
          ++want;
        }
        pos = nl + 1;
      }
      if (pos == 0) break;
      offset += pos;
    }
  }
  return out;
}

}  // namespace pb::ledger
