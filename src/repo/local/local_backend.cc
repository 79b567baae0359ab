#include "repo/local/local_backend.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "common/file_util.h"

namespace pb::repo {
namespace {

constexpr std::string_view kTempMarker = ".tmp-";
constexpr mode_t kFolderMode = 0700;

// What the operator should check after the system refused an operation.
std::string Advice(const std::string& dir, int err) {
  switch (err) {
    case EACCES:
    case EPERM:
      return "check that the user running paymentsctl owns, or may read and write, " + dir +
             " and everything in it (ls -ln)";
    case ENOTDIR:
      return "a file stands where the layout needs a folder: " + dir +
             " is damaged or is not a repository; run paymentsctl check";
    case EISDIR:
      return "a folder stands where the layout needs a file: move it out of " + dir;
    case ENOSPC:
    case EDQUOT:
      return "the filesystem holding " + dir + " is full: free space or move the repository";
    case EROFS:
      return "the filesystem holding " + dir + " is mounted read-only";
    case EIO:
      return "the disk reported an error: check the kernel log (dmesg) and the disk's health";
    default:
      return "check " + dir + " and the filesystem holding it";
  }
}

// IOError "<op> <full>: <strerror> — <advice>".
Status Fail(const std::string& dir, const std::string& op, const std::string& full, int err) {
  return Status::IOError(op + " " + full + ": " + std::strerror(err) + " — " + Advice(dir, err));
}

// Adds advice to an IOError from the common file helpers (which keep the
// path and the system's reason but not errno).
Status Explain(const std::string& dir, Status st) {
  if (st.kind() != Status::Kind::kIOError) return st;
  return Status::IOError(st.message() + " — check that " + dir +
                         " is writable by the user running paymentsctl and that its filesystem has free space");
}

// "<valid name>.tmp-<anything>": what an interrupted Write leaves behind.
bool IsTemporary(std::string_view entry) {
  size_t p = entry.find(kTempMarker);
  return p != std::string_view::npos && p > 0 && ValidateName(entry.substr(0, p)).ok();
}

std::string TempSuffix() {
  static std::atomic<uint64_t> counter{0};
  return std::string(kTempMarker) + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
}

enum class EntryType { kFile, kFolder, kOther };
struct Entry {
  std::string name;
  EntryType type;
};

// The entries of the folder `full` (without "." and "..").
Result<std::vector<Entry>> ReadDir(const std::string& dir, const std::string& full) {
  DIR* d = ::opendir(full.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) {
      return Status::Corruption("the folder " + full + " is missing: " + dir +
                                " is damaged; run paymentsctl check");
    }
    return Fail(dir, "open folder", full, errno);
  }
  std::vector<Entry> out;
  for (;;) {
    errno = 0;
    struct dirent* e = ::readdir(d);
    if (e == nullptr) break;
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    EntryType type = EntryType::kOther;
    unsigned char dt = e->d_type;
    if (dt == DT_UNKNOWN) {
      struct stat st;
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        dt = S_ISREG(st.st_mode) ? DT_REG : S_ISDIR(st.st_mode) ? DT_DIR : DT_UNKNOWN;
      }
    }
    if (dt == DT_REG) type = EntryType::kFile;
    if (dt == DT_DIR) type = EntryType::kFolder;
    out.push_back({std::move(name), type});
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return Fail(dir, "read folder", full, err);
  return out;
}

Status Unexpected(const std::string& dir, const std::string& full, std::string_view what) {
  return Status::Corruption("unexpected " + std::string(what) + " " + full +
                            ": a repository folder holds only files written by paymentsctl; move it out of " + dir);
}

// Corruption for a repository path that holds something other than a
// regular file (a FIFO, a device, a socket, a symlink, a folder): never
// opened for reading, so it can neither hang a reader nor lead it outside.
Status NotRegular(const std::string& dir, const std::string& full, mode_t mode) {
  const char* what = S_ISFIFO(mode)   ? "a FIFO"
                     : S_ISLNK(mode)  ? "a symlink"
                     : S_ISDIR(mode)  ? "a folder"
                     : S_ISSOCK(mode) ? "a socket"
                     : S_ISCHR(mode) || S_ISBLK(mode) ? "a device"
                                                      : "not a regular file";
  return Status::Corruption(full + " is " + std::string(what) +
                            ", not a file paymentsctl wrote: it is never read; move it out of " + dir +
                            " (then `paymentsctl repair` if it stood in place of a pack)");
}

bool IsTwoHex(std::string_view s) {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  return s.size() == 2 && hex(s[0]) && hex(s[1]);
}

}  // namespace

Result<std::unique_ptr<LocalBackend>> LocalBackend::Create(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return Status::Conflict(dir + " exists and is not a directory: choose another place");
    auto entries = ReadDir(dir, dir);
    if (!entries.ok()) return entries.status();
    if (!entries->empty()) {
      return Status::Conflict(dir + " exists and is not empty: refusing to create a repository there "
                              "(choose a new or empty directory)");
    }
  } else if (errno == ENOENT) {
    PB_RETURN_IF_ERROR(Explain(dir, MakeDirs(dir)));
  } else {
    return Fail(dir, "stat", dir, errno);
  }
  for (std::string_view folder : kFolders) {
    std::string full = dir + "/" + std::string(folder);
    if (::mkdir(full.c_str(), kFolderMode) != 0) return Fail(dir, "create folder", full, errno);
  }
  PB_RETURN_IF_ERROR(Explain(dir, FsyncDir(dir)));
  PB_RETURN_IF_ERROR(Explain(dir, FsyncDir(DirName(dir))));
  return Open(dir);
}

Result<std::unique_ptr<LocalBackend>> LocalBackend::Open(const std::string& dir_arg) {
  std::string dir = dir_arg;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return Status::NotFound("repository directory " + dir + " does not exist (paymentsctl init creates one)");
    }
    return Fail(dir, "stat", dir, errno);
  }
  if (!S_ISDIR(st.st_mode)) return Status::InvalidArgument(dir + " is not a directory, so not a backup repository");
  std::string missing;
  size_t present = 0;
  for (std::string_view folder : kFolders) {
    std::string full = dir + "/" + std::string(folder);
    int rc = ::stat(full.c_str(), &st);
    if (rc == 0 && S_ISDIR(st.st_mode)) {
      ++present;
    } else if (rc != 0 && errno == ENOENT && IsOptionalFolder(folder)) {
      continue;
    } else if (rc == 0 || errno == ENOENT) {
      missing += missing.empty() ? "" : ", ";
      missing += folder;
    } else {
      return Fail(dir, "stat", full, errno);
    }
  }
  if (present == 0) {
    return Status::InvalidArgument(dir + " is not a backup repository (it has no keys, data, index, snapshots "
                                   "or locks folder)");
  }
  if (!missing.empty()) {
    return Status::Corruption("repository " + dir + " lacks the folder(s) " + missing +
                              ": it is damaged; run paymentsctl check");
  }
  return std::unique_ptr<LocalBackend>(new LocalBackend(dir));
}

std::string LocalBackend::Describe() const { return "local directory " + dir_; }

Result<std::vector<std::string>> LocalBackend::List(std::string_view folder) {
  if (std::find(std::begin(kFolders), std::end(kFolders), folder) == std::end(kFolders)) {
    return Status::InvalidArgument("cannot list \"" + std::string(folder) +
                                   "\": not a folder of the repository layout");
  }
  std::vector<std::string> names;
  std::vector<std::string> rels;  // folders (relative to dir_) that hold files
  if (folder == "data") {
    auto subs = ReadDir(dir_, Full("data"));
    if (!subs.ok()) return subs.status();
    for (const Entry& e : *subs) {
      if (e.type != EntryType::kFolder || !IsTwoHex(e.name)) {
        return Unexpected(dir_, Full("data/" + e.name), "entry");
      }
      rels.push_back("data/" + e.name);
    }
  } else if (IsOptionalFolder(folder) && !FileExists(Full(folder))) {
    return names;
  } else {
    rels.emplace_back(folder);
  }
  for (const std::string& rel : rels) {
    auto entries = ReadDir(dir_, Full(rel));
    if (!entries.ok()) return entries.status();
    for (Entry& e : *entries) {
      if (IsTemporary(e.name)) continue;
      if (e.type != EntryType::kFile) return Unexpected(dir_, Full(rel + "/" + e.name), "non-file");
      if (!ValidatePath(rel + "/" + e.name).ok()) return Unexpected(dir_, Full(rel + "/" + e.name), "file");
      names.push_back(std::move(e.name));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

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

Status LocalBackend::Remove(std::string_view path) {
  PB_RETURN_IF_ERROR(ValidatePath(path));
  const std::string full = Full(path);
  if (::unlink(full.c_str()) != 0) {
    if (errno == ENOENT) return Status::NotFound(full + " does not exist");
    return Fail(dir_, "remove", full, errno);
  }
  return Explain(dir_, FsyncDir(DirName(full)));
}

Result<size_t> LocalBackend::RemoveTemporaryFiles() {
  std::vector<std::string> rels = {""};  // "" = the top level (config's temporaries)
  for (std::string_view folder : kFolders) {
    if (!IsOptionalFolder(folder) || FileExists(Full(folder))) rels.emplace_back(folder);
  }
  auto subs = ReadDir(dir_, Full("data"));
  if (!subs.ok()) return subs.status();
  for (const Entry& e : *subs) {
    if (e.type == EntryType::kFolder && IsTwoHex(e.name)) rels.push_back("data/" + e.name);
  }
  size_t removed = 0;
  for (const std::string& rel : rels) {
    const std::string folder = rel.empty() ? dir_ : Full(rel);
    auto entries = ReadDir(dir_, folder);
    if (!entries.ok()) return entries.status();
    for (const Entry& e : *entries) {
      if (e.type != EntryType::kFile || !IsTemporary(e.name)) continue;
      if (rel.empty() && !e.name.starts_with("config.")) continue;
      const std::string full = folder + "/" + e.name;
      if (::unlink(full.c_str()) != 0 && errno != ENOENT) return Fail(dir_, "remove", full, errno);
      ++removed;
    }
  }
  return removed;
}

}  // namespace pb::repo
