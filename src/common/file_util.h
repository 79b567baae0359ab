// Durable file operations. Every function that claims durability fsyncs the
// file and, where a name changed, its directory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace pb {

// Writes `content` to `path` atomically: a temporary file beside it is
// written and fsynced, renamed over `path`, and the directory is fsynced.
// On failure `path` is untouched and the temporary file is removed.
Status WriteFileAtomic(const std::string& path, std::string_view content);

// Streams a large file to a temporary name, then publishes it.
// Commit() = fsync + rename to `final_path` + fsync(dir). Destroying an
// uncommitted writer removes the temporary file. Not copyable.
class AtomicFileWriter {
 public:
  AtomicFileWriter() = default;
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  // Opens `<final_path><temp_suffix>` for writing, truncating it.
  Status Open(const std::string& final_path, const std::string& temp_suffix = ".tmp");
  // Buffers small appends; an append of kBufferBytes or more is written
  // from `data` itself, after what is buffered.
  Status Append(std::string_view data);
  // Flushes and fsyncs the temporary file without renaming it.
  Status Sync();
  // Sync(), then closes and keeps the temporary file for a later rename by
  // the caller (two-phase publication). The writer is finished afterwards.
  Status SyncAndKeep();
  // Sync() + rename over the final path + fsync of the directory.
  Status Commit();
  const std::string& temp_path() const { return temp_path_; }

 private:
  static constexpr size_t kBufferBytes = size_t{1} << 20;
  Status FlushBuffer();
  // Writes `data` at the end of the file; pushes large files to the disk
  // as they grow.
  Status WriteOut(std::string_view data);
  int fd_ = -1;
  std::string final_path_;
  std::string temp_path_;
  std::string buffer_;
  uint64_t written_ = 0;       // bytes written to the file so far
  uint64_t written_back_ = 0;  // bytes already pushed to the disk
};

// Cuts `path` to its first `size` bytes and fsyncs it (through Fs()), so
// the cut survives a crash.
Status TruncateFile(const std::string& path, uint64_t size);
// Removes `path` (through Fs()); a missing file is not an error.
Status RemoveFile(const std::string& path);
// Owns a file descriptor and closes it when destroyed. Movable, not copyable.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd();
  ScopedFd(ScopedFd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  ScopedFd& operator=(ScopedFd&& other) noexcept;
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Opens `path` read-only (through Fs()). NotFound "<path> does not exist"
// when it is missing; IOError naming it otherwise.
Result<ScopedFd> OpenForReading(const std::string& path);
// Reads up to `length` bytes at `offset` of `fd` into `buf` (pread through
// Fs()), retrying after EINTR and short reads until `length` bytes are in
// or the file ends. Returns how many were read: fewer than `length` only
// when the file ends first. IOError "read <what>: <reason>" on failure, with
// errno still set to the reason. The one positional read loop: every read
// at an offset goes through it.
Result<size_t> ReadAt(int fd, uint64_t offset, char* buf, size_t length, const std::string& what);
// ReadAt that needs every byte: IOError naming `what` and the offset when
// the file ends first (it was truncated or replaced while being read).
Status ReadExact(int fd, uint64_t offset, char* buf, size_t length, const std::string& what);
// Up to `length` bytes of the file `path` from `offset` (fewer at its end).
Result<std::string> ReadFileRange(const std::string& path, uint64_t offset, size_t length);

// fsyncs the directory so a rename or create inside it is durable.
Status FsyncDir(const std::string& dir);
// Parent directory of `path` ("." when it has none).
std::string DirName(const std::string& path);
// Calls fn with successive pieces (up to 1 MiB) of the file's bytes, read
// in order (read(2) through Fs(), so pipes and devices work too).
Status ReadChunks(const std::string& path, const std::function<void(std::string_view)>& fn);
// Reads a whole file.
Result<std::string> ReadFile(const std::string& path);
bool FileExists(const std::string& path);
// True when `path` exists and is a directory (following symlinks).
bool IsDir(const std::string& path);
// Creates `dir` and its parents (mode 0755) if missing.
Status MakeDirs(const std::string& dir);
// Writes all of `data` at the current offset, retrying on EINTR/short writes.
Status WriteAll(int fd, std::string_view data, const std::string& what);
// Writes all of `data` at `offset` (pwrite), retrying on EINTR/short writes.
Status PwriteAll(int fd, uint64_t offset, std::string_view data, const std::string& what);
// True if `data` is not empty and every byte is zero.
bool IsAllZero(std::string_view data);
// SHA-256 of a whole file as lowercase hex.
Result<std::string> Sha256File(const std::string& path);

}  // namespace pb
