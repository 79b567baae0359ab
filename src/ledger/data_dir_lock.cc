#include "ledger/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "common/file_util.h"
#include "common/process.h"
#include "common/time_util.h"

namespace pb::ledger {
namespace {

// Longest holder line shown in a refusal.
constexpr size_t kMaxHolderBytes = 512;

// Who holds the lock, from LOCK's first line (control characters dropped).
std::string HolderOf(int fd) {
  char buf[kMaxHolderBytes];
  auto read = ReadAt(fd, 0, buf, sizeof buf, "LOCK");
  const size_t n = read.ok() ? *read : 0;  // unreadable: shown as not written yet
  std::string line;
  for (size_t i = 0; i < n && buf[i] != '\n'; ++i) {
    if (static_cast<unsigned char>(buf[i]) >= 0x20) line.push_back(buf[i]);
  }
  return line.empty() ? "a process that has not written its name into LOCK yet" : line;
}

// What to change after EACCES/EPERM on `denied`, a directory of `data_dir`.
std::string PermissionHint(const std::string& data_dir, const std::string& denied) {
  std::string uid = std::to_string(::geteuid()), gid = std::to_string(::getegid());
  std::string hint = "this process runs as uid " + uid + " gid " + gid;
  struct stat st;
  if (::stat(denied.c_str(), &st) == 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    hint += " and " + denied + " is owned by " + std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid) +
            " with mode " + mode;
  }
  return hint + ": give the data directory to this user (chown -R " + uid + ":" + gid + " " + data_dir +
         ") or run the program as its owner";
}

}  // namespace

Result<std::unique_ptr<DataDirLock>> DataDirLock::Acquire(const std::string& data_dir, std::string_view holder) {
  std::string dir = data_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const std::string path = dir + "/" + std::string(kLockFileName);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    int err = errno;
    Status st = Status::FromErrno("cannot lock the data directory: open " + path, err);
    if (err == EACCES || err == EPERM) return Status::IOError(st.message() + "; " + PermissionHint(data_dir, data_dir));
    return st;
  }
  std::unique_ptr<DataDirLock> lock(new DataDirLock(fd));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) return Status::FromErrno("cannot lock " + path, errno);
    return Status::Conflict(data_dir + " is in use by " + HolderOf(fd) + " (it holds " + path +
                            "): only one process may write a data directory; stop that one first");
  }
  std::string line = std::string(holder) + " pid " + std::to_string(::getpid()) + " on " + HostName() + " since " +
                     FormatIso8601(NowMillis()) + "\n";
  ssize_t written = ::ftruncate(fd, 0) == 0 ? ::pwrite(fd, line.data(), line.size(), 0) : -1;
  if (written != static_cast<ssize_t>(line.size())) {
    return Status::FromErrno("cannot write the holder's name into " + path, written < 0 ? errno : ENOSPC);
  }
  return lock;
}

DataDirLock::~DataDirLock() { ::close(fd_); }

Status CheckWritableDir(const std::string& data_dir, const std::string& dir) {
  if (::faccessat(AT_FDCWD, dir.c_str(), R_OK | W_OK | X_OK, AT_EACCESS) == 0 || errno == ENOENT) return Status::Ok();
  int err = errno;
  Status st = Status::FromErrno("cannot use " + dir, err);
  if (err == EACCES || err == EPERM) return Status::IOError(st.message() + "; " + PermissionHint(data_dir, dir));
  return st;
}

}  // namespace pb::ledger
