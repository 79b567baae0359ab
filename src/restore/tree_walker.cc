#include "restore/tree_walker.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "backup/selection.h"
#include "common/file_util.h"

namespace pb::restore {

using repo::ContentEntry;
using repo::Node;
using repo::NodeType;

namespace {

// Each deferred file stays open until QueueDeferred: past this many, files
// are queued as they are walked (the ledger steps then also wait for them).
constexpr size_t kMaxDeferredFiles = 64;

}  // namespace

Status TreeWalker::StartFile(const Node& node, const std::string& rel) {
  const bool defer =
      deferred_.size() < kMaxDeferredFiles && !backup::Selected(rel, backup::BackupMode::kEssential);
  PB_ASSIGN_OR_RETURN(std::shared_ptr<RestoredFile> file,
                      RestoredFile::Create(files_, rel, node, policy_->For(node.owner),
                                           defer ? nullptr : &ledger_files_));
  ++files_created_;
  if (defer) {
    deferred_.push_back(Deferred{std::move(file), node.content});
  } else {
    QueueBlobs(file, node.content, TickPerBlob::kNo);
  }
  return Status::Ok();
}

void TreeWalker::QueueBlobs(const std::shared_ptr<RestoredFile>& file, const std::vector<ContentEntry>& content,
                            TickPerBlob tick) {
  uint64_t offset = 0;
  for (const ContentEntry& e : content) {
    if (!e.hole) {
      fetcher_->Add(BlobJob{file, e.blob, offset, e.length});
      if (tick == TickPerBlob::kYes && tick_) tick_();
    }
    offset += e.length;
  }
  file->AllPlaced();
}

void TreeWalker::QueueDeferred() {
  for (const Deferred& d : deferred_) QueueBlobs(d.file, d.content, TickPerBlob::kYes);
  deferred_.clear();
}

Status TreeWalker::Walk(const Digest& id, const std::string& rel) {
  PB_ASSIGN_OR_RETURN(repo::Tree tree, repo_->LoadTree(id));
  const int root_fd = files_->root_fd;
  for (const Node& node : tree.nodes) {
    std::string child = rel.empty() ? node.name : rel + "/" + node.name;
    listed_.insert(child);
    switch (node.type) {
      case NodeType::kDir:
        if (::mkdirat(root_fd, child.c_str(), 0700) != 0) {
          return Status::FromErrno("create " + files_->Path(child), errno);
        }
        dirs_.push_back(DirMeta{child, node.mode, node.mtime_ns, policy_->For(node.owner)});
        PB_RETURN_IF_ERROR(Walk(node.tree, child));
        break;
      case NodeType::kSymlink:
        if (::symlinkat(node.target.c_str(), root_fd, child.c_str()) != 0) {
          return Status::FromErrno("create symlink " + files_->Path(child), errno);
        }
        PB_RETURN_IF_ERROR(
            SetSymlinkMeta(root_fd, child, policy_->For(node.owner), node.mtime_ns, files_->Path(child)));
        break;
      case NodeType::kFile:
        PB_RETURN_IF_ERROR(StartFile(node, child));
        break;
    }
    if (tick_) tick_();
  }
  return Status::Ok();
}

Status TreeWalker::ApplyDirMetadata() {
  // Deepest first, so setting a child's time does not change its parent's.
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    const std::string path = files_->Path(it->rel);
    ScopedFd fd(::openat(files_->root_fd, it->rel.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) return Status::FromErrno("open " + path, errno);
    if (::fsync(fd.get()) != 0) return Status::FromErrno("fsync " + path, errno);
    PB_RETURN_IF_ERROR(SetEntryMeta(fd.get(), it->owner, it->mode, it->mtime_ns, path));
  }
  return FsyncDir(files_->root);
}

}  // namespace pb::restore
