#include "restore/wal_replay.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/file_util.h"
#include "ledger/datadir.h"
#include "ledger/journal.h"
#include "repo/wal.h"
#include "repo/wal_cover.h"
#include "replicate/shipped_records.h"

namespace pb::restore {
namespace {

// Appends `bytes` at `offset` of the segment `path` (created when offset
// is 0 and it does not exist), which must be exactly `offset` bytes long.
Status AppendAt(const std::string& path, uint64_t offset, std::string_view bytes) {
  ScopedFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  if (fd.get() < 0) return Status::FromErrno("open " + path, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Status::FromErrno("stat " + path, errno);
  if (static_cast<uint64_t>(st.st_size) != offset) {
    return Status::Corruption("shipped records belong at byte offset " + std::to_string(offset) + " of " + path +
                              ", which is " + std::to_string(st.st_size) + " bytes long");
  }
  PB_RETURN_IF_ERROR(PwriteAll(fd.get(), offset, bytes, path));
  if (::fsync(fd.get()) != 0) return Status::FromErrno("fsync " + path, errno);
  return Status::Ok();
}

// Where the restored journal ends: its last record's chain point and ts.
struct JournalEnd {
  ledger::ChainPoint point;
  int64_t last_ts_ms = 0;
};

Result<JournalEnd> ReadJournalEnd(const std::string& journal_dir) {
  JournalEnd out;
  auto end = ledger::ReadJournal(journal_dir, ledger::ChainPoint{}, ledger::OnTornTail::kReport,
                                 [&](const ledger::Record& r, std::string_view) {
                                   out.last_ts_ms = r.ts_ms;
                                   return Status::Ok();
                                 });
  if (!end.ok()) return end.status();
  if (end->torn) return Status::Corruption(journal_dir + " of the restored snapshot ends in a torn record");
  out.point = end->end;
  return out;
}

// Appends the records of the shipped object `obj` (wal/`name`) that follow
// `point`, the journal's last record, to their segment in `journal_dir`,
// after checking that they continue it.
Status ApplyObject(const std::string& journal_dir, const std::string& name, const repo::WalObject& obj,
                   const ledger::ChainPoint& point) {
  // Skip the records the journal already holds, then check the link.
  std::string_view rest = obj.records;
  uint64_t offset = obj.offset;
  ledger::ChainPoint at{obj.first_seq - 1, obj.prev_hash};
  while (at.seq < point.seq) {
    size_t nl = rest.find('\n');
    ledger::Record record;
    PB_RETURN_IF_ERROR(ledger::CheckChainedLine(rest.substr(0, nl), &at, &record));  // checked by decoding
    offset += nl + 1;
    rest.remove_prefix(nl + 1);
  }
  if (at.hash != point.hash) {
    return Status::Corruption("wal/" + name + " does not continue the restored journal: its record " +
                              std::to_string(point.seq) + " has another hash than the snapshot's (records of "
                              "another journal were shipped under the same host and data directory)");
  }
  if (offset == 0 && obj.segment != ledger::SegmentFileName(point.seq + 1)) {
    return Status::Corruption("wal/" + name + " starts segment " + obj.segment + " but its first record is " +
                              std::to_string(point.seq + 1));
  }
  return AppendAt(journal_dir + "/" + obj.segment, offset, rest);
}

}  // namespace

Result<WalReplayReport> ReplayWal(repo::Repository* repo, const std::string& host, const std::string& recorded_dir,
                                  const std::string& data_dir, std::optional<int64_t> until_ms,
                                  const WalReplayProgressFn& progress) {
  const std::string journal_dir = ledger::JournalDir(data_dir);
  WalReplayReport report;
  ledger::ChainPoint point;
  // A snapshot taken before the service ran has no journal/: the shipped
  // records (from seq 1) start it.
  const bool had_journal = FileExists(journal_dir);
  // The stream's cover: merged objects rather than those they hold. Listed
  // first: when nothing was shipped, the restored journal is not read here
  // (the verify that follows reads it anyway), which a restore would
  // otherwise wait for.
  repo::WalStreamReader wal(repo->backend(), repo->key(), repo::WalStream(host, recorded_dir),
                            replicate::CheckShippedRecords);
  PB_RETURN_IF_ERROR(wal.List());
  report.listed = wal.listed();
  if (wal.listed() == 0 && !until_ms) return report;
  if (had_journal) {
    PB_ASSIGN_OR_RETURN(JournalEnd end, ReadJournalEnd(journal_dir));
    point = end.point;
    if (until_ms && point.seq > 0 && end.last_ts_ms > *until_ms) {
      report.passed_until = true;
      return report;
    }
  }
  if (wal.listed() == 0) return report;
  if (!had_journal) PB_RETURN_IF_ERROR(MakeDirs(journal_dir));
  auto lose = [&](const std::string& why) {
    report.lost_from = point.seq + 1;
    report.lost_to = wal.last_named_seq();
    report.lost_reason = why;
  };
  WalReplayProgress shown{0, wal.ObjectsAfter(point.seq), point.seq};
  if (progress && shown.objects_total > 0) progress(shown);
  using Kind = repo::WalStreamReader::Step::Kind;
  for (;;) {
    PB_ASSIGN_OR_RETURN(repo::WalStreamReader::Step step, wal.Next(point.seq));
    report.read = wal.read();
    if (step.kind == Kind::kEnd) break;
    if (step.kind == Kind::kGap) {
      lose("no wal object holds records " + std::to_string(point.seq + 1) + "-" + std::to_string(step.gap_to) +
           " (the next object, wal/" + step.name + ", begins at seq " + std::to_string(step.gap_to + 1) + ")");
      break;
    }
    if (step.kind == Kind::kUnreadable) {
      lose("wal/" + step.name + " cannot be read: " + step.error.ToString());
      break;
    }
    const repo::WalObject& obj = step.object;
    if (until_ms && obj.first_ts_ms > *until_ms) {
      report.passed_until = true;
      break;
    }
    PB_RETURN_IF_ERROR(ApplyObject(journal_dir, step.name, obj, point));
    if (report.first_seq == 0) report.first_seq = point.seq + 1;
    point = ledger::ChainPoint{obj.last_seq, obj.last_hash};
    report.last_seq = point.seq;
    ++report.objects;
    if (progress) progress(WalReplayProgress{report.objects, shown.objects_total, point.seq});
    if (until_ms && obj.last_ts_ms > *until_ms) {
      report.passed_until = true;
      break;
    }
  }
  if (report.objects > 0) PB_RETURN_IF_ERROR(FsyncDir(journal_dir));
  return report;
}

}  // namespace pb::restore
