// The file-system seam: the calls that read files and make data durable
// (open, read, pread, write, pwrite, fsync, fdatasync, ftruncate,
// rename, unlink) go through one process-wide FileOps, so tests can inject
// I/O faults (short reads and writes, EINTR, EIO, ENOSPC, failing renames)
// or record the calls under the journal and checkpoint code, like LevelDB's
// Env. Production uses the POSIX implementation: one virtual call in front
// of each system call, no change in behaviour. The loops that make these
// calls complete (EINTR, short reads and writes) live once, in
// common/file_util.h (ReadAt, ReadExact, WriteAll, PwriteAll, TruncateFile).
#pragma once

#include <sys/types.h>

namespace pb {

// Each method has the contract of the system call of the same name: it
// returns what the call returns and sets errno on failure. Implementations
// must be thread-safe. A test implementation that adds faults or records
// calls wraps another FileOps (a decorator) or derives from this one.
class FileOps {
 public:
  virtual ~FileOps() = default;
  virtual int Open(const char* path, int flags, mode_t mode);
  virtual ssize_t Read(int fd, void* buf, size_t size);
  virtual ssize_t Pread(int fd, void* buf, size_t size, off_t offset);
  virtual ssize_t Write(int fd, const void* data, size_t size);
  virtual ssize_t Pwrite(int fd, const void* data, size_t size, off_t offset);
  virtual int Fsync(int fd);
  virtual int Fdatasync(int fd);
  virtual int Ftruncate(int fd, off_t size);
  virtual int Rename(const char* from, const char* to);
  virtual int Unlink(const char* path);
};

// The current implementation (the POSIX one unless a test replaced it).
FileOps& Fs();

// Replaces the implementation for the whole process; nullptr restores the
// POSIX one. REQUIRES: `ops` outlives its use; no file operation is in flight
// (tests call it between runs of the service).
void SetFileOpsForTesting(FileOps* ops);

}  // namespace pb
