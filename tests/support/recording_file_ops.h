// Test-only: a FileOps decorator (common/file_ops.h) that records, in order,
// each call that creates, changes, syncs or removes a file, then forwards
// it to the implementation it wraps. Reads and writes are forwarded without
// a record (there are many); "open" is recorded only when writing.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "support/file_ops_decorators.h"

namespace pb::testing {

// Records look like "open-append <path>", "open-write <path>",
// "ftruncate <path> <size>", "fsync <path>", "fdatasync <path>",
// "rename <from> <to>", "unlink <path>"; a descriptor is named by the path
// it was opened with. Thread-safe. Install with SetFileOpsForTesting();
// uninstall before it dies.
class RecordingFileOps : public ForwardingFileOps {
 public:
  // `inner` (not owned) does the work; nullptr: the POSIX implementation.
  explicit RecordingFileOps(FileOps* inner = nullptr) : ForwardingFileOps(inner) {}

  int Open(const char* path, int flags, mode_t mode) override;
  int Fsync(int fd) override;
  int Fdatasync(int fd) override;
  int Ftruncate(int fd, off_t size) override;
  int Rename(const char* from, const char* to) override;
  int Unlink(const char* path) override;

  // Every record so far, in call order.
  std::vector<std::string> calls() const;
  // The records that mention `path_part`, in call order.
  std::vector<std::string> CallsOn(const std::string& path_part) const;

 private:
  void Record(std::string call);
  std::string PathOf(int fd) const;

  mutable std::mutex mu_;
  std::map<int, std::string> paths_;  // fd -> path it was opened with
  std::vector<std::string> calls_;
};

}  // namespace pb::testing
