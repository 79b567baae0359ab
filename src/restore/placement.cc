#include "restore/placement.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "common/file_util.h"
#include "ledger/data_dir_lock.h"
#include "restore/fs_ops.h"

namespace pb::restore {
namespace {

constexpr std::string_view kLostFound = "lost+found";
std::string BaseName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// Whether `path` (a directory) is the root of a mounted file system: the
// kernel says so (bind mounts included), or, on kernels that do not, it is
// on another device than its parent.
Result<bool> IsMountPoint(const std::string& path) {
  struct statx stx;
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) != 0) {
    return Status::FromErrno("stat " + path, errno);
  }
#ifdef STATX_ATTR_MOUNT_ROOT
  if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
#endif
  struct stat parent;
  if (::stat((path + "/..").c_str(), &parent) != 0) return Status::FromErrno("stat " + path + "/..", errno);
  return parent.st_dev != makedev(stx.stx_dev_major, stx.stx_dev_minor);
}

Result<std::vector<std::string>> ListNames(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return Status::FromErrno("open directory " + dir, errno);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
  }
  int saved = errno;
  ::closedir(d);
  if (saved != 0) return Status::FromErrno("list directory " + dir, saved);
  return names;
}

// At a mount point's root: the file system's lost+found, the writer's LOCK
// (the restore holds it until the end) and the old content of earlier
// in-place restores stay where they are.
bool StaysAtMountRoot(const std::string& name) {
  return name == kLostFound || name == ledger::kLockFileName || name.rfind(kAsidePrefix, 0) == 0;
}

// Whether a target is a mount point, whose root keeps lost+found, the lock
// file and the aside directories (StaysAtMountRoot) out of its content.
enum class TargetRoot { kDirectory, kMountPoint };
TargetRoot RootOf(bool mount_point) { return mount_point ? TargetRoot::kMountPoint : TargetRoot::kDirectory; }

// The entries of `target` that are its content (see PlanPlacement); never
// the staging directory `staging_name`.
Result<std::vector<std::string>> ContentOf(const std::string& target, TargetRoot root,
                                           const std::string& staging_name) {
  auto names = ListNames(target);
  if (!names.ok()) return names.status();
  std::vector<std::string> content;
  for (std::string& name : *names) {
    if (name == staging_name || (root == TargetRoot::kMountPoint && StaysAtMountRoot(name))) continue;
    content.push_back(std::move(name));
  }
  return content;
}

Status NotEmpty(const std::string& target) {
  return Status::InvalidArgument(target + " is not empty; restore into a new directory, or give --force to move "
                                          "the existing content aside (it is kept, never deleted)");
}

// A name for the old content that is not taken yet.
std::string AsideName(const std::string& base) {
  std::string aside = base + CompactUtcNow();
  if (FileExists(aside)) aside += "-" + std::to_string(::getpid());
  return aside;
}

// Moves `names` from the directory `from` to `to` (both open), stopping at
// the first failure; *moved lists what was moved.
Status MoveEntries(int from, const std::string& from_path, int to, const std::string& to_path,
                   const std::vector<std::string>& names, std::vector<std::string>* moved) {
  for (const std::string& name : names) {
    if (::renameat(from, name.c_str(), to, name.c_str()) != 0) {
      return Status::FromErrno("move " + from_path + "/" + name + " to " + to_path + "/", errno);
    }
    moved->push_back(name);
  }
  return Status::Ok();
}

// Moves `moved` back from `to` to `from` after `error`; the error says
// where things are when that fails too.
Status MoveBack(Status error, int from, const std::string& from_path, int to, const std::string& to_path,
                const std::vector<std::string>& moved, bool* all_back) {
  std::vector<std::string> back;
  Status undone = MoveEntries(to, to_path, from, from_path, moved, &back);
  *all_back = undone.ok();
  if (undone.ok()) return error;
  return Status::IOError(error.message() + "; moving the entries back failed too (" + undone.message() + "): " +
                         from_path + " and " + to_path + " now each hold part of them; nothing was deleted");
}

// The mount-point swap of PlaceStaged.
Result<std::string> SwapInsideMountPoint(const Placement& p, bool force, const FinishRoot& finish_root) {
  const std::string staging_name = BaseName(p.staging);
  auto content = ContentOf(p.target, TargetRoot::kMountPoint, staging_name);
  if (!content.ok()) return content.status();
  if (!content->empty() && !force) return NotEmpty(p.target);
  auto staged = ListNames(p.staging);
  if (!staged.ok()) return staged.status();
  std::vector<std::string> to_place;
  bool drop_staged_lost_found = false;
  for (const std::string& name : *staged) {
    if (StaysAtMountRoot(name) && FileExists(p.target + "/" + name)) {
      if (name != kLostFound) {
        return Status::InvalidArgument("the snapshot holds " + name + " at its root, and " + p.target +
                                       " already has an entry of that name, which stays where it is; nothing was "
                                       "moved: move " + p.target + "/" + name + " elsewhere and restore again");
      }
      drop_staged_lost_found = true;  // the file system's own lost+found stays
      continue;
    }
    to_place.push_back(name);
  }
  struct stat old_root;
  if (::lstat(p.target.c_str(), &old_root) != 0) return Status::FromErrno("stat " + p.target, errno);
  ScopedFd target(::open(p.target.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (target.get() < 0) return Status::FromErrno("open " + p.target, errno);
  ScopedFd staging(::open(p.staging.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (staging.get() < 0) return Status::FromErrno("open " + p.staging, errno);

  // 1. The old content into <target>/.before-restore-<time>/, which gets
  //    the old root's owner, mode and time: a complete copy of the old
  //    data directory.
  std::string aside;
  if (!content->empty()) {
    aside = AsideName(p.target + "/" + std::string(kAsidePrefix));
    if (::mkdir(aside.c_str(), 0700) != 0) return Status::FromErrno("create " + aside, errno);
  }
  ScopedFd aside_fd(aside.empty() ? -1 : ::open(aside.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  std::vector<std::string> moved_aside;
  auto restore_old = [&](Status error) -> Status {
    bool all_back = false;
    Status st = MoveBack(std::move(error), target.get(), p.target, aside_fd.get(), aside, moved_aside, &all_back);
    if (all_back) ::rmdir(aside.c_str());
    return st;
  };
  if (!content->empty()) {
    if (aside_fd.get() < 0) return restore_old(Status::FromErrno("open " + aside, errno));
    Status moved = MoveEntries(target.get(), p.target, aside_fd.get(), aside, *content, &moved_aside);
    if (!moved.ok()) return restore_old(moved);
    // (Only root may give it the old owner; another user keeps its own.)
    struct timespec times[2] = {old_root.st_mtim, old_root.st_mtim};
    if ((::geteuid() == 0 && ::fchown(aside_fd.get(), old_root.st_uid, old_root.st_gid) != 0) ||
        ::fchmod(aside_fd.get(), old_root.st_mode & 07777) != 0 || ::futimens(aside_fd.get(), times) != 0 ||
        ::fsync(aside_fd.get()) != 0) {
      return restore_old(Status::FromErrno("set the owner, mode and time of " + aside, errno));
    }
  }
  // 2. The staged entries into the target.
  std::vector<std::string> placed;
  Status in = MoveEntries(staging.get(), p.staging, target.get(), p.target, to_place, &placed);
  if (!in.ok()) {
    bool all_back = false;
    Status st = MoveBack(in, staging.get(), p.staging, target.get(), p.target, placed, &all_back);
    return all_back && !content->empty() ? restore_old(st) : st;
  }
  // 3. The staging directory goes; the root gets the snapshot's metadata.
  Status finished = drop_staged_lost_found ? RemoveTree(p.staging + "/" + std::string(kLostFound)) : Status::Ok();
  if (finished.ok() && ::rmdir(p.staging.c_str()) != 0) finished = Status::FromErrno("remove " + p.staging, errno);
  if (finished.ok()) finished = finish_root(p.target);
  if (finished.ok()) finished = FsyncDir(p.target);
  if (!finished.ok()) {
    return Status::IOError("the restore is in place in " + p.target +
                           (aside.empty() ? "" : " (the old content is in " + aside + ")") + ", but " +
                           finished.message());
  }
  return aside;
}

}  // namespace

Result<Placement> PlanPlacement(const std::string& target, bool force) {
  Placement p;
  p.target = target;
  const std::string stamp = std::to_string(::getpid()) + "-" + CompactUtcNow();
  p.staging = DirName(target) + "/." + BaseName(target) + std::string(kMountStagingPrefix) + stamp;
  struct stat st;
  if (::lstat(target.c_str(), &st) != 0) {
    if (errno == ENOENT) return p;
    return Status::FromErrno("stat " + target, errno);
  }
  if (!S_ISDIR(st.st_mode)) return Status::InvalidArgument(target + " exists and is not a directory");
  auto mount = IsMountPoint(target);
  if (!mount.ok()) return mount.status();
  p.mount_point = *mount;
  if (p.mount_point) p.staging = target + "/" + std::string(kMountStagingPrefix) + stamp;
  auto content = ContentOf(target, RootOf(p.mount_point), "");
  if (!content.ok()) return content.status();
  if (!content->empty() && !force) return NotEmpty(target);
  return p;
}

Status CreateStaging(const Placement& placement) {
  PB_RETURN_IF_ERROR(MakeDirs(DirName(placement.staging)));
  if (::mkdir(placement.staging.c_str(), 0700) != 0) return Status::FromErrno("create " + placement.staging, errno);
  return Status::Ok();
}

Result<std::string> PlaceStaged(const Placement& p, bool force, const FinishRoot& finish_root) {
  if (p.mount_point) return SwapInsideMountPoint(p, force, finish_root);
  PB_RETURN_IF_ERROR(finish_root(p.staging));
  std::string aside;
  auto content = FileExists(p.target) ? ContentOf(p.target, TargetRoot::kDirectory, "")
                                      : Result<std::vector<std::string>>(std::vector<std::string>{});
  if (!content.ok()) return content.status();
  if (!content->empty()) {
    if (!force) return NotEmpty(p.target);
    aside = AsideName(p.target + std::string(kAsidePrefix));
    if (::rename(p.target.c_str(), aside.c_str()) != 0) return Status::FromErrno("move " + p.target + " to " + aside, errno);
  }
  if (::rename(p.staging.c_str(), p.target.c_str()) != 0) {
    Status st = Status::FromErrno("rename " + p.staging + " to " + p.target, errno);
    if (!aside.empty()) ::rename(aside.c_str(), p.target.c_str());
    return st;
  }
  PB_RETURN_IF_ERROR(FsyncDir(DirName(p.target)));
  return aside;
}

}  // namespace pb::restore
