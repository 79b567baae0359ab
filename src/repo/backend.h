// repo/: the storage seam of the backup repository. Backend is the one small
// interface every storage implements (local/ and s3/, one folder per
// backend); the repository code above it never touches files or URLs itself.
// Layout and paths are specified in docs/repository-format.md ("Layout").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pb::repo {

// Repository-relative paths. The only valid paths are
//   config
//   keys/<name>  index/<name>  snapshots/<name>  locks/<name>  wal/<name>
//   data/<xx>/<name>   where xx = two lowercase hex digits = name's first two characters
// and a <name> is 1 to kMaxNameLength characters from [0-9A-Za-z_-] (in
// practice the lowercase hex SHA-256 of the file). No '/', '.', NUL or
// control character can appear in a name, so absolute paths, "..", empty
// segments and temporary names of interrupted writes are all invalid.
inline constexpr size_t kMaxNameLength = 128;

// The folders of the layout that List accepts.
inline constexpr std::string_view kFolders[] = {"keys", "index", "snapshots", "locks", "data", "wal"};

// Folders added after version 1 repositories were first written: a
// repository without one is valid, the folder reads as empty and a backend
// creates it on the first Write into it.
inline constexpr std::string_view kOptionalFolders[] = {"wal"};
bool IsOptionalFolder(std::string_view folder);

// Ok if `path` is one of the paths above, else InvalidArgument naming it.
// Every Backend operation calls this before touching storage.
Status ValidatePath(std::string_view path);

// Ok if `name` is a valid <name> (see above), else InvalidArgument.
Status ValidateName(std::string_view name);

// The path of the file `name` in `folder`: "keys/<name>", or for "data"
// "data/<first two characters of name>/<name>". REQUIRES: folder is one of
// kFolders; the result is only valid if ValidatePath accepts it.
std::string PathOf(std::string_view folder, std::string_view name);

// Storage of one repository. Files are written once, whole, and never
// modified; only Remove (prune) deletes. Implementations are thread-safe:
// any number of calls may run concurrently on one Backend and several
// processes may use the same repository.
//
// Errors shared by every operation: InvalidArgument for an invalid path (see
// above; nothing is touched), NotFound for a missing file, IOError with the
// full location, the system's reason and what the operator should check.
class Backend {
 public:
  Backend() = default;
  virtual ~Backend() = default;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  // The names (not paths) of the files in `folder`, one of kFolders, sorted.
  // For "data" the names of the packs of all 256 subfolders; PathOf("data",
  // name) gives the path back. Leftovers of interrupted writes are never
  // listed. Errors: InvalidArgument for another folder; Corruption naming the
  // entry when the folder holds something that no Write could have put there
  // (a subfolder, a pack in the wrong data/<xx>, a foreign file): the operator
  // should move it out of the repository.
  virtual Result<std::vector<std::string>> List(std::string_view folder) = 0;

  // The whole content of the file.
  virtual Result<std::string> Read(std::string_view path) = 0;

  // Exactly `length` bytes of the file starting at `offset`. A range that
  // does not lie entirely within the file is Corruption naming the path and
  // its size (the index or the file is damaged); a short read is never
  // returned. length 0 with offset <= size gives "".
  virtual Result<std::string> ReadRange(std::string_view path, uint64_t offset, size_t length) = 0;
  // ReadRange into out[0, length) (storage of the caller's, e.g. a reused
  // buffer, so the bytes are not copied again). Same errors; on an error
  // out's content is unspecified. The default copies ReadRange's result.
  virtual Status ReadRangeInto(std::string_view path, uint64_t offset, size_t length, char* out);

  // The file's size in bytes.
  virtual Result<uint64_t> Size(std::string_view path) = 0;

  // Stores `bytes` under `path`. The file appears under `path` only complete
  // (never partially, even after a crash) and is durable when Write returns
  // Ok. Write-once: if `path` already holds exactly `bytes`, Write returns Ok
  // without rewriting it (retries and concurrent writers of the same
  // content-addressed file are harmless); if it holds other bytes, Conflict
  // and the existing file is kept. Write does not check that the name is the
  // SHA-256 of the bytes: that is the repository's job.
  virtual Status Write(std::string_view path, std::string_view bytes) = 0;

  // Deletes the file, durably. NotFound if it does not exist.
  virtual Status Remove(std::string_view path) = 0;

  // Deletes what interrupted writes left behind (invisible to List and Read)
  // and returns how many were removed.
  // REQUIRES: no Write is in progress on this repository, in any process
  // (hold the exclusive lock), or its data would be deleted under it.
  virtual Result<size_t> RemoveTemporaryFiles() = 0;

  // Where the repository is, for messages ("local directory /srv/backup").
  virtual std::string Describe() const = 0;

  // How many reads a caller such as restore should keep in flight: 0 where
  // one per CPU is right (a local disk, where decoding is the bottleneck),
  // more where each request waits on the network.
  virtual int PreferredReaders() const { return 0; }
};

}  // namespace pb::repo
