#include "backup/file_set.h"

#include <sys/stat.h>

#include <cerrno>

#include "backup/entry_meta.h"
#include "common/log.h"

namespace pb::backup {

Status FileSet::Save(const std::string& rel, ReadKind kind, Sha256* hash, bool required) {
  Status st = saver_->Save(Abs(rel), parent_->Find(rel), kind, hash, &files_[rel]);
  if (st.kind() == Status::Kind::kNotFound && !required) {
    spdlog::warn("{}", st.message());
    files_.erase(rel);
    return Status::Ok();
  }
  return st;
}

Status FileSet::SaveText(const std::string& rel, const std::string& text) {
  const std::string abs = Abs(rel);
  struct stat st;
  if (::lstat(abs.c_str(), &st) != 0) return Status::FromErrno("stat " + abs, errno);
  return saver_->SaveText(BaseName(rel), st, text, &files_[rel]);
}

const FileState* FileSet::Find(const std::string& rel) const {
  auto it = files_.find(rel);
  return it == files_.end() ? nullptr : &it->second;
}

FileCounts FileSet::Counts() const {
  FileCounts counts;
  for (const auto& [rel, fs] : files_) {
    switch (fs.saved_as) {
      case SavedAs::kUnchanged:
        ++counts.unchanged;
        break;
      case SavedAs::kAppended:
        ++counts.appended;
        break;
      case SavedAs::kReadWhole:
        ++counts.read_whole;
        break;
    }
  }
  return counts;
}

}  // namespace pb::backup
