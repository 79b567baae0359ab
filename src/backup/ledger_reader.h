// backup/: the consistent read of a data directory's ledger files, in the
// order of docs/repository-format.md ("What a backup reads, and in which
// order"): the checkpoint group (the JSON files and journal/CHECKPOINT,
// read again while the service publishes a checkpoint), the mirror logs,
// then the journal segments, each cut after its last complete line. Names,
// the marker's parse and a segment's last record come from
// ledger/datadir.h, the layout's owner.
#pragma once

#include <optional>
#include <string>

#include "backup/file_set.h"
#include "backup/walker.h"
#include "common/status.h"
#include "repo/snapshot.h"

namespace pb::backup {

// Saves the ledger files of `data_dir` into `files`, in the order above;
// `listing` (the walk) says which mirror logs exist, and gains journal/ when
// the walk missed it. Returns what the snapshot records of the ledger: the
// checkpoint's seq, and the journal's last record (seq and chain hash);
// nullopt when there is neither a CHECKPOINT nor a journal record.
// Without journal/CHECKPOINT, the JSON files that exist are saved as
// plain files. Errors: Corruption when CHECKPOINT does not parse;
// Unavailable when the group kept changing for 10 s; FileSet's errors
// (a vanished JSON file or segment is NotFound); ledger::LastRecordOfSegment's.
Result<std::optional<repo::SnapshotLedger>> ReadLedgerFiles(const std::string& data_dir, DataDirListing* listing,
                                                            FileSet* files);

}  // namespace pb::backup
