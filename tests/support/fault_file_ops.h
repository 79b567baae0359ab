// Test-only: a FileOps (common/file_ops.h) that injects one planned I/O fault
// into the service's reads or durable writes and counts what it did.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "common/file_ops.h"

namespace pb::testing {

enum class FaultKind {
  kShortWrite,   // a write stores only part of its bytes and says so (no error)
  kFsyncEio,     // fsync/fdatasync fails with EIO and the unsynced bytes are lost
  kEnospc,       // a write stores part of its bytes; it and every later write fail with ENOSPC
  kRenameFails,  // rename fails with EIO and renames nothing
  kShortRead,    // a read or pread returns only part of what it could (no error)
  kReadEintr,    // a read or pread fails with EINTR and reads nothing
};
const char* FaultKindName(FaultKind kind);

struct FaultPlan {
  FaultKind kind = FaultKind::kShortWrite;
  uint64_t at = 1;            // the fault hits the at-th call of its kind (1-based)
  std::string path_contains;  // only calls on paths containing this count ("" = all)
};

// Thread-safe. Install with SetFileOpsForTesting(); uninstall before it dies.
// Loss after a failed fsync is modelled as the kernel dropping the dirty
// pages: the file is cut back to its size at the last successful sync
// through any descriptor (or when first opened), as LevelDB's
// fault_injection_test drops unsynced data.
class FaultFileOps : public FileOps {
 public:
  explicit FaultFileOps(FaultPlan plan) : plan_(std::move(plan)) {}

  int Open(const char* path, int flags, mode_t mode) override;
  ssize_t Read(int fd, void* buf, size_t size) override;
  ssize_t Pread(int fd, void* buf, size_t size, off_t offset) override;
  ssize_t Write(int fd, const void* data, size_t size) override;
  ssize_t Pwrite(int fd, const void* data, size_t size, off_t offset) override;
  int Fsync(int fd) override;
  int Fdatasync(int fd) override;
  int Rename(const char* from, const char* to) override;

  // Faults injected so far (0 when the plan's point was never reached).
  uint64_t injected() const;

 private:
  // True when this call (on `path`, for an operation of `kind`) is the planned one.
  bool Hit(FaultKind kind, const std::string& path);
  // Decides how many bytes of a write to `fd` go through; -1 with errno set to fail it.
  ssize_t WriteBudget(int fd, size_t size);
  // The same for a read of `size` bytes from `fd`.
  ssize_t ReadBudget(int fd, size_t size);
  // fsync (or fdatasync when `data_only`) through the real implementation.
  int Sync(int fd, bool data_only);

  const FaultPlan plan_;
  mutable std::mutex mu_;
  std::map<int, std::string> paths_;    // fd -> path it was opened with
  std::map<ino_t, off_t> synced_size_;  // inode -> size when first opened or at the last successful sync
  uint64_t seen_ = 0;                   // calls of the plan's kind on matching paths
  uint64_t injected_ = 0;
  bool disk_full_ = false;
};

}  // namespace pb::testing
