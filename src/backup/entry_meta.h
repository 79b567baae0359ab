// backup/: what a snapshot's tree records of an entry found in the data
// directory, taken from its stat, and the path arithmetic of
// data-directory-relative names ("audit/registry.log").
#pragma once

#include <sys/stat.h>

#include <string>

#include "repo/tree.h"

namespace pb::backup {

// The metadata every entry records: permission bits, mtime and owner.
void SetEntryMeta(const struct stat& st, repo::Node* node);
// SetEntryMeta, plus what the next backup recognises an unchanged or grown
// regular file by (ctime, inode). Leaves name, type and size alone.
void SetFileMeta(const struct stat& st, repo::Node* node);

// "audit" for "audit/registry.log"; "" for a name at the top.
std::string ParentOf(const std::string& rel);
// "registry.log" for "audit/registry.log" (or for an absolute path).
std::string BaseName(const std::string& rel);

}  // namespace pb::backup
