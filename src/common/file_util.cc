#include "common/file_util.h"

#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <functional>

#include "common/file_ops.h"
#include "common/sha256.h"

namespace pb {

Status WriteAll(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t n = Fs().Write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("write " + what, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status FsyncDir(const std::string& dir) {
  int fd = Fs().Open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno("open directory " + dir, errno);
  int rc = Fs().Fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::FromErrno("fsync directory " + dir, err);
  return Status::Ok();
}

Status TruncateFile(const std::string& path, uint64_t size) {
  int fd = Fs().Open(path.c_str(), O_WRONLY | O_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno("open " + path, errno);
  int rc = Fs().Ftruncate(fd, static_cast<off_t>(size));
  if (rc == 0) rc = Fs().Fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::FromErrno("truncate " + path, err);
  return Status::Ok();
}

Status RemoveFile(const std::string& path) {
  if (Fs().Unlink(path.c_str()) != 0 && errno != ENOENT) return Status::FromErrno("remove " + path, errno);
  return Status::Ok();
}

std::string DirName(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    Fs().Unlink(temp_path_.c_str());
  }
}

Status AtomicFileWriter::Open(const std::string& final_path, const std::string& temp_suffix) {
  final_path_ = final_path;
  temp_path_ = final_path + temp_suffix;
  fd_ = Fs().Open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) return Status::FromErrno("create " + temp_path_, errno);
  return Status::Ok();
}

Status AtomicFileWriter::FlushBuffer() {
  PB_RETURN_IF_ERROR(WriteOut(buffer_));
  buffer_.clear();
  return Status::Ok();
}

Status AtomicFileWriter::WriteOut(std::string_view data) {
  PB_RETURN_IF_ERROR(WriteAll(fd_, data, temp_path_));
  written_ += data.size();
  // Write back large files as they grow (like RocksDB's bytes_per_sync): the
  // final fsync then has little left to do and does not stall other files'
  // fsyncs (the journal's) behind hundreds of megabytes of dirty pages.
  constexpr uint64_t kWritebackStep = 8 << 20;
  if (written_ - written_back_ >= kWritebackStep) {
    ::sync_file_range(fd_, static_cast<off_t>(written_back_), static_cast<off_t>(written_ - written_back_),
                      SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
    written_back_ = written_;
  }
  return Status::Ok();
}

Status AtomicFileWriter::Append(std::string_view data) {
  if (data.size() >= kBufferBytes) {
    // As large as the buffer: written from where it lies, not copied.
    PB_RETURN_IF_ERROR(FlushBuffer());
    return WriteOut(data);
  }
  buffer_.append(data);
  if (buffer_.size() >= kBufferBytes) return FlushBuffer();
  return Status::Ok();
}

Status AtomicFileWriter::Sync() {
  PB_RETURN_IF_ERROR(FlushBuffer());
  if (Fs().Fsync(fd_) != 0) return Status::FromErrno("fsync " + temp_path_, errno);
  return Status::Ok();
}

Status AtomicFileWriter::SyncAndKeep() {
  PB_RETURN_IF_ERROR(Sync());
  ::close(fd_);
  fd_ = -1;
  return Status::Ok();
}

Status AtomicFileWriter::Commit() {
  PB_RETURN_IF_ERROR(Sync());
  ::close(fd_);
  fd_ = -1;
  if (Fs().Rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    Status st = Status::FromErrno("rename " + temp_path_ + " to " + final_path_, errno);
    Fs().Unlink(temp_path_.c_str());
    return st;
  }
  return FsyncDir(DirName(final_path_));
}

Status WriteFileAtomic(const std::string& path, std::string_view content) {
  AtomicFileWriter writer;
  PB_RETURN_IF_ERROR(writer.Open(path));
  PB_RETURN_IF_ERROR(writer.Append(content));
  return writer.Commit();
}

Status ReadChunks(const std::string& path, const std::function<void(std::string_view)>& fn) {
  PB_ASSIGN_OR_RETURN(ScopedFd fd, OpenForReading(path));
  std::string buf(1 << 20, '\0');
  for (;;) {
    ssize_t n = Fs().Read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("read " + path, errno);
    if (n == 0) return Status::Ok();
    fn(std::string_view(buf.data(), static_cast<size_t>(n)));
  }
}

Result<ScopedFd> OpenForReading(const std::string& path) {
  ScopedFd fd(Fs().Open(path.c_str(), O_RDONLY | O_CLOEXEC, 0));
  if (fd.get() >= 0) return fd;
  if (errno == ENOENT) return Status::NotFound(path + " does not exist");
  return Status::FromErrno("open " + path, errno);
}

Result<size_t> ReadAt(int fd, uint64_t offset, char* buf, size_t length, const std::string& what) {
  size_t done = 0;
  while (done < length) {
    ssize_t n = Fs().Pread(fd, buf + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      Status st = Status::FromErrno("read " + what, err);
      errno = err;  // for callers that give advice by it
      return st;
    }
    if (n == 0) break;  // the end of the file
    done += static_cast<size_t>(n);
  }
  return done;
}

Status ReadExact(int fd, uint64_t offset, char* buf, size_t length, const std::string& what) {
  PB_ASSIGN_OR_RETURN(size_t got, ReadAt(fd, offset, buf, length, what));
  if (got == length) return Status::Ok();
  return Status::IOError(what + " ends at byte " + std::to_string(offset + got) + ", before the " +
                         std::to_string(length) + " bytes at offset " + std::to_string(offset) +
                         " were read: it became shorter while it was being read (truncated or replaced)");
}

Result<std::string> ReadFileRange(const std::string& path, uint64_t offset, size_t length) {
  PB_ASSIGN_OR_RETURN(ScopedFd fd, OpenForReading(path));
  std::string out(length, '\0');
  PB_ASSIGN_OR_RETURN(size_t got, ReadAt(fd.get(), offset, out.data(), length, path));
  out.resize(got);
  return out;
}

Result<std::string> ReadFile(const std::string& path) {
  std::string out;
  PB_RETURN_IF_ERROR(ReadChunks(path, [&](std::string_view chunk) { out.append(chunk); }));
  return out;
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool IsDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Status MakeDirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("create directory " + dir + ": " + ec.message());
  return Status::Ok();
}

ScopedFd::~ScopedFd() {
  if (fd_ >= 0) ::close(fd_);
}

ScopedFd& ScopedFd::operator=(ScopedFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

Status PwriteAll(int fd, uint64_t offset, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t w = Fs().Pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("write " + what, errno);
    }
    data.remove_prefix(static_cast<size_t>(w));
    offset += static_cast<uint64_t>(w);
  }
  return Status::Ok();
}

bool IsAllZero(std::string_view data) {
  return !data.empty() && data[0] == 0 && std::memcmp(data.data(), data.data() + 1, data.size() - 1) == 0;
}

Result<std::string> Sha256File(const std::string& path) {
  Sha256 hasher;
  PB_RETURN_IF_ERROR(ReadChunks(path, [&](std::string_view chunk) { hasher.Update(chunk); }));
  return ToHex(hasher.Finish());
}

}  // namespace pb
