// backup/: the data directory's regular files as this backup saves them,
// by data-directory-relative path, each saved through the file saver
// against the parent's file at the same path.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "backup/file_saver.h"
#include "backup/parent_files.h"

namespace pb::backup {

// How the files of a backup were saved. unchanged + appended + read_whole
// is the number of files.
struct FileCounts {
  uint64_t unchanged = 0;
  uint64_t appended = 0;
  uint64_t read_whole = 0;
};

class FileSet {
 public:
  // `saver` and `parent` must outlive the set.
  FileSet(const std::string& data_dir, FileSaver* saver, const ParentFiles* parent)
      : data_dir_(data_dir), saver_(saver), parent_(parent) {}

  // Saves (or saves again, replacing what it held) the file `rel`. When it
  // vanished since the walk: NotFound if `required`, else a warning and it
  // leaves the set. See FileSaver::Save for `kind`, `hash` and the errors.
  Status Save(const std::string& rel, ReadKind kind, Sha256* hash, bool required);
  // Saves `text`, just read from the file `rel`, as its content (its
  // metadata from lstat). IOError when it cannot be stat'ed.
  Status SaveText(const std::string& rel, const std::string& text);
  // FileSaver::Drain.
  Status Drain() { return saver_->Drain(); }

  bool Has(const std::string& rel) const { return files_.count(rel) > 0; }
  // The file `rel`, or null. REQUIRES: drained, for its content.
  const FileState* Find(const std::string& rel) const;
  const std::map<std::string, FileState>& files() const { return files_; }
  // REQUIRES: nothing is being saved.
  FileCounts Counts() const;

 private:
  std::string Abs(const std::string& rel) const { return data_dir_ + "/" + rel; }

  const std::string& data_dir_;
  FileSaver* saver_;
  const ParentFiles* parent_;
  std::map<std::string, FileState> files_;
};

}  // namespace pb::backup
