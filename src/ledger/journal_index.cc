#include "ledger/journal_index.h"

#include <algorithm>

#include "common/file_util.h"
#include "ledger/datadir.h"

namespace pb::ledger {

Status JournalIndex::Refresh() {
  PB_ASSIGN_OR_RETURN(auto listed, ListSegments(dir_));
  for (size_t i = segments_.size(); i < listed.size(); ++i) {
    SegmentIndex seg;
    seg.first_seq = listed[i].first_seq;
    seg.path = listed[i].path;
    segments_.push_back(std::move(seg));
  }
  return Status::Ok();
}

Status JournalIndex::Extend(SegmentIndex* seg) {
  for (;;) {
    PB_ASSIGN_OR_RETURN(std::string chunk, ReadFileRange(seg->path, seg->scanned_bytes, 4 << 20));
    size_t pos = 0, nl;
    while ((nl = chunk.find('\n', pos)) != std::string::npos) {
      if (seg->scanned_records % kStride == 0) seg->offsets.push_back(seg->scanned_bytes + pos);
      ++seg->scanned_records;
      pos = nl + 1;
    }
    seg->scanned_bytes += pos;
    if (chunk.size() < (4u << 20) || pos == 0) return Status::Ok();
  }
}

Result<std::vector<std::string>> JournalIndex::Collect(uint64_t after, uint64_t through, size_t limit,
                                                       bool whole_lines) {
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
      const size_t length = static_cast<size_t>(std::min<uint64_t>(seg.scanned_bytes - offset, 1 << 20));
      PB_ASSIGN_OR_RETURN(std::string chunk, ReadFileRange(seg.path, offset, length));
      size_t pos = 0, nl;
      while ((nl = chunk.find('\n', pos)) != std::string::npos && out.size() < limit && want <= through) {
        if (skip > 0) {
          --skip;
        } else {
          out.emplace_back(whole_lines ? chunk.substr(pos, nl - pos) : chunk.substr(pos + 65, nl - pos - 65));
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
