// restore/: where a restore is written and how it replaces its target
// (docs/backups.md, "Restoring in place"). The restore is always staged on
// the file system the target lives on, and the old content is moved aside on
// that file system, never deleted:
// - a target that is not a mount point (or does not exist yet) is staged in
//   a hidden directory beside it, `<parent>/.<name>.restore-<pid>-<time>`; the
//   old target is renamed to `<target>.before-restore-<time>` and the staging
//   directory renamed to the target;
// - a mount point cannot be renamed: the restore is staged inside it, in
//   `<target>/.restore-<pid>-<time>`; the old entries are moved into
//   `<target>/.before-restore-<time>/`, then the staged entries into the
//   target, one rename each, all on the mounted file system.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace pb::restore {

// The name prefixes, inside a mount point, of the old content moved aside
// (".before-restore-<time>") and of the staging directory
// (".restore-<pid>-<time>", left behind only by an interrupted restore);
// backups skip both.
inline constexpr std::string_view kAsidePrefix = ".before-restore-";
inline constexpr std::string_view kMountStagingPrefix = ".restore-";

struct Placement {
  std::string target;   // absolute path
  std::string staging;  // where the restore is written before it is put in place
  bool mount_point = false;  // the target is a mount point: staging is inside it
};

// Checks the target and decides where to stage, without writing anything.
// At a mount point's root, `lost+found`, the lock file `LOCK` and earlier
// `.before-restore-*` directories are not content: they stay where they are.
// Errors: InvalidArgument for a target that exists and is not a directory,
// or holds entries and `force` is false; IOError naming the path.
Result<Placement> PlanPlacement(const std::string& target, bool force);

// Creates the staging directory (mode 0700), and the target's parents when
// the target does not exist.
Status CreateStaging(const Placement& placement);

// Called with the directory that is (or, for a rename, is about to become)
// the target, once every entry is in it: gives the data directory itself
// its owner, mode and mtime.
using FinishRoot = std::function<Status(const std::string& dir)>;

// Puts the staged directory in place (see the header comment) and returns
// where the old content went ("" when the target was empty or missing).
// REQUIRES: PlanPlacement and CreateStaging succeeded; the staging directory
// holds the complete, verified restore; the target is not in use.
// Errors: InvalidArgument when the target filled up meanwhile without force,
// or when a staged entry has the name of an entry that stays at a mount
// point's root; IOError naming the path. Before an error, what was moved is
// moved back where possible, so the target holds its old content and the
// staging directory the restore (the caller removes it); the message says
// otherwise.
Result<std::string> PlaceStaged(const Placement& placement, bool force, const FinishRoot& finish_root);

}  // namespace pb::restore
