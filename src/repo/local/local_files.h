// repo/local/: what LocalBackend's directory handling (local_backend.cc)
// and its object I/O (local_backend_io.cc) share: errors that tell the
// operator what to check, the names of a write's temporary files, and the
// entries of a folder.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pb::repo::local {

// The mode of every folder of a local repository.
inline constexpr mode_t kFolderMode = 0700;

// IOError "<op> <full>: <strerror> — <advice>", the advice fitting `err`
// for the repository directory `dir`.
Status Fail(const std::string& dir, const std::string& op, const std::string& full, int err);

// Adds advice to an IOError from the common file helpers (which keep the
// path and the system's reason but not errno); other statuses unchanged.
Status Explain(const std::string& dir, Status st);

// "<valid name>.tmp-<anything>": what an interrupted Write leaves behind.
bool IsTemporary(std::string_view entry);
// A fresh ".tmp-<pid>-<n>" for a temporary file of this process.
std::string TempSuffix();

enum class EntryType { kFile, kFolder, kOther };
struct Entry {
  std::string name;
  EntryType type;
};
// The entries of the folder `full` of the repository `dir` (without "."
// and ".."); Corruption when the folder is missing, IOError (Fail) else.
Result<std::vector<Entry>> ReadDir(const std::string& dir, const std::string& full);

// Corruption: `what` ("entry", "file", "non-file") at `full` is not one
// paymentsctl wrote.
Status Unexpected(const std::string& dir, const std::string& full, std::string_view what);

// Corruption for a repository path that holds something other than a
// regular file (a FIFO, a device, a socket, a symlink, a folder): never
// opened for reading, so it can neither hang a reader nor lead it outside.
Status NotRegular(const std::string& dir, const std::string& full, mode_t mode);

// Two lowercase hex digits: the name of a data/ subfolder.
bool IsTwoHex(std::string_view s);

}  // namespace pb::repo::local
