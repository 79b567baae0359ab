#include "common/file_ops.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <atomic>

namespace pb {

int FileOps::Open(const char* path, int flags, mode_t mode) { return ::open(path, flags, mode); }
ssize_t FileOps::Read(int fd, void* buf, size_t size) { return ::read(fd, buf, size); }
ssize_t FileOps::Pread(int fd, void* buf, size_t size, off_t offset) { return ::pread(fd, buf, size, offset); }
ssize_t FileOps::Write(int fd, const void* data, size_t size) { return ::write(fd, data, size); }
ssize_t FileOps::Pwrite(int fd, const void* data, size_t size, off_t offset) {
  return ::pwrite(fd, data, size, offset);
}
int FileOps::Fsync(int fd) { return ::fsync(fd); }
int FileOps::Fdatasync(int fd) { return ::fdatasync(fd); }
int FileOps::Ftruncate(int fd, off_t size) { return ::ftruncate(fd, size); }
int FileOps::Rename(const char* from, const char* to) { return ::rename(from, to); }
int FileOps::Unlink(const char* path) { return ::unlink(path); }

namespace {
FileOps posix_ops;
std::atomic<FileOps*> current{&posix_ops};
}  // namespace

FileOps& Fs() { return *current.load(std::memory_order_acquire); }

void SetFileOpsForTesting(FileOps* ops) { current.store(ops ? ops : &posix_ops, std::memory_order_release); }

}  // namespace pb
