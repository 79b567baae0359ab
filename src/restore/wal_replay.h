// restore/: extending a restored journal with the records shipped after its
// snapshot (the wal/ folder, docs/repository-format.md "Shipped journal").
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/status.h"
#include "repo/repository.h"

namespace pb::restore {

struct WalReplayReport {
  uint64_t objects = 0;     // wal objects read and applied (wholly or partly)
  uint64_t listed = 0;      // wal objects the stream's listing named (merged or not)
  uint64_t read = 0;        // wal objects read (applied, passed over after --at T, or damaged)
  uint64_t first_seq = 0;   // records appended, 0/0 when none
  uint64_t last_seq = 0;
  // Records that were shipped but could not be applied (0/0: none): from the
  // first record missing to the last record the stream's objects name.
  uint64_t lost_from = 0;
  uint64_t lost_to = 0;
  std::string lost_reason;  // which object is missing or damaged, and how
  // With until_ms: the journal holds a record after until_ms, or the next
  // shipped object begins after it (so every record up to until_ms is in
  // the journal; the --at cut does the rest).
  bool passed_until = false;
};

// How far ReplayWal is: wal objects applied of those that follow the
// restored journal (with until_ms, the replay may stop before the last), and
// the last record the journal now holds.
struct WalReplayProgress {
  uint64_t objects_done = 0;
  uint64_t objects_total = 0;
  uint64_t seq = 0;
};
using WalReplayProgressFn = std::function<void(const WalReplayProgress&)>;

// Appends to the journal of `data_dir` (a restored snapshot, not in use) the
// records shipped by the data directory `recorded_dir` of `host` after the
// journal's last record, in seq order, from the stream's cover (merged
// objects rather than those they hold, repo/wal_cover.h): each run is written to its segment
// at its byte offset, after checking that it continues the chain (seq and
// prev_hash of the journal's last record) and that the segment is exactly
// that long; a data directory without journal/ gets one when the stream has
// objects. With `until_ms`, stops once the journal holds a record after
// it (passed_until), without applying an object that begins after it (the
// --at cut does the rest). Stops at the first gap or missing or damaged
// object and describes it in lost_*: never skips over a gap. The segments written are
// fsynced. `progress` (may be empty) is called before the first object is
// read, when there is one, and after each object applied.
// Errors: Corruption when the restored journal itself is damaged, or when a
// shipped run does not continue it (another journal was shipped under the
// same host and directory); IOError naming the file.
Result<WalReplayReport> ReplayWal(repo::Repository* repo, const std::string& host, const std::string& recorded_dir,
                                  const std::string& data_dir, std::optional<int64_t> until_ms,
                                  const WalReplayProgressFn& progress);

}  // namespace pb::restore
