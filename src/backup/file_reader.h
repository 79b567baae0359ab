// backup/: low-level reads of the files being backed up: where a sparse
// file has data, where an append-only log's last complete line ends, and
// exact positional reads.
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

// The offset just after the last '\n' in the first `size` bytes of `fd`
// (0 if there is none): the end of the last complete line of a log.
Result<uint64_t> LastLineEnd(int fd, uint64_t size, const std::string& path);

// Reads exactly `length` bytes at `offset` into `buf`. IOError naming `path`
// when the file ends first (it shrank while being backed up).
Status ReadExact(int fd, uint64_t offset, char* buf, size_t length, const std::string& path);

}  // namespace pb::backup
