// repo/: `paymentsctl check` — the structure of a repository (every index,
// snapshot and tree opens; every referenced pack exists with the right
// size; every referenced blob is indexed) and, with read_data, every byte
// (every pack's SHA-256, header and blobs); and the shipped journal
// (CheckWal).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "repo/repository.h"
#include "repo/wal.h"

namespace pb::repo {

struct CheckReport {
  std::vector<std::string> problems;  // each names the damaged file
  std::vector<std::string> notes;     // facts that are not damage (orphan packs)
  uint64_t snapshots = 0, trees = 0, packs = 0, blobs = 0;
  uint64_t bytes_read = 0;  // pack bytes read (read_data)
  uint64_t wal_objects = 0, wal_opened = 0;  // shipped journal objects listed, and read (wal_check.h)
  bool ok() const { return problems.empty(); }
};

// Checks `repo` without modifying it; damage is reported in the report, not
// as an error. `on_pack` (may be empty) is called after each pack read;
// `check_wal_records` checks the records of the wal objects read
// (wal.h: replicate::CheckShippedRecords). Errors: only when the repository
// cannot be listed at all.
Result<CheckReport> CheckRepository(Repository* repo, bool read_data, const std::function<void(uint64_t)>& on_pack,
                                    const WalRecordsCheck& check_wal_records);

}  // namespace pb::repo
