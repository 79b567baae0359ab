#include "restore/ownership.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "restore/fs_ops.h"

namespace pb::restore {
namespace {

std::string OwnerText(uint32_t uid, uint32_t gid) { return std::to_string(uid) + ":" + std::to_string(gid); }

bool ParseId(std::string_view text, uint32_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty() && *out != UINT32_MAX;
}

// OwnUnlistedEntries below the open directory `dir_fd` (`rel` from the root).
Status OwnUnlistedIn(int dir_fd, const std::string& root, const std::string& rel,
                     const std::unordered_set<std::string>& listed, const repo::Owner& dir_owner) {
  int dup = ::dup(dir_fd);
  if (dup < 0) return Status::FromErrno("open directory " + root + "/" + rel, errno);
  DIR* d = ::fdopendir(dup);
  if (!d) {
    int saved = errno;
    ::close(dup);
    return Status::FromErrno("open directory " + root + "/" + rel, saved);
  }
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
  }
  ::closedir(d);
  for (const std::string& name : names) {
    const std::string child = rel.empty() ? name : rel + "/" + name;
    const std::string path = root + "/" + child;
    struct stat st;
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return Status::FromErrno("stat " + path, errno);
    repo::Owner owner{st.st_uid, st.st_gid};
    if (!listed.count(child)) {
      if (::fchownat(dir_fd, name.c_str(), dir_owner.uid, dir_owner.gid, AT_SYMLINK_NOFOLLOW) != 0) {
        return Status::FromErrno("chown " + path + " to " + OwnerText(dir_owner.uid, dir_owner.gid), errno);
      }
      owner = dir_owner;
    }
    if (!S_ISDIR(st.st_mode)) continue;
    int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno("open directory " + path, errno);
    Status st_child = OwnUnlistedIn(fd, root, child, listed, owner);
    ::close(fd);
    PB_RETURN_IF_ERROR(st_child);
  }
  return Status::Ok();
}

}  // namespace

Result<repo::Owner> ParseOwner(std::string_view text) {
  size_t colon = text.find(':');
  repo::Owner owner;
  if (colon == std::string_view::npos || !ParseId(text.substr(0, colon), &owner.uid) ||
      !ParseId(text.substr(colon + 1), &owner.gid)) {
    return Status::InvalidArgument("--owner \"" + std::string(text) +
                                   "\" is not UID:GID (two decimal numbers, e.g. 10001:10001, the compose "
                                   "file's user)");
  }
  return owner;
}

Result<OwnerPolicy> OwnerPolicy::Make(std::optional<repo::Owner> forced) {
  repo::Owner self{::geteuid(), ::getegid()};
  bool root = self.uid == 0;
  if (forced && !root && !(*forced == self)) {
    return Status::InvalidArgument("--owner " + OwnerText(forced->uid, forced->gid) + " needs root: this restore runs as " +
                                   OwnerText(self.uid, self.gid) +
                                   " and cannot give files to another user; run it with sudo, or without --owner");
  }
  return OwnerPolicy(forced, root, self);
}

std::optional<repo::Owner> OwnerPolicy::For(const std::optional<repo::Owner>& recorded) {
  if (forced_) return forced_;
  if (!recorded) return std::nullopt;
  if (root_) return recorded;
  if (!(*recorded == self_)) ++unreproduced_[{recorded->uid, recorded->gid}];
  return std::nullopt;
}

std::string OwnerPolicy::Note(const std::string& target) const {
  if (unreproduced_.empty()) return "";
  std::string owners;
  uint64_t entries = 0;
  for (const auto& [ids, count] : unreproduced_) {
    owners += (owners.empty() ? "" : ", ") + OwnerText(ids.first, ids.second);
    entries += count;
  }
  const auto& first = unreproduced_.begin()->first;
  return "the snapshot records the owner(s) " + owners + " for " + std::to_string(entries) +
         " entr" + (entries == 1 ? "y" : "ies") + ", but this restore does not run as root, so what it wrote in " +
         target + " belongs to " + OwnerText(self_.uid, self_.gid) +
         "; to reproduce the owners, restore as root (or give --owner UID:GID as root), or run `sudo chown -R " +
         OwnerText(first.first, first.second) + " " + target + "`";
}

Status SetEntryMeta(int fd, const std::optional<repo::Owner>& owner, uint32_t mode, int64_t mtime_ns,
                    const std::string& path) {
  if (owner && ::fchown(fd, owner->uid, owner->gid) != 0) {
    return Status::FromErrno("chown " + path + " to " + OwnerText(owner->uid, owner->gid), errno);
  }
  if (::fchmod(fd, mode) != 0) return Status::FromErrno("chmod " + path, errno);
  struct timespec times[2] = {Timespec(mtime_ns), Timespec(mtime_ns)};
  if (::futimens(fd, times) != 0) return Status::FromErrno("set the time of " + path, errno);
  return Status::Ok();
}

Status SetSymlinkMeta(int dir_fd, const std::string& name, const std::optional<repo::Owner>& owner, int64_t mtime_ns,
                      const std::string& path) {
  if (owner && ::fchownat(dir_fd, name.c_str(), owner->uid, owner->gid, AT_SYMLINK_NOFOLLOW) != 0) {
    return Status::FromErrno("chown " + path + " to " + OwnerText(owner->uid, owner->gid), errno);
  }
  struct timespec times[2] = {Timespec(mtime_ns), Timespec(mtime_ns)};
  if (::utimensat(dir_fd, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    return Status::FromErrno("set the time of " + path, errno);
  }
  return Status::Ok();
}

Status OwnUnlistedEntries(const std::string& dir, const std::unordered_set<std::string>& listed,
                          const repo::Owner& dir_owner) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open directory " + dir, errno);
  Status st = OwnUnlistedIn(fd, dir, "", listed, dir_owner);
  ::close(fd);
  return st;
}

}  // namespace pb::restore
