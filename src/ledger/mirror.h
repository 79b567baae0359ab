#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "ledger/datadir.h"
#include "ledger/record.h"

namespace pb::ledger {

// The readable mirrors audit/ledger-events.log and audit/registry.log
// (kLedgerEventsLog, kRegistryLog of ledger/datadir.h): JSON lines with the
// Python-era field names plus "seq". Not authoritative; see
// docs/journal-format.md ("Readable mirrors").

enum class MirrorLog { kNone, kLedgerEvents, kRegistry };
// Which mirror a record of this type has a line in (imports have none: the
// Python-era logs already hold that history).
MirrorLog MirrorLogOf(RecordType type);

// Appends the mirror line of `r` (with newline) to *ledger_events or
// *registry_log; records without a mirror line add nothing.
void AppendMirrorLine(const Record& r, std::string* ledger_events, std::string* registry_log);

// Position of a mirror file: the seq of its last complete line (0 when it
// has none of ours). A torn last line is cut off (fsynced).
Result<uint64_t> RepairMirror(const std::string& path);

// fdatasyncs both mirrors (they are appended without fsync); a missing one
// is skipped.
Status SyncMirrors(const std::string& data_dir);

// Catch-up at start-up. A checkpoint is committed only after both mirrors
// hold, fsynced, every line through its seq, so the records replayed after
// the checkpoint are all that can be missing. Usage: Open(), Offer() each
// replayed record, Flush().
class MirrorCatchUp {
 public:
  // Repairs both mirrors; lines for records after max(mirror seq,
  // checkpoint_seq) will be appended.
  Status Open(const std::string& data_dir, uint64_t checkpoint_seq);
  // Collects the mirror lines `r` is missing; appends them in 8 MiB pieces.
  Status Offer(const Record& r);
  // Appends what was collected (not fsynced, like every mirror write).
  Status Flush();

 private:
  std::string data_dir_;
  uint64_t events_after_ = 0, registry_after_ = 0;
  std::string events_, registry_;
};

}  // namespace pb::ledger
