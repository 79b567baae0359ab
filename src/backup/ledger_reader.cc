#include "backup/ledger_reader.h"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "common/file_util.h"
#include "ledger/datadir.h"

namespace pb::backup {
namespace {

constexpr int kCheckpointAttempts = 500;  // x 20 ms

// The group as CHECKPOINT names it, when the bytes saved are the ones it
// names and it did not change meanwhile; nullopt when it must be read again.
Result<std::optional<repo::SnapshotLedger>> ReadGroupOnce(const std::string& data_dir, FileSet* files) {
  const std::string marker_path = ledger::DataPath(data_dir, ledger::kCheckpointMarker);
  PB_ASSIGN_OR_RETURN(std::string before, ReadFile(marker_path));
  auto marker = ledger::ParseCheckpointMarker(before, marker_path);
  if (!marker.ok()) {
    return Status::Corruption(marker_path + " is not a valid checkpoint marker; run `paymentsctl verify --data-dir " +
                              data_dir + "` and repair the data directory before backing it up");
  }
  bool consistent = true;
  for (size_t i = 0; i < ledger::kStateFileCount; ++i) {
    Sha256 hash;
    PB_RETURN_IF_ERROR(files->Save(ledger::kStateFiles[i], ReadKind::kPlain, &hash, true));
    if (ToHex(hash.Finish()) != marker->file_sha[i]) consistent = false;
  }
  PB_ASSIGN_OR_RETURN(std::string after, ReadFile(marker_path));
  if (!consistent || after != before) return std::optional<repo::SnapshotLedger>();
  // CHECKPOINT is saved as read, the last file of the group.
  PB_RETURN_IF_ERROR(files->SaveText(ledger::kCheckpointMarker, before));
  return std::optional<repo::SnapshotLedger>(repo::SnapshotLedger{marker->point.seq, marker->point.seq});
}

// Step 1: the checkpoint group.
Result<std::optional<repo::SnapshotLedger>> ReadCheckpointGroup(const std::string& data_dir, FileSet* files) {
  if (!FileExists(ledger::DataPath(data_dir, ledger::kCheckpointMarker))) {
    for (const char* name : ledger::kStateFiles) {
      if (FileExists(ledger::DataPath(data_dir, name))) {
        PB_RETURN_IF_ERROR(files->Save(name, ReadKind::kPlain, nullptr, false));
      }
    }
    return std::optional<repo::SnapshotLedger>();
  }
  for (int attempt = 0; attempt < kCheckpointAttempts; ++attempt) {
    if (attempt > 0) {
      // The workers may still write into the previous attempt's file states.
      PB_RETURN_IF_ERROR(files->Drain());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    PB_ASSIGN_OR_RETURN(std::optional<repo::SnapshotLedger> read, ReadGroupOnce(data_dir, files));
    if (read) return read;
  }
  return Status::Unavailable("journal/CHECKPOINT and the JSON files kept changing for 10 s (the service was "
                             "publishing a checkpoint every time); run the backup again");
}

// Step 3: the journal segments, in seq order; `ledger` gains the last record.
Status ReadJournal(const std::string& data_dir, DataDirListing* listing, FileSet* files,
                   std::optional<repo::SnapshotLedger>* ledger) {
  const std::string dir = ledger::JournalDir(data_dir);
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) return errno == ENOENT ? Status::Ok() : Status::FromErrno("stat " + dir, errno);
  listing->dirs.try_emplace(ledger::kJournalDir, st);
  PB_ASSIGN_OR_RETURN(auto listed, ledger::ListSegments(dir));
  std::vector<std::string> segments;  // data-directory-relative, by first seq
  for (const ledger::Segment& seg : listed) {
    segments.push_back(std::string(ledger::kJournalDir) + "/" + ledger::SegmentFileName(seg.first_seq));
  }
  for (const std::string& rel : segments) PB_RETURN_IF_ERROR(files->Save(rel, ReadKind::kLog, nullptr, true));
  for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
    uint64_t end = files->Find(*it)->node.size;
    if (end == 0) continue;
    PB_ASSIGN_OR_RETURN(ledger::ChainPoint last,
                        ledger::LastRecordOfSegment(ledger::DataPath(data_dir, *it), end));
    if (!*ledger) *ledger = repo::SnapshotLedger{};
    (*ledger)->seq = last.seq;
    (*ledger)->hash = last.hash;
    break;
  }
  return Status::Ok();
}

}  // namespace

Result<std::optional<repo::SnapshotLedger>> ReadLedgerFiles(const std::string& data_dir, DataDirListing* listing,
                                                            FileSet* files) {
  PB_ASSIGN_OR_RETURN(std::optional<repo::SnapshotLedger> ledger, ReadCheckpointGroup(data_dir, files));
  // Step 2: the mirrors never run ahead of the journal.
  for (const char* log : ledger::kMirrorLogs) {
    if (Walked(*listing, log)) PB_RETURN_IF_ERROR(files->Save(log, ReadKind::kLog, nullptr, false));
  }
  PB_RETURN_IF_ERROR(ReadJournal(data_dir, listing, files, &ledger));
  return ledger;
}

}  // namespace pb::backup
