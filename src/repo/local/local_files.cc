#include "repo/local/local_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "repo/backend.h"

namespace pb::repo::local {
namespace {

constexpr std::string_view kTempMarker = ".tmp-";

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

}  // namespace

Status Fail(const std::string& dir, const std::string& op, const std::string& full, int err) {
  return Status::IOError(op + " " + full + ": " + std::strerror(err) + " — " + Advice(dir, err));
}

Status Explain(const std::string& dir, Status st) {
  if (st.kind() != Status::Kind::kIOError) return st;
  return Status::IOError(st.message() + " — check that " + dir +
                         " is writable by the user running paymentsctl and that its filesystem has free space");
}

bool IsTemporary(std::string_view entry) {
  size_t p = entry.find(kTempMarker);
  return p != std::string_view::npos && p > 0 && ValidateName(entry.substr(0, p)).ok();
}

std::string TempSuffix() {
  static std::atomic<uint64_t> counter{0};
  return std::string(kTempMarker) + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
}

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

}  // namespace pb::repo::local
