#include "support/recording_file_ops.h"

#include <fcntl.h>

namespace pb::testing {

void RecordingFileOps::Record(std::string call) {
  std::lock_guard lock(mu_);
  calls_.push_back(std::move(call));
}

std::string RecordingFileOps::PathOf(int fd) const {
  std::lock_guard lock(mu_);
  auto it = paths_.find(fd);
  return it == paths_.end() ? "fd " + std::to_string(fd) : it->second;
}

int RecordingFileOps::Open(const char* path, int flags, mode_t mode) {
  int fd = ForwardingFileOps::Open(path, flags, mode);
  if (fd < 0) return fd;
  {
    std::lock_guard lock(mu_);
    paths_[fd] = path;
  }
  if ((flags & O_ACCMODE) != O_RDONLY) Record(std::string(flags & O_APPEND ? "open-append " : "open-write ") + path);
  return fd;
}

int RecordingFileOps::Fsync(int fd) {
  Record("fsync " + PathOf(fd));
  return ForwardingFileOps::Fsync(fd);
}

int RecordingFileOps::Fdatasync(int fd) {
  Record("fdatasync " + PathOf(fd));
  return ForwardingFileOps::Fdatasync(fd);
}

int RecordingFileOps::Ftruncate(int fd, off_t size) {
  Record("ftruncate " + PathOf(fd) + " " + std::to_string(size));
  return ForwardingFileOps::Ftruncate(fd, size);
}

int RecordingFileOps::Rename(const char* from, const char* to) {
  Record(std::string("rename ") + from + " " + to);
  return ForwardingFileOps::Rename(from, to);
}

int RecordingFileOps::Unlink(const char* path) {
  Record(std::string("unlink ") + path);
  return ForwardingFileOps::Unlink(path);
}

std::vector<std::string> RecordingFileOps::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

std::vector<std::string> RecordingFileOps::CallsOn(const std::string& path_part) const {
  std::vector<std::string> out;
  for (const std::string& call : calls()) {
    if (call.find(path_part) != std::string::npos) out.push_back(call);
  }
  return out;
}

}  // namespace pb::testing
