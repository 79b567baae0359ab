#include "backup/entry_meta.h"

namespace pb::backup {
namespace {

int64_t Nanos(const struct timespec& ts) { return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec; }

}  // namespace

void SetEntryMeta(const struct stat& st, repo::Node* node) {
  node->mode = st.st_mode & 07777;
  node->mtime_ns = Nanos(st.st_mtim);
  node->owner = repo::Owner{st.st_uid, st.st_gid};
}

void SetFileMeta(const struct stat& st, repo::Node* node) {
  SetEntryMeta(st, node);
  node->ctime_ns = Nanos(st.st_ctim);
  node->inode = st.st_ino;
}

std::string ParentOf(const std::string& rel) {
  size_t slash = rel.rfind('/');
  return slash == std::string::npos ? std::string() : rel.substr(0, slash);
}

std::string BaseName(const std::string& rel) { return rel.substr(rel.rfind('/') + 1); }

}  // namespace pb::backup
