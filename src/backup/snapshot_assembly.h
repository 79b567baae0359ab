// backup/: what a snapshot records besides its trees — the group it
// belongs to, the ledger's totals (scanned while the other files are
// saved, or the parent's when the journal is the same), the root's
// metadata, the parent and the statistics — and the snapshot assembled
// from the stages' results.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <future>
#include <optional>
#include <string>

#include "backup/archiver.h"
#include "backup/file_set.h"
#include "backup/parent_files.h"
#include "ledger/totals.h"
#include "repo/blob_writer.h"
#include "repo/snapshot_select.h"

namespace pb::backup {

// The group a backup records (and its parent is looked up by):
// options.host and options.recorded_dir, or this machine and data_dir.
repo::SnapshotGroup RecordedGroup(const BackupOptions& options);

// The ledger totals a snapshot records.
class TotalsScan {
 public:
  // Starts the scan that gives the totals through ledger->seq in a
  // background thread, so that it overlaps the saving of the remaining
  // files, unless `ledger` is nullopt or the parent recorded readable
  // totals at that seq (then Record may reuse them). The scan reads only
  // the journal files of `data_dir`. `parent` must outlive the scan.
  TotalsScan(const std::string& data_dir, const std::optional<repo::SnapshotLedger>& ledger,
             const ParentFiles& parent);

  // Sets ledger->totals: the parent's when it recorded them at this seq and
  // the journal in `files` is the parent's blob for blob; else the scan's
  // (scanning now when it was not started). A journal that does not scan
  // leaves them out with a warning (the backup goes on).
  // REQUIRES: `ledger` is the one given above; the content of `files` is
  // final (the pipeline is drained).
  void Record(const FileSet& files, repo::SnapshotLedger* ledger);

 private:
  bool ParentTotalsAtSameSeq(uint64_t seq) const;
  bool JournalSameAsParent(const FileSet& files) const;

  const std::string& data_dir_;
  const ParentFiles& parent_;
  std::future<Result<ledger::LedgerTotals>> scan_;
};

// What the stages produced that the snapshot records.
struct SnapshotParts {
  int64_t started_ms = 0;  // when the backup started
  Digest tree{};           // the data directory's tree
  struct stat root {};     // the data directory's stat
  std::optional<repo::Node> env;
  std::optional<repo::SnapshotLedger> ledger;
};

// The snapshot of a backup made with `options`: `parts`, the parent's id,
// and the statistics of `files` and `writer` (what the backup added).
repo::Snapshot AssembleSnapshot(const BackupOptions& options, SnapshotParts parts, const ParentFiles& parent,
                                const FileSet& files, const repo::BlobWriter& writer);

}  // namespace pb::backup
