// repo/: which wal objects a reader of a stream reads — the cover — and a
// reader that follows it while a compaction replaces objects under it
// (docs/repository-format.md, "Reading a stream (the cover)"). Restore,
// --at, check, compaction and the replicator's resume all choose through
// here, so they agree on what a stream holds.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "repo/backend.h"
#include "repo/crypto.h"
#include "repo/wal.h"

namespace pb::repo {

struct WalCover {
  // In seq order: each reaches furthest from where the one before ended.
  // Consecutive objects may leave a gap (next.first_seq > prev.last_seq + 1).
  std::vector<WalName> objects;
  // Not in the cover, inside the range of one cover object of a higher
  // level (left by an interrupted compaction), with that object.
  std::vector<std::pair<WalName, WalName>> redundant;
  // Not in the cover and not redundant: two writers, or damage.
  std::vector<WalName> overlapping;
};

// The cover of one stream's objects (`names`, as ListWal returns them) from
// record `from_seq` on (0: from the stream's first record): from each seq,
// the object holding it with the highest last seq (then level). Objects
// that end before from_seq are left out of all three lists. The first
// object may begin after from_seq (a gap before it).
WalCover CoverOf(const std::vector<WalName>& names, uint64_t from_seq = 0);

// Reads one stream's cover objects in seq order. When an object of the
// cover is gone (a compaction replaced it after the listing), lists the
// stream again and chooses again from the same seq, at most 3 times in a
// row. Not thread-safe; not copyable.
class WalStreamReader {
 public:
  WalStreamReader(Backend& backend, const MasterKey& key, std::string stream, WalRecordsCheck check);
  WalStreamReader(const WalStreamReader&) = delete;
  WalStreamReader& operator=(const WalStreamReader&) = delete;

  // Lists the stream (again). Errors: the backend's.
  Status List();

  struct Step {
    enum class Kind { kObject, kGap, kEnd, kUnreadable };
    Kind kind = Kind::kEnd;
    WalObject object;   // kObject: read and checked
    std::string name;   // kObject, kUnreadable: that object; kGap: the first object after the gap
    uint64_t gap_to = 0;  // kGap: records after_seq + 1 .. gap_to are in no object
    Status error;       // kUnreadable: why
  };
  // The cover object holding record after_seq + 1, read and checked; kGap
  // when no object holds it but one begins after it; kEnd when none reaches
  // it. REQUIRES: List() succeeded; after_seq never decreases between calls.
  // Errors: listing the stream again failed.
  Result<Step> Next(uint64_t after_seq);

  uint64_t listed() const { return names_.size(); }  // objects the latest listing named
  uint64_t read() const { return read_; }              // objects read, damaged ones included
  uint64_t last_named_seq() const;                     // highest last seq of the latest listing, 0 when none
  // Cover objects of the latest listing holding records after `seq` (what
  // reading from there will take, for progress).
  uint64_t ObjectsAfter(uint64_t seq) const;

 private:
  Backend& backend_;
  const MasterKey& key_;
  const std::string stream_;
  const WalRecordsCheck check_;
  std::vector<WalName> names_;
  WalCover cover_;
  bool covered_ = false;  // cover_ computed from the current listing
  size_t pos_ = 0;        // in cover_.objects
  uint64_t read_ = 0;
};

}  // namespace pb::repo
