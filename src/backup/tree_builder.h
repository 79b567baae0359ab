// backup/: the trees of a snapshot (docs/repository-format.md, "Trees"),
// built bottom-up from what the walk found and the files as saved, each
// stored as a tree blob. (restic's tree_saver.)
#pragma once

#include <map>
#include <string>

#include "backup/file_saver.h"
#include "backup/walker.h"
#include "common/status.h"
#include "repo/blob_writer.h"

namespace pb::backup {

// Stores the tree of every directory of `listing` (its subdirectories and
// symlinks, and its files found in `files`; a walked file that is not in
// `files` vanished and is left out) and returns the id of the data
// directory's tree. REQUIRES: the content of `files` is final (the
// pipeline is drained). Errors: the writer's.
Result<Digest> BuildTrees(const DataDirListing& listing, const std::map<std::string, FileState>& files,
                          const repo::MasterKey& key, repo::BlobWriter* writer);

}  // namespace pb::backup
