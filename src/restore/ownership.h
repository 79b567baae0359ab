// restore/: whose files a restore creates (docs/backups.md, "Owners and
// modes"). A snapshot records the owner, mode and mtime of every entry, the
// data directory's root included. Running as root, a restore reproduces the
// owners; `--owner UID:GID` gives every entry that owner instead; any other
// user keeps its own ids (it cannot chown) and is told when the snapshot's
// owners differ.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "common/status.h"
#include "repo/tree.h"

namespace pb::restore {

// "UID:GID", both decimal. InvalidArgument saying the expected form otherwise.
Result<repo::Owner> ParseOwner(std::string_view text);

// Decides the owner of each restored entry. Not thread-safe: the restore
// asks from one thread, while it walks the snapshot's trees.
class OwnerPolicy {
 public:
  // `forced`: --owner. InvalidArgument when this process is not root and
  // `forced` is not its own uid:gid (only root may give files away).
  static Result<OwnerPolicy> Make(std::optional<repo::Owner> forced);

  // The owner to give an entry the snapshot records with `recorded` (absent
  // in snapshots written before owners were recorded): `forced` when given,
  // else `recorded` when running as root; nullopt leaves the restoring
  // user's ids. Counts the recorded owners a restore not running as root
  // cannot reproduce, for Note().
  std::optional<repo::Owner> For(const std::optional<repo::Owner>& recorded);

  // "" when every entry got its recorded owner (or --owner was given);
  // else one line for the operator: which owners the snapshot records, that
  // `target` holds this user's ids instead, and how to fix it.
  std::string Note(const std::string& target) const;

 private:
  OwnerPolicy(std::optional<repo::Owner> forced, bool root, repo::Owner self)
      : forced_(forced), root_(root), self_(self) {}
  std::optional<repo::Owner> forced_;
  bool root_;
  repo::Owner self_;
  std::map<std::pair<uint32_t, uint32_t>, uint64_t> unreproduced_;  // recorded uid:gid -> entries
};

// Gives the open file or directory `fd` its owner (when set), then its
// permission bits and mtime (owner first: a chown clears set-id bits).
// `path` names it in errors (IOError with the errno).
Status SetEntryMeta(int fd, const std::optional<repo::Owner>& owner, uint32_t mode, int64_t mtime_ns,
                    const std::string& path);

// The same for the symlink `name` in the directory `dir_fd` (a symlink has
// no mode of its own).
Status SetSymlinkMeta(int dir_fd, const std::string& name, const std::optional<repo::Owner>& owner, int64_t mtime_ns,
                      const std::string& path);

// Gives every entry below the directory `dir` that is not in `listed`
// (relative paths, as the restore created them from the snapshot) the owner
// of the directory it is in, recursively: files the restore wrote itself
// (the checkpoint and journal segments rewritten by --at or by applying the
// shipped journal) then belong to the data directory's owner, like the
// service's own files. REQUIRES: `dir` already has `dir_owner`.
Status OwnUnlistedEntries(const std::string& dir, const std::unordered_set<std::string>& listed,
                          const repo::Owner& dir_owner);

}  // namespace pb::restore
