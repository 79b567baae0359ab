// Test-only helpers for decorating the file-system seam (common/file_ops.h).
#pragma once

#include "common/file_ops.h"

namespace pb::testing {

// Installs `ops` as the process's FileOps for the life of the scope (the
// POSIX one again afterwards). REQUIRES: as SetFileOpsForTesting.
class ScopedFileOps {
 public:
  explicit ScopedFileOps(FileOps* ops) { SetFileOpsForTesting(ops); }
  ~ScopedFileOps() { SetFileOpsForTesting(nullptr); }
  ScopedFileOps(const ScopedFileOps&) = delete;
  ScopedFileOps& operator=(const ScopedFileOps&) = delete;
};

// A FileOps that forwards every call to `inner` (the POSIX implementation
// when null): the base of a decorator, which overrides only what it adds to.
class ForwardingFileOps : public FileOps {
 public:
  explicit ForwardingFileOps(FileOps* inner) : inner_(inner ? inner : &posix_) {}

  int Open(const char* path, int flags, mode_t mode) override { return inner_->Open(path, flags, mode); }
  ssize_t Read(int fd, void* buf, size_t size) override { return inner_->Read(fd, buf, size); }
  ssize_t Pread(int fd, void* buf, size_t size, off_t offset) override { return inner_->Pread(fd, buf, size, offset); }
  ssize_t Write(int fd, const void* data, size_t size) override { return inner_->Write(fd, data, size); }
  ssize_t Pwrite(int fd, const void* data, size_t size, off_t offset) override {
    return inner_->Pwrite(fd, data, size, offset);
  }
  int Fsync(int fd) override { return inner_->Fsync(fd); }
  int Fdatasync(int fd) override { return inner_->Fdatasync(fd); }
  int Ftruncate(int fd, off_t size) override { return inner_->Ftruncate(fd, size); }
  int Rename(const char* from, const char* to) override { return inner_->Rename(from, to); }
  int Unlink(const char* path) override { return inner_->Unlink(path); }

 private:
  FileOps posix_;
  FileOps* const inner_;
};

}  // namespace pb::testing
