// repo/: compaction of the shipped journal — runs of consecutive wal
// objects merged into level 1-4 objects by windows of record time, and the
// objects a merged one holds removed (docs/repository-format.md, "Levels and
// compaction"). A plan is a value (tests inspect it, `compact --dry-run`
// prints it); executing it writes each merged object durably before it
// removes what that object holds, so a kill at any point leaves a stream that
// reads the same and that the next pass finishes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "repo/repository.h"
#include "repo/wal.h"

namespace pb::repo {

// The window of level 1..kWalTopLevel, in ms of record time: 30 s, 5 min,
// 1 h, 1 day.
int64_t WalWindowMs(int level);

// A merge takes at most this many records (planned from the names).
inline constexpr uint64_t kMaxMergedRecords = 131072;
// A merged object holds at most this many bytes of records (cut when read).
inline constexpr size_t kMaxMergedBytes = size_t{64} << 20;
// A pass reads at most this many level 0 objects to learn their times.
inline constexpr size_t kMaxLevel0ReadsPerPass = 10000;

// Consecutive cover objects that become one level-`level` object (or one per
// segment, or per kMaxMergedBytes).
struct WalMerge {
  int level = 0;
  std::vector<WalName> inputs;  // in seq order, each beginning where the one before ends
};

struct WalCompactionPlan {
  std::string stream;
  uint64_t objects = 0;  // objects the stream's listing named
  // To remove: (object, the cover object of a higher level that holds it).
  std::vector<std::pair<WalName, WalName>> redundant;
  std::vector<WalMerge> merges;  // in seq order
  // Level 0 objects were left unread (kMaxLevel0ReadsPerPass): plan again
  // once this plan is carried out.
  bool more = false;
  // Damage met while planning (a level 0 object that cannot be read: it is
  // left out of every merge); `check` reports it too.
  std::vector<std::string> problems;
  // Level 0 inputs read while planning, kept for the execution.
  std::map<std::string, WalObject> read;

  bool empty() const { return redundant.empty() && merges.empty(); }
};

// Plans one pass over `stream` (the rules of the format): lists it, computes
// its cover, reads the cover's level 0 objects (at most
// kMaxLevel0ReadsPerPass, plus the newest) for their times, and plans the
// removals and the merges, top level first. `check_records` checks the
// records of each object read (wal.h). `stop` (may be empty) is asked
// between reads: when it says true, the objects not read yet are left to a
// later pass (`more`). Errors: the backend's (listing, reading); damage is
// in `problems`.
Result<WalCompactionPlan> PlanWalCompaction(Repository* repo, std::string_view stream,
                                            const WalRecordsCheck& check_records,
                                            const std::function<bool()>& stop = {});

struct WalCompactionReport {
  uint64_t merged_objects = 0;   // level 1-4 objects written
  uint64_t removed_objects = 0;  // objects removed: merged inputs and redundant ones
  uint64_t records = 0;          // records written into merged objects
  std::vector<std::string> problems;  // what was not done, and why (the rest was)
};

// Carries out `plan`: removes each redundant object once the object holding
// it has been read and checked; then, merge by merge, reads the inputs,
// checks that each continues the one before, writes the merged object(s)
// and only then removes the inputs. A merge whose input is damaged or does
// not continue the one before is left undone (in `problems`). `stop` (may be
// empty) is asked between merges; when it says true the execution ends
// there. REQUIRES: the caller holds a shared (append) lock on `repo`.
// Errors: the backend's (the repository then holds merged objects and
// inputs both: a later pass removes the inputs).
Result<WalCompactionReport> ExecuteWalCompaction(Repository* repo, WalCompactionPlan plan,
                                                 const WalRecordsCheck& check_records,
                                                 const std::function<bool()>& stop);

// Plans and executes passes over `stream` while a plan says `more` and the
// last pass changed something. REQUIRES and errors: as above.
Result<WalCompactionReport> CompactWalStream(Repository* repo, std::string_view stream,
                                             const WalRecordsCheck& check_records,
                                             const std::function<bool()>& stop);

}  // namespace pb::repo
