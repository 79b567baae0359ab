#include "support/fault_file_ops.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace pb::testing {

const char* FaultKindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kShortWrite: return "short_write";
    case FaultKind::kFsyncEio: return "fsync_eio";
    case FaultKind::kEnospc: return "enospc";
    case FaultKind::kRenameFails: return "rename_fails";
    case FaultKind::kShortRead: return "short_read";
    case FaultKind::kReadEintr: return "read_eintr";
  }
  return "?";
}

uint64_t FaultFileOps::injected() const {
  std::lock_guard lock(mu_);
  return injected_;
}

bool FaultFileOps::Hit(FaultKind kind, const std::string& path) {
  if (kind != plan_.kind || path.find(plan_.path_contains) == std::string::npos) return false;
  if (++seen_ != plan_.at) return false;
  ++injected_;
  return true;
}

int FaultFileOps::Open(const char* path, int flags, mode_t mode) {
  int fd = FileOps::Open(path, flags, mode);
  if (fd < 0) return fd;
  struct stat st;
  std::lock_guard lock(mu_);
  paths_[fd] = path;
  if (::fstat(fd, &st) == 0) synced_size_.try_emplace(st.st_ino, st.st_size);
  return fd;
}

ssize_t FaultFileOps::WriteBudget(int fd, size_t size) {
  std::lock_guard lock(mu_);
  if (disk_full_) {
    errno = ENOSPC;
    return -1;
  }
  bool short_write = Hit(FaultKind::kShortWrite, paths_[fd]);
  if (!short_write && Hit(FaultKind::kEnospc, paths_[fd])) {
    disk_full_ = true;  // this write stores a part; the retry for the rest fails
    short_write = true;
  }
  if (!short_write || size < 2) return static_cast<ssize_t>(size);
  return static_cast<ssize_t>(size / 2);
}

ssize_t FaultFileOps::ReadBudget(int fd, size_t size) {
  std::lock_guard lock(mu_);
  if (Hit(FaultKind::kReadEintr, paths_[fd])) {
    errno = EINTR;
    return -1;
  }
  if (size >= 2 && Hit(FaultKind::kShortRead, paths_[fd])) return static_cast<ssize_t>(size / 2);
  return static_cast<ssize_t>(size);
}

ssize_t FaultFileOps::Read(int fd, void* buf, size_t size) {
  ssize_t budget = ReadBudget(fd, size);
  if (budget < 0) return budget;
  return FileOps::Read(fd, buf, static_cast<size_t>(budget));
}

ssize_t FaultFileOps::Pread(int fd, void* buf, size_t size, off_t offset) {
  ssize_t budget = ReadBudget(fd, size);
  if (budget < 0) return budget;
  return FileOps::Pread(fd, buf, static_cast<size_t>(budget), offset);
}

ssize_t FaultFileOps::Write(int fd, const void* data, size_t size) {
  ssize_t budget = WriteBudget(fd, size);
  if (budget < 0) return budget;
  return FileOps::Write(fd, data, static_cast<size_t>(budget));
}

ssize_t FaultFileOps::Pwrite(int fd, const void* data, size_t size, off_t offset) {
  ssize_t budget = WriteBudget(fd, size);
  if (budget < 0) return budget;
  return FileOps::Pwrite(fd, data, static_cast<size_t>(budget), offset);
}

int FaultFileOps::Sync(int fd, bool data_only) {
  std::unique_lock lock(mu_);
  struct stat st;
  bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (Hit(FaultKind::kFsyncEio, paths_[fd])) {
    if (regular && st.st_size > synced_size_[st.st_ino]) FileOps::Ftruncate(fd, synced_size_[st.st_ino]);
    errno = EIO;
    return -1;
  }
  lock.unlock();
  int rc = data_only ? FileOps::Fdatasync(fd) : FileOps::Fsync(fd);
  if (rc == 0 && regular) {
    lock.lock();
    synced_size_[st.st_ino] = st.st_size;
  }
  return rc;
}

int FaultFileOps::Fsync(int fd) { return Sync(fd, false); }
int FaultFileOps::Fdatasync(int fd) { return Sync(fd, true); }

int FaultFileOps::Rename(const char* from, const char* to) {
  {
    std::lock_guard lock(mu_);
    if (Hit(FaultKind::kRenameFails, from)) {
      errno = EIO;
      return -1;
    }
  }
  return FileOps::Rename(from, to);
}

}  // namespace pb::testing
