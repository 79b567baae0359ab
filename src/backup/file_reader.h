// backup/: where a sparse file being backed up has data. (Exact positional
// reads are common/file_util.h's ReadExact; where an append-only log's last
// complete line ends is ledger/datadir.h's FindLastLine.)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace pb::backup {

struct Extent {
  uint64_t begin = 0;
  uint64_t end = 0;  // exclusive
};

// The regions of [begin, end) of the open file `fd` that hold data, in
// order; the gaps between them are holes (read as zeros). A file without
// holes (allocated blocks cover its size) gives one extent without asking
// the file system. `path` is for messages.
Result<std::vector<Extent>> DataExtents(int fd, uint64_t begin, uint64_t end, uint64_t allocated_bytes,
                                        const std::string& path);

}  // namespace pb::backup
