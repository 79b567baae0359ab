// restore/: writing a snapshot back to disk. This header owns the file
// system operations a restore needs beyond common/file_util.h: writing a
// blob's bytes sparsely, removing a directory tree it created, and times.
#pragma once

#include <time.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace pb::restore {

// Writes `data` at `offset` of `fd`, skipping every 4 KiB block (aligned
// to file offsets) that is all zeros, so those stay holes. REQUIRES: the
// file was extended with ftruncate beforehand, so skipped blocks read as 0.
Status WriteSparse(int fd, uint64_t offset, std::string_view data, const std::string& path);

// Asks the kernel to start writing [offset, offset + length) of `fd` to disk
// now (without waiting), so the final fsync finds little left to do and disk
// writes overlap with the rest of the restore. Best effort.
void StartWriteback(int fd, uint64_t offset, uint64_t length);

// Deletes `path` and everything below it without following symlinks. Only
// for directories this process created.
Status RemoveTree(const std::string& path);

// `ns` nanoseconds since 1970 UTC as a timespec (futimens, utimensat).
struct timespec Timespec(int64_t ns);

// Current UTC time as 20261124T133605Z, for names of moved-aside directories.
std::string CompactUtcNow();

}  // namespace pb::restore
