#include "backup/walker.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "backup/entry_meta.h"
#include "common/log.h"

namespace pb::backup {
namespace {

class Walker {
 public:
  Walker(const std::string& data_dir, BackupMode mode, DataDirListing* out)
      : data_dir_(data_dir), mode_(mode), out_(out) {}

  // Walks the directory `rel` ("" is the data directory) and below.
  Status Walk(const std::string& rel);

 private:
  std::string Abs(const std::string& rel) const { return rel.empty() ? data_dir_ : data_dir_ + "/" + rel; }
  Result<std::vector<std::string>> SortedNames(const std::string& abs) const;
  Result<repo::Node> Symlink(const std::string& rel, const struct stat& st) const;

  const std::string& data_dir_;
  const BackupMode mode_;
  DataDirListing* out_;
};

Result<std::vector<std::string>> Walker::SortedNames(const std::string& abs) const {
  DIR* dir = ::opendir(abs.c_str());
  if (!dir) return Status::FromErrno("open directory " + abs, errno);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  int read_errno = errno;
  ::closedir(dir);
  if (read_errno != 0) return Status::FromErrno("list directory " + abs, read_errno);
  std::sort(names.begin(), names.end());
  return names;
}

Result<repo::Node> Walker::Symlink(const std::string& rel, const struct stat& st) const {
  std::string target(4096, '\0');
  ssize_t n = ::readlink(Abs(rel).c_str(), target.data(), target.size());
  if (n <= 0) return Status::FromErrno("read symlink " + Abs(rel), errno);
  target.resize(static_cast<size_t>(n));
  repo::Node node;
  node.name = BaseName(rel);
  node.type = repo::NodeType::kSymlink;
  SetEntryMeta(st, &node);
  node.target = target;
  return node;
}

Status Walker::Walk(const std::string& rel) {
  PB_ASSIGN_OR_RETURN(const std::vector<std::string> names, SortedNames(Abs(rel)));
  for (const std::string& name : names) {
    std::string child = rel.empty() ? name : rel + "/" + name;
    if (!Selected(child, mode_)) continue;
    struct stat st;
    if (::lstat(Abs(child).c_str(), &st) != 0) {
      if (errno == ENOENT) continue;  // removed meanwhile
      return Status::FromErrno("stat " + Abs(child), errno);
    }
    if (S_ISDIR(st.st_mode)) {
      out_->dirs[child] = st;
      PB_RETURN_IF_ERROR(Walk(child));
    } else if (S_ISREG(st.st_mode)) {
      out_->files.push_back(child);
      out_->file_bytes += static_cast<uint64_t>(st.st_size);
    } else if (S_ISLNK(st.st_mode)) {
      PB_ASSIGN_OR_RETURN(out_->symlinks[child], Symlink(child, st));
    } else {
      spdlog::warn("skipping {}: not a regular file, directory or symlink", Abs(child));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<struct stat> StatDataDir(const std::string& data_dir) {
  struct stat root;
  if (::stat(data_dir.c_str(), &root) != 0) {
    if (errno == ENOENT) return Status::NotFound("data directory " + data_dir + " does not exist");
    return Status::FromErrno("stat " + data_dir, errno);
  }
  if (!S_ISDIR(root.st_mode)) return Status::InvalidArgument(data_dir + " is not a directory");
  return root;
}

Result<DataDirListing> WalkDataDir(const std::string& data_dir, const struct stat& root, BackupMode mode) {
  DataDirListing listing;
  listing.dirs[""] = root;
  PB_RETURN_IF_ERROR(Walker(data_dir, mode, &listing).Walk(""));
  return listing;
}

bool Walked(const DataDirListing& listing, const std::string& rel) {
  return std::find(listing.files.begin(), listing.files.end(), rel) != listing.files.end();
}

}  // namespace pb::backup
