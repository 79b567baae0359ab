// LocalBackend's object I/O: reading a repository file (only a regular
// file is ever opened), its size, and the write-once publication of a new
// one (see local_backend.h).
#include "repo/local/local_backend.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/file_util.h"
#include "repo/local/local_files.h"

namespace pb::repo {

using local::Explain;
using local::Fail;
using local::NotRegular;
using local::TempSuffix;
using local::kFolderMode;

Result<int> LocalBackend::OpenRegular(const std::string& full, uint64_t* size) const {
  // lstat first, so that a device is never opened; then O_NOFOLLOW and
  // O_NONBLOCK (a FIFO opens at once instead of waiting for a writer) and
  // fstat of what was opened, which closes the race with a rename.
  struct stat st;
  if (::lstat(full.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound(full + " does not exist");
    return Fail(dir_, "stat", full, errno);
  }
  if (!S_ISREG(st.st_mode)) return NotRegular(dir_, full, st.st_mode);
  int fd = ::open(full.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(full + " does not exist");
    if (errno == ELOOP) return NotRegular(dir_, full, S_IFLNK);
    return Fail(dir_, "open", full, errno);
  }
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Fail(dir_, "stat", full, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return NotRegular(dir_, full, st.st_mode);
  }
  *size = static_cast<uint64_t>(st.st_size);
  return fd;
}

Status LocalBackend::ReadOpenInto(int fd, const std::string& full, uint64_t size, uint64_t offset, size_t length,
                                  char* out) const {
  auto past_end = [&] {
    return Status::Corruption(full + " is " + std::to_string(size) + " bytes; the range of " +
                              std::to_string(length) + " bytes at offset " + std::to_string(offset) +
                              " ends past its end: the file or the index pointing into it is damaged; "
                              "run paymentsctl check");
  };
  if (offset > size || length > size - offset) return past_end();
  auto got = ReadAt(fd, offset, out, length, full);
  if (!got.ok()) return Fail(dir_, "read", full, errno);  // ReadAt keeps errno
  if (*got < length) return past_end();  // shrank under us
  return Status::Ok();
}

Result<std::string> LocalBackend::ReadOpen(int fd, const std::string& full, uint64_t size, uint64_t offset,
                                           size_t length) const {
  // Checked before the string is sized, so a damaged index cannot make it huge.
  if (offset > size || length > size - offset) return ReadOpenInto(fd, full, size, offset, length, nullptr);
  std::string out(length, '\0');
  PB_RETURN_IF_ERROR(ReadOpenInto(fd, full, size, offset, length, out.data()));
  return out;
}

Result<LocalBackend::OpenFile> LocalBackend::OpenForRead(std::string_view path) const {
  PB_RETURN_IF_ERROR(ValidatePath(path));
  OpenFile file{ScopedFd(-1), Full(path), 0};
  PB_ASSIGN_OR_RETURN(int fd, OpenRegular(file.full, &file.size));
  file.fd = ScopedFd(fd);
  return file;
}

Result<std::string> LocalBackend::ReadPart(std::string_view path, uint64_t offset, std::optional<size_t> length) {
  PB_ASSIGN_OR_RETURN(OpenFile f, OpenForRead(path));
  return ReadOpen(f.fd.get(), f.full, f.size, offset, length.value_or(static_cast<size_t>(f.size)));
}

Result<std::string> LocalBackend::Read(std::string_view path) { return ReadPart(path, 0, std::nullopt); }

Result<std::string> LocalBackend::ReadRange(std::string_view path, uint64_t offset, size_t length) {
  return ReadPart(path, offset, length);
}

Status LocalBackend::ReadRangeInto(std::string_view path, uint64_t offset, size_t length, char* out) {
  PB_ASSIGN_OR_RETURN(OpenFile f, OpenForRead(path));
  return ReadOpenInto(f.fd.get(), f.full, f.size, offset, length, out);
}

Result<uint64_t> LocalBackend::Size(std::string_view path) {
  PB_RETURN_IF_ERROR(ValidatePath(path));
  uint64_t size = 0;
  auto fd = OpenRegular(Full(path), &size);
  if (!fd.ok()) return fd.status();
  ScopedFd owned(*fd);
  return size;
}

Result<bool> LocalBackend::SameContent(const std::string& full, std::string_view bytes) const {
  uint64_t size = 0;
  auto fd = OpenRegular(full, &size);
  if (!fd.ok()) return fd.status();
  ScopedFd owned(*fd);
  if (size != bytes.size()) return false;
  auto existing = ReadOpen(owned.get(), full, size, 0, static_cast<size_t>(size));
  if (!existing.ok()) return existing.status();
  return *existing == bytes;
}

Status LocalBackend::AcceptExisting(std::string_view path, std::string_view bytes) {
  const std::string full = Full(path);
  auto same = SameContent(full, bytes);
  if (!same.ok()) return same.status();
  if (!*same) {
    return Status::Conflict(full + " already exists with different content; repository files are written once "
                            "and never replaced, so the existing file is damaged or the writer is wrong: run "
                            "paymentsctl check");
  }
  // Another writer may have renamed it without yet fsyncing the folder.
  return Explain(dir_, FsyncDir(DirName(full)));
}

Status LocalBackend::Write(std::string_view path, std::string_view bytes) {
  PB_RETURN_IF_ERROR(ValidatePath(path));
  const std::string full = Full(path);
  if (path.starts_with("data/")) {
    const std::string sub = Full(path.substr(0, 7));  // data/xx
    if (::mkdir(sub.c_str(), kFolderMode) != 0 && errno != EEXIST) return Fail(dir_, "create folder", sub, errno);
    // Always, not only when we created it: a concurrent creator may not have
    // made the new folder durable yet, and our file would vanish with it.
    PB_RETURN_IF_ERROR(Explain(dir_, FsyncDir(Full("data"))));
  } else if (std::string_view folder = path.substr(0, path.find('/')); IsOptionalFolder(folder)) {
    const std::string sub = Full(folder);
    if (::mkdir(sub.c_str(), kFolderMode) != 0 && errno != EEXIST) return Fail(dir_, "create folder", sub, errno);
    PB_RETURN_IF_ERROR(Explain(dir_, FsyncDir(dir_)));
  }
  struct stat st;
  if (::lstat(full.c_str(), &st) == 0) return AcceptExisting(path, bytes);
  if (errno != ENOENT) return Fail(dir_, "stat", full, errno);

  AtomicFileWriter writer;
  PB_RETURN_IF_ERROR(Explain(dir_, writer.Open(full, TempSuffix())));
  PB_RETURN_IF_ERROR(Explain(dir_, writer.Append(bytes)));
  PB_RETURN_IF_ERROR(Explain(dir_, writer.SyncAndKeep()));
  const std::string temp = writer.temp_path();

  // Publish without replacing: a concurrent writer of the same path wins,
  // and we then only accept its file if it holds the same bytes.
  int rc = ::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, full.c_str(), RENAME_NOREPLACE);
  if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {  // filesystem without RENAME_NOREPLACE
    rc = ::link(temp.c_str(), full.c_str());
    if (rc == 0) ::unlink(temp.c_str());
  }
  if (rc != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    if (err == EEXIST) return AcceptExisting(path, bytes);
    return Fail(dir_, "rename " + temp + " to", full, err);
  }
  return Explain(dir_, FsyncDir(DirName(full)));
}

}  // namespace pb::repo
