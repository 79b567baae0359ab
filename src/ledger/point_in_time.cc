#include "ledger/point_in_time.h"

#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <vector>

#include "common/file_ops.h"
#include "common/file_util.h"
#include "common/time_util.h"
#include "ledger/checkpoint.h"
#include "ledger/data_dir_lock.h"
#include "ledger/datadir.h"
#include "ledger/journal.h"
#include "ledger/mirror.h"
#include "ledger/state.h"

namespace pb::ledger {
namespace {

// Where the journal is cut, found without changing anything.
struct CutPoint {
  ChainPoint last;           // the last kept record (seq 0: none is kept)
  int64_t last_ts_ms = 0;
  int64_t first_ts_ms = 0;   // ts of record 1
  size_t segment = 0;        // index in ListSegments order of the segment holding `last`
  uint64_t keep_bytes = 0;   // that segment's length through `last`
  uint64_t removed = 0;      // records after `last`
};

// Reads and checks the whole journal and replays the records through the cut
// into the empty `state`.
Result<CutPoint> FindCut(const std::string& journal_dir, const std::vector<Segment>& segs, int64_t at_ms,
                         LedgerState* state) {
  CutPoint cut;
  size_t seg = 0;
  uint64_t end = 0;  // where the current record ends in its segment
  auto read = ReadJournal(journal_dir, ChainPoint{}, OnTornTail::kReport, [&](const Record& r, std::string_view line) {
    while (seg + 1 < segs.size() && segs[seg + 1].first_seq <= r.seq) {
      ++seg;
      end = 0;
    }
    const uint64_t offset = end;
    end += line.size();
    if (r.seq == 1) cut.first_ts_ms = r.ts_ms;
    if (cut.removed > 0 || r.ts_ms > at_ms) {
      ++cut.removed;
      return Status::Ok();
    }
    Status st = state->Apply(r);
    if (!st.ok()) {
      return Status::Corruption(segs[seg].path + ": record seq " + std::to_string(r.seq) + " at byte offset " +
                                std::to_string(offset) + " cannot be replayed: " + st.message() +
                                ". The journal is damaged; restore another backup or contact an engineer — "
                                "nothing was modified");
    }
    cut.last.seq = r.seq;
    FromHex(line.substr(0, 64), &cut.last.hash);  // checked by ReadJournal
    cut.last_ts_ms = r.ts_ms;
    cut.segment = seg;
    cut.keep_bytes = end;
    return Status::Ok();
  });
  if (!read.ok()) return read.status();
  return cut;
}

// Whether a complete mirror line stays (see CutLedgerAt, step 2).
bool MirrorLineKept(simdjson::dom::parser& parser, const std::string& line, uint64_t last_seq, int64_t at_ms) {
  simdjson::dom::element e;
  if (parser.parse(line).get(e) != simdjson::SUCCESS) return false;
  uint64_t seq = 0;
  if (e["seq"].get_uint64().get(seq) == simdjson::SUCCESS) return seq <= last_seq;
  std::string_view timestamp;
  if (e["timestamp"].get_string().get(timestamp) != simdjson::SUCCESS) return false;
  auto ms = ParseIso8601(timestamp);
  return ms.ok() && *ms <= at_ms;
}

// Cuts the mirror at `path` after its last kept line; a missing mirror is
// left missing.
Status CutMirror(const std::string& path, uint64_t last_seq, int64_t at_ms) {
  if (!FileExists(path)) return Status::Ok();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + path);
  simdjson::dom::parser parser;
  std::string line;
  uint64_t size = 0, keep = 0;
  while (std::getline(in, line)) {
    const bool complete = !in.eof();  // a torn last line has no newline and is never kept
    size += line.size() + (complete ? 1 : 0);
    if (complete && MirrorLineKept(parser, line, last_seq, at_ms)) keep = size;
  }
  if (in.bad()) return Status::IOError("read " + path);
  return keep < size ? TruncateFile(path, keep) : Status::Ok();
}

// Appends the mirror lines missing for the journal's records, fsyncs the
// mirrors and publishes a checkpoint of `state` at `point`.
Status RebuildCheckpoint(const std::string& data_dir, const LedgerState& state, const ChainPoint& point) {
  MirrorCatchUp mirrors;
  PB_RETURN_IF_ERROR(mirrors.Open(data_dir, 0));
  auto read = ReadJournal(JournalDir(data_dir), ChainPoint{}, OnTornTail::kReport,
                          [&](const Record& r, std::string_view) { return mirrors.Offer(r); });
  if (!read.ok()) return read.status();
  PB_RETURN_IF_ERROR(mirrors.Flush());
  PB_RETURN_IF_ERROR(SyncMirrors(data_dir));
  PB_RETURN_IF_ERROR(WriteCheckpointFiles(data_dir, state.Image(), point));
  return CommitCheckpoint(data_dir);
}

}  // namespace

Result<CutReport> CutLedgerAt(const std::string& data_dir, int64_t at_ms, RebuildViews views) {
  const std::string journal_dir = JournalDir(data_dir);
  std::error_code ec;
  bool has_journal = std::filesystem::is_directory(journal_dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return Status::IOError("cannot look for " + journal_dir + ": " + ec.message());
  }
  if (!has_journal) {
    return Status::NotFound(data_dir + " has no journal/: it is a Python-era data directory (or not a data "
                            "directory), and --at needs the journal to know what changed when; restore it "
                            "without --at");
  }
  PB_ASSIGN_OR_RETURN(auto lock, DataDirLock::Acquire(data_dir, "point-in-time cut"));  // held until return
  PB_ASSIGN_OR_RETURN(const std::vector<Segment> segs, ListSegments(journal_dir));
  LedgerState state;
  PB_ASSIGN_OR_RETURN(const CutPoint cut, FindCut(journal_dir, segs, at_ms, &state));
  if (cut.last.seq == 0 && cut.removed > 0) {
    return Status::InvalidArgument("--at " + FormatIso8601(at_ms) + " is before the first journal record: the "
                                   "journal starts at " + FormatIso8601(cut.first_ts_ms) + "; choose a later --at");
  }
  CutReport report{cut.last.seq, cut.last_ts_ms, cut.first_ts_ms, cut.removed, 0};
  if (cut.removed == 0 && views == RebuildViews::kOnlyWhenCut) return report;

  PB_RETURN_IF_ERROR(RemoveFile(DataPath(data_dir, kCheckpointMarker)));
  PB_RETURN_IF_ERROR(FsyncDir(journal_dir));
  for (const char* name : kMirrorLogs) PB_RETURN_IF_ERROR(CutMirror(DataPath(data_dir, name), cut.last.seq, at_ms));
  // Newest first, each deletion durable before the next: the journal stays a
  // gap-free prefix of itself at every step.
  for (size_t i = segs.size(); i-- > cut.segment + 1;) {
    const std::string& path = segs[i].path;
    if (Fs().Unlink(path.c_str()) != 0) return Status::FromErrno("remove " + path, errno);
    PB_RETURN_IF_ERROR(FsyncDir(journal_dir));
    ++report.segments_removed;
  }
  PB_RETURN_IF_ERROR(TruncateFile(segs[cut.segment].path, cut.keep_bytes));
  PB_RETURN_IF_ERROR(RebuildCheckpoint(data_dir, state, cut.last));
  return report;
}

}  // namespace pb::ledger
