// replicate/: following the journal of a live data directory — the complete
// records after a position, segment after segment, never a torn tail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/status.h"
#include "ledger/journal.h"
#include "repo/wal.h"

namespace pb::replicate {

// Reads DATA/journal/*.journal from a position on. Only complete records
// (ending in '\n') are returned; a partial last line is left for a later
// read. Each record read is checked against the chain of the one before.
// Not thread-safe; not copyable.
class JournalTail {
 public:
  explicit JournalTail(std::string journal_dir) : journal_dir_(std::move(journal_dir)) {}
  JournalTail(const JournalTail&) = delete;
  JournalTail& operator=(const JournalTail&) = delete;

  // Positions the tail right after the records of `shipped`, after checking
  // that the journal holds exactly those bytes there. Corruption when it
  // does not (the data directory is not the one that was shipped, or its
  // journal was replaced): shipping must not continue.
  Status SeekAfterShipped(const repo::WalObject& shipped);

  // Positions the tail right after record `seq` (0: the start of the
  // journal), found by reading the segment that holds it. The first record
  // of that segment is taken as it is (its link to the previous segment is
  // checked by restore and verify). NotFound when the journal does not
  // reach `seq` yet.
  Status SeekAfterSeq(uint64_t seq);

  // The complete records after the position, at most `max_bytes` of them
  // (but at least one), all from one segment, as a wal object without host
  // and data_dir; records empty when there is none yet. Moves to the next
  // segment when the current one is complete and the next exists. Does not
  // advance the position. Corruption naming the segment, seq and byte offset
  // when a complete line does not continue the chain.
  Result<repo::WalObject> Peek(size_t max_bytes);

  // Moves the position past `batch` (the last Peek's result).
  void Advance(const repo::WalObject& batch);

  const ledger::ChainPoint& point() const { return point_; }

 private:
  std::string SegmentName() const;

  std::string journal_dir_;
  uint64_t segment_first_seq_ = 0;  // 0: not positioned
  uint64_t offset_ = 0;
  ledger::ChainPoint point_;
};

}  // namespace pb::replicate
