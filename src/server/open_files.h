// The descriptor budget of the service: client connections may use what
// RLIMIT_NOFILE allows minus a reserve, so that the journal (a segment
// roll), the mirrors, the checkpoints and the replicator can always open
// their files, whatever the clients do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace pb::server {

// Descriptors kept for everything but client connections (--fd-reserve).
inline constexpr size_t kDefaultFdReserve = 128;
inline constexpr size_t kMinFdReserve = 32;

struct OpenFileLimit {
  uint64_t soft = 0;     // in force now
  uint64_t hard = 0;
  bool raised = false;   // the soft limit was raised to the hard one
  std::string warning;   // set when the soft limit could not be raised
};

// Raises this process's soft RLIMIT_NOFILE to its hard limit (the kernel's
// fs.nr_open when the hard limit is unlimited) and reports the result.
OpenFileLimit RaiseOpenFileLimit();

// The connection cap: `requested` (0: as many as the limit allows), which
// with `reserve` must fit in `open_file_limit`. Errors: InvalidArgument
// saying which number to change (ulimit -n, --max-connections,
// --fd-reserve). REQUIRES: reserve >= kMinFdReserve.
Result<size_t> ConnectionCap(uint64_t open_file_limit, size_t reserve, size_t requested);

}  // namespace pb::server
