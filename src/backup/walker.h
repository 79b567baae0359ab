// backup/: the walk of a data directory — every directory, regular file and
// symlink a backup of it holds, in name order, chosen by backup/selection.h.
// (Like restic's scanner: it only lists; the file saver reads.)
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "backup/selection.h"
#include "common/status.h"
#include "repo/tree.h"

namespace pb::backup {

// What the walk found, by data-directory-relative path.
struct DataDirListing {
  std::map<std::string, struct stat> dirs;  // "" is the data directory itself
  std::vector<std::string> files;           // regular files, depth first, in name order
  std::map<std::string, repo::Node> symlinks;
  uint64_t file_bytes = 0;  // the sizes of `files` when walked
};

// The stat of the data directory `data_dir` (absolute). NotFound when it
// does not exist, InvalidArgument when it is not a directory, IOError
// otherwise.
Result<struct stat> StatDataDir(const std::string& data_dir);

// Lists `data_dir`, whose stat is `root` (StatDataDir), keeping what
// Selected(rel, mode) keeps. An entry removed while the walk runs is left
// out; one that is neither a directory, a regular file nor a symlink is
// left out with a warning. IOError naming the path when a directory cannot
// be listed or an entry cannot be stat'ed or its link read.
Result<DataDirListing> WalkDataDir(const std::string& data_dir, const struct stat& root, BackupMode mode);

// True when the walk found the regular file `rel`.
bool Walked(const DataDirListing& listing, const std::string& rel);

}  // namespace pb::backup
