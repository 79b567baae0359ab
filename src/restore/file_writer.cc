#include "restore/file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "restore/fs_ops.h"
#include "restore/ownership.h"

namespace pb::restore {
namespace {

constexpr size_t kMaxReportedFiles = 20;

}  // namespace

void WriteOutcome::Damaged(const std::string& rel, const Status& why) {
  std::lock_guard<std::mutex> lock(mu_);
  damaged_.push_back(rel + ": " + why.message());
}

void WriteOutcome::Failed(const Status& error) {
  std::lock_guard<std::mutex> lock(mu_);
  if (first_error_.ok()) first_error_ = error;
}

Status WriteOutcome::Verdict(const Status& walked) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!damaged_.empty()) {
    std::vector<std::string> damaged = damaged_;
    std::sort(damaged.begin(), damaged.end());
    std::string list;
    for (size_t i = 0; i < damaged.size() && i < kMaxReportedFiles; ++i) list += "\n  " + damaged[i];
    if (damaged.size() > kMaxReportedFiles) {
      list += "\n  ... and " + std::to_string(damaged.size() - kMaxReportedFiles) + " more";
    }
    return Status::Corruption(std::to_string(damaged.size()) +
                              " file(s) of the snapshot cannot be restored from damaged or missing repository data "
                              "(nothing was written to the target; run `paymentsctl check --read-data`):" + list);
  }
  return walked.ok() ? first_error_ : walked;
}

void FileGroup::Add() {
  std::lock_guard<std::mutex> lock(mu_);
  ++open_;
}

void FileGroup::Finished() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
  }
  cv_.notify_all();
}

void FileGroup::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return open_ == 0; });
}

Result<std::shared_ptr<RestoredFile>> RestoredFile::Create(WriteContext* ctx, const std::string& rel,
                                                           const repo::Node& node, std::optional<repo::Owner> owner,
                                                           FileGroup* group) {
  ScopedFd fd(::openat(ctx->root_fd, rel.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0) return Status::FromErrno("create " + ctx->Path(rel), errno);
  if (::ftruncate(fd.get(), static_cast<off_t>(node.size)) != 0) {
    return Status::FromErrno("size " + ctx->Path(rel), errno);
  }
  std::shared_ptr<RestoredFile> file(new RestoredFile(ctx, rel, std::move(fd)));
  file->mode_ = node.mode;
  file->mtime_ns_ = node.mtime_ns;
  file->owner_ = owner;
  file->group_ = group;
  if (group) group->Add();
  size_t blobs = 0;
  ctx->bytes_done += node.size;  // holes count as done; blobs are subtracted until written
  for (const repo::ContentEntry& e : node.content) {
    if (e.hole) continue;
    ++blobs;
    ctx->bytes_done -= e.length;
  }
  file->pending_ = blobs + 1;  // +1 until AllPlaced
  return file;
}

void RestoredFile::Place(uint64_t offset, Result<repo::PooledBuffer> data) {
  if (data.ok()) {
    Write(offset, std::move(data).value());
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.ok()) error_ = data.status();
  }
  Done();
}

void RestoredFile::Write(uint64_t offset, repo::PooledBuffer data) {
  std::unique_lock<std::mutex> lock(mu_);
  writes_cv_.wait(lock, [this] { return writes_.size() < kMaxQueuedWrites; });
  writes_.push_back(PendingWrite{offset, std::move(data)});
  if (writing_) return;
  writing_ = true;
  for (;;) {
    PendingWrite w = std::move(writes_.front());
    writes_.pop_front();
    lock.unlock();
    writes_cv_.notify_all();
    Status st = WriteSparse(fd_.get(), w.offset, w.data.view(), ctx_->Path(rel_));
    StartWriteback(fd_.get(), w.offset, w.data.size());
    if (!st.ok()) ctx_->outcome.Failed(st);
    ctx_->bytes_done += w.data.size();
    lock.lock();
    const bool more = !writes_.empty();
    if (!more) writing_ = false;
    lock.unlock();
    // While blobs are queued, pending_ counts them, so this Done cannot finish the file.
    Done();
    if (!more) return;
    lock.lock();
  }
}

void RestoredFile::Done() {
  if (--pending_ == 0) Finish();
}

void RestoredFile::Finish() {
  Status error;
  {
    std::lock_guard<std::mutex> lock(mu_);
    error = error_;
  }
  if (!error.ok()) {
    ctx_->outcome.Damaged(rel_, error);
  } else {
    const std::string path = ctx_->Path(rel_);
    Status st = ::fsync(fd_.get()) == 0 ? SetEntryMeta(fd_.get(), owner_, mode_, mtime_ns_, path)
                                        : Status::FromErrno("fsync " + path, errno);
    if (!st.ok()) ctx_->outcome.Failed(st);
  }
  fd_ = ScopedFd(-1);
  if (group_) group_->Finished();
}

}  // namespace pb::restore
