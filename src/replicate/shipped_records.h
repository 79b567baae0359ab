// replicate/: the journal-line checks of shipped records. The repository
// stores wal objects (repo/wal.h) without interpreting their records; every
// reader of them passes CheckShippedRecords in (docs/repository-format.md,
// "Shipped journal", reader's checks).
#pragma once

#include "common/status.h"
#include "repo/wal.h"

namespace pb::replicate {

// Checks that obj->records are complete journal lines chained from
// obj->prev_hash with seq obj->first_seq..obj->last_seq, the first and last
// with the header's ts, and fills obj->last_hash. Otherwise Corruption
// saying what is wrong (the record's seq, segment and byte offset), without
// naming the object: repo::DecodeWalObject prefixes that.
Status CheckShippedRecords(repo::WalObject* obj);

}  // namespace pb::replicate
