// repo/local/: the repository in a local (or mounted) directory, with the
// layout of docs/repository-format.md mapped one to one onto files.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/file_util.h"
#include "repo/backend.h"

namespace pb::repo {

// Backend on a directory. Only regular files are read: a FIFO, a device or
// a symlink where a repository file should be is reported as Corruption and
// never opened for reading (see OpenRegular). A write goes to a temporary file beside its final
// name ("<name>.tmp-<pid>-<n>"), is fsynced, then renamed to the final name
// without replacing an existing file, and the folder is fsynced. A crash
// leaves at most a temporary file, which List and Read never see and
// RemoveTemporaryFiles deletes. data/<xx> folders are created on first use.
class LocalBackend final : public Backend {
 public:
  // Creates a repository directory `dir` (and its parents) with the folders
  // keys, data, index, snapshots, locks, wal, durably, and opens it.
  // Errors: Conflict if `dir` exists and is not an empty directory (an
  // existing repository is never touched); IOError otherwise.
  static Result<std::unique_ptr<LocalBackend>> Create(const std::string& dir);

  // Opens the repository directory `dir`.
  // Errors: NotFound if `dir` does not exist; InvalidArgument if it is not a
  // directory or holds none of the layout's folders (not a repository);
  // Corruption if only some of them are missing (an optional folder, see
  // kOptionalFolders, may be: it reads as empty); IOError otherwise.
  static Result<std::unique_ptr<LocalBackend>> Open(const std::string& dir);

  Result<std::vector<std::string>> List(std::string_view folder) override;
  Result<std::string> Read(std::string_view path) override;
  Result<std::string> ReadRange(std::string_view path, uint64_t offset, size_t length) override;
  Status ReadRangeInto(std::string_view path, uint64_t offset, size_t length, char* out) override;
  Result<uint64_t> Size(std::string_view path) override;
  Status Write(std::string_view path, std::string_view bytes) override;
  Status Remove(std::string_view path) override;
  Result<size_t> RemoveTemporaryFiles() override;
  std::string Describe() const override;

  const std::string& dir() const { return dir_; }

 private:
  explicit LocalBackend(std::string dir) : dir_(std::move(dir)) {}
  std::string Full(std::string_view path) const { return dir_ + "/" + std::string(path); }
  // Opens the regular file `full` for reading and sets *size; the one way
  // this backend opens a repository file. NotFound when it is missing;
  // Corruption naming it, without opening it or blocking, when it is
  // anything else than a regular file (a FIFO, a device, a symlink).
  Result<int> OpenRegular(const std::string& full, uint64_t* size) const;
  // Exactly `length` bytes at `offset` of the open file `fd` of `size`
  // bytes; Corruption when the range ends past the end.
  Result<std::string> ReadOpen(int fd, const std::string& full, uint64_t size, uint64_t offset, size_t length) const;
  // ReadOpen into out[0, length).
  Status ReadOpenInto(int fd, const std::string& full, uint64_t size, uint64_t offset, size_t length,
                      char* out) const;
  // A repository file opened for reading by path (validated, OpenRegular).
  struct OpenFile {
    ScopedFd fd;
    std::string full;
    uint64_t size = 0;
  };
  Result<OpenFile> OpenForRead(std::string_view path) const;
  // Read (no length: the whole file) and ReadRange.
  Result<std::string> ReadPart(std::string_view path, uint64_t offset, std::optional<size_t> length);
  // Ok(true) if the file at `full` holds exactly `bytes`.
  Result<bool> SameContent(const std::string& full, std::string_view bytes) const;
  // Ok if the existing file holds `bytes` (then makes its name durable), else Conflict.
  Status AcceptExisting(std::string_view path, std::string_view bytes);

  std::string dir_;
};

}  // namespace pb::repo
