// restore/: what the journal of a snapshot holds, read from the repository
// without restoring it: its first and its last record (restore --at chooses
// where to start with them, restore/at_time.h).
#pragma once

#include <cstdint>

#include "common/status.h"
#include "repo/repository.h"

namespace pb::restore {

struct RecordStamp {
  uint64_t seq = 0;
  int64_t ts_ms = 0;
};

struct JournalEdges {
  RecordStamp first;
  RecordStamp last;
};

// Reads the first blobs of the snapshot's first journal segment and the last
// blobs of its last non-empty one, as far as needed for one complete line
// each (usually one blob each).
// Errors, naming the snapshot: NotFound when it holds no journal/ or only
// empty segments; Corruption when a segment does not end in a newline,
// holds a hole, or its edge line is not a record; the repository's errors
// for a missing or damaged tree or blob.
Result<JournalEdges> ReadJournalEdges(repo::Repository* repo, const repo::SnapshotRef& snapshot);

}  // namespace pb::restore
