// LocalBackend's directory handling: creating and opening the repository
// directory, listing a folder, removing a file and the temporaries of
// interrupted writes (the object I/O is in local_backend_io.cc).
#include "repo/local/local_backend.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/file_util.h"
#include "repo/local/local_files.h"

namespace pb::repo {

using local::Entry;
using local::EntryType;
using local::Explain;
using local::Fail;
using local::IsTemporary;
using local::IsTwoHex;
using local::ReadDir;
using local::Unexpected;
using local::kFolderMode;

Result<std::unique_ptr<LocalBackend>> LocalBackend::Create(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return Status::Conflict(dir + " exists and is not a directory: choose another place");
    auto entries = ReadDir(dir, dir);
    if (!entries.ok()) return entries.status();
    if (!entries->empty()) {
      return Status::Conflict(dir + " exists and is not empty: refusing to create a repository there "
                              "(choose a new or empty directory)");
    }
  } else if (errno == ENOENT) {
    PB_RETURN_IF_ERROR(Explain(dir, MakeDirs(dir)));
  } else {
    return Fail(dir, "stat", dir, errno);
  }
  for (std::string_view folder : kFolders) {
    std::string full = dir + "/" + std::string(folder);
    if (::mkdir(full.c_str(), kFolderMode) != 0) return Fail(dir, "create folder", full, errno);
  }
  PB_RETURN_IF_ERROR(Explain(dir, FsyncDir(dir)));
  PB_RETURN_IF_ERROR(Explain(dir, FsyncDir(DirName(dir))));
  return Open(dir);
}

Result<std::unique_ptr<LocalBackend>> LocalBackend::Open(const std::string& dir_arg) {
  std::string dir = dir_arg;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return Status::NotFound("repository directory " + dir + " does not exist (paymentsctl init creates one)");
    }
    return Fail(dir, "stat", dir, errno);
  }
  if (!S_ISDIR(st.st_mode)) return Status::InvalidArgument(dir + " is not a directory, so not a backup repository");
  std::string missing;
  size_t present = 0;
  for (std::string_view folder : kFolders) {
    std::string full = dir + "/" + std::string(folder);
    int rc = ::stat(full.c_str(), &st);
    if (rc == 0 && S_ISDIR(st.st_mode)) {
      ++present;
    } else if (rc != 0 && errno == ENOENT && IsOptionalFolder(folder)) {
      continue;
    } else if (rc == 0 || errno == ENOENT) {
      missing += missing.empty() ? "" : ", ";
      missing += folder;
    } else {
      return Fail(dir, "stat", full, errno);
    }
  }
  if (present == 0) {
    return Status::InvalidArgument(dir + " is not a backup repository (it has no keys, data, index, snapshots "
                                   "or locks folder)");
  }
  if (!missing.empty()) {
    return Status::Corruption("repository " + dir + " lacks the folder(s) " + missing +
                              ": it is damaged; run paymentsctl check");
  }
  return std::unique_ptr<LocalBackend>(new LocalBackend(dir));
}

std::string LocalBackend::Describe() const { return "local directory " + dir_; }

Result<std::vector<std::string>> LocalBackend::List(std::string_view folder) {
  if (std::find(std::begin(kFolders), std::end(kFolders), folder) == std::end(kFolders)) {
    return Status::InvalidArgument("cannot list \"" + std::string(folder) +
                                   "\": not a folder of the repository layout");
  }
  std::vector<std::string> names;
  std::vector<std::string> rels;  // folders (relative to dir_) that hold files
  if (folder == "data") {
    auto subs = ReadDir(dir_, Full("data"));
    if (!subs.ok()) return subs.status();
    for (const Entry& e : *subs) {
      if (e.type != EntryType::kFolder || !IsTwoHex(e.name)) {
        return Unexpected(dir_, Full("data/" + e.name), "entry");
      }
      rels.push_back("data/" + e.name);
    }
  } else if (IsOptionalFolder(folder) && !FileExists(Full(folder))) {
    return names;
  } else {
    rels.emplace_back(folder);
  }
  for (const std::string& rel : rels) {
    auto entries = ReadDir(dir_, Full(rel));
    if (!entries.ok()) return entries.status();
    for (Entry& e : *entries) {
      if (IsTemporary(e.name)) continue;
      if (e.type != EntryType::kFile) return Unexpected(dir_, Full(rel + "/" + e.name), "non-file");
      if (!ValidatePath(rel + "/" + e.name).ok()) return Unexpected(dir_, Full(rel + "/" + e.name), "file");
      names.push_back(std::move(e.name));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

Status LocalBackend::Remove(std::string_view path) {
  PB_RETURN_IF_ERROR(ValidatePath(path));
  const std::string full = Full(path);
  if (::unlink(full.c_str()) != 0) {
    if (errno == ENOENT) return Status::NotFound(full + " does not exist");
    return Fail(dir_, "remove", full, errno);
  }
  return Explain(dir_, FsyncDir(DirName(full)));
}

Result<size_t> LocalBackend::RemoveTemporaryFiles() {
  std::vector<std::string> rels = {""};  // "" = the top level (config's temporaries)
  for (std::string_view folder : kFolders) {
    if (!IsOptionalFolder(folder) || FileExists(Full(folder))) rels.emplace_back(folder);
  }
  auto subs = ReadDir(dir_, Full("data"));
  if (!subs.ok()) return subs.status();
  for (const Entry& e : *subs) {
    if (e.type == EntryType::kFolder && IsTwoHex(e.name)) rels.push_back("data/" + e.name);
  }
  size_t removed = 0;
  for (const std::string& rel : rels) {
    const std::string folder = rel.empty() ? dir_ : Full(rel);
    auto entries = ReadDir(dir_, folder);
    if (!entries.ok()) return entries.status();
    for (const Entry& e : *entries) {
      if (e.type != EntryType::kFile || !IsTemporary(e.name)) continue;
      if (rel.empty() && !e.name.starts_with("config.")) continue;
      const std::string full = folder + "/" + e.name;
      if (::unlink(full.c_str()) != 0 && errno != ENOENT) return Fail(dir_, "remove", full, errno);
      ++removed;
    }
  }
  return removed;
}

}  // namespace pb::repo
