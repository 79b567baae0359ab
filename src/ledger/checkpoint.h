#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "ledger/datadir.h"
#include "ledger/state.h"

namespace pb::ledger {

// The checkpoint protocol of docs/journal-format.md ("Checkpoints"). The
// names, the CHECKPOINT marker (CheckpointMarker, ReadCheckpointMarker) and
// the match check are ledger/datadir.h's.

// Step 1: writes registry.json.ckpt, balances.json.ckpt, workloads.json.ckpt
// and journal/CHECKPOINT.ckpt for `image` (the state after `point`), all
// fsynced. May run on any thread: it reads only the image.
Status WriteCheckpointFiles(const std::string& data_dir, const StateImage& image, const ChainPoint& point);

// Steps 2 and 3: publishes CHECKPOINT, then renames the .ckpt files into
// place. REQUIRES: WriteCheckpointFiles succeeded, record point.seq is
// durable in the journal and the mirrors hold its lines, fsynced.
Status CommitCheckpoint(const std::string& data_dir);

// Removes leftovers of an uncommitted checkpoint and finishes a committed
// one. Then reports the usable checkpoint: NotFound when there is none, or
// when a JSON file no longer matches it (that file is moved aside to
// "<name>.stale-<seq>" and the caller replays the journal from seq 1).
Result<CheckpointMarker> RecoverCheckpoint(const std::string& data_dir);

// When the checkpoint in journal/CHECKPOINT was written (the file's
// modification time), in ms since the epoch. NotFound when there is none.
Result<int64_t> CheckpointWrittenMillis(const std::string& data_dir);

}  // namespace pb::ledger
