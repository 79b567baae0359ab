#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/sha256.h"
#include "common/status.h"
#include "ledger/datadir.h"
#include "ledger/record.h"

namespace pb::ledger {

// Segment names and ListSegments are ledger/datadir.h's.

// A new segment starts once the current one passes this size.
inline constexpr uint64_t kSegmentRollBytes = 64ull << 20;

struct TornTail {
  std::string path;
  uint64_t offset = 0;   // where the last good record ends
  uint64_t bytes = 0;    // bytes after it
  std::string why;       // what is wrong with them
};

struct ReadResult {
  ChainPoint end;        // the last valid record
  bool torn = false;
  TornTail tail;
};

// Checks one journal line (without its newline) as the record after
// `*point`: its syntax, seq == point->seq + 1 and the hash chain. On success
// fills *record and advances *point; otherwise Corruption saying what is
// wrong (without a location: the caller names the file or object).
Status CheckChainedLine(std::string_view line, ChainPoint* point, Record* record);

// Called for every record after the starting point, in order; it may move
// from `record` (the next record is decoded into what it leaves there). A
// non-ok Status stops the read and is returned.
using RecordFn = std::function<Status(Record& record, std::string_view line)>;

// What ReadJournal does with a torn tail: only report it (readers), or also
// cut it off (the service's start-up: TruncateFile, fsynced before the
// journal is appended to again).
enum class OnTornTail { kReport, kCut };

// Cuts a reported torn tail off its segment (logged, fsynced).
Status CutTornTail(const TornTail& tail);

// Who checks each line's hash against the chain: ReadJournal, or the
// caller's RecordFn (ReplayJournal, on its applying thread), which must check
// every line it is given (HexEquals(ChainHash(previous, body), stated hash))
// before it trusts the record; ReadJournal still checks everything else,
// and its end point's hash is then start.hash, not the last record's.
enum class ChainCheck { kHere, kByCaller };

// Reads and checks the journal in `journal_dir` from `start` on: line syntax,
// seq continuity, segment names, hash chain. A damaged final line of the last
// segment is reported as a torn tail (and cut off per `on_torn`); any other
// damage is Corruption naming the file, seq and byte offset.
// When start.seq > 0 the record `start.seq` must exist and have `start.hash`.
Result<ReadResult> ReadJournal(const std::string& journal_dir, const ChainPoint& start, OnTornTail on_torn,
                               const RecordFn& fn, ChainCheck chain = ChainCheck::kHere);

// Appends encoded lines to the newest segment and makes them durable.
// Used by one thread at a time. Not copyable.
class JournalWriter {
 public:
  JournalWriter() = default;
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Opens the newest segment for appending (creating segment 1 when the
  // directory has none). `next_seq` is the seq of the next record.
  Status Open(const std::string& journal_dir, uint64_t next_seq);
  // Writes `lines` (whole records, first one has seq `first_seq`) and
  // fdatasyncs. Rolls to a new segment first when the current one has
  // reached the roll size.
  Status AppendDurably(uint64_t first_seq, std::string_view lines);
  // The roll size (default kSegmentRollBytes). REQUIRES: bytes > 0.
  void set_roll_bytes(uint64_t bytes) { roll_bytes_ = bytes; }

 private:
  Status OpenSegment(const std::string& path, bool created);
  std::string dir_;
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t roll_bytes_ = kSegmentRollBytes;
};

}  // namespace pb::ledger
