#include "restore/restorer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <filesystem>
#include <thread>
#include <unordered_set>

#include "common/file_util.h"
#include "common/log.h"
#include "common/sha256.h"
#include "ledger/data_dir_lock.h"
#include "ledger/data_dir_probe.h"
#include "ledger/datadir.h"
#include "ledger/point_in_time.h"
#include "ledger/verify.h"
#include "restore/at_time.h"
#include "restore/fs_ops.h"
#include "restore/ownership.h"
#include "restore/placement.h"

namespace pb::restore {
namespace {

using repo::ContentEntry;
using repo::Node;
using repo::NodeType;

constexpr size_t kMaxQueuedJobs = 64;
// A worker takes queued blobs that follow each other in one pack as a run,
// read with one request (Repository::ReadBlobRun): at most this many blobs,
// this many stored bytes, and this many unneeded bytes between two of them.
constexpr size_t kMaxRunBlobs = 16;
constexpr uint64_t kMaxRunBytes = uint64_t{8} << 20;
constexpr uint64_t kMaxRunGap = uint64_t{256} << 10;
// Decoded blobs waiting for their file's writer; a worker that would exceed
// this waits (writing is then the bottleneck), which bounds memory.
constexpr size_t kMaxQueuedWrites = 4;
constexpr size_t kMaxReportedFiles = 20;

struct PendingWrite {
  uint64_t offset = 0;
  std::string data;
};

// A file being written: closed, with its mode and time set, after its last
// blob. One worker at a time writes it (the writer); the others queue their
// decoded blobs and go back to decoding, rather than spin on the inode lock.
struct OpenFile {
  std::string rel;
  int fd = -1;
  uint32_t mode = 0;
  int64_t mtime_ns = 0;
  std::optional<repo::Owner> owner;  // OwnerPolicy::For
  std::atomic<size_t> pending{0};  // blobs not yet written or failed, +1 while queuing
  std::mutex mu;
  std::condition_variable writes_cv;
  std::deque<PendingWrite> writes;  // guarded by mu
  bool writing = false;             // guarded by mu: a worker is draining `writes`
  std::string error;                // guarded by mu: first error for this file
};

struct BlobJob {
  std::shared_ptr<OpenFile> file;
  Digest id{};
  uint64_t offset = 0;
  uint64_t length = 0;  // the tree's content length: the blob must hold exactly this
};

struct DirMeta {
  std::string rel;
  uint32_t mode;
  int64_t mtime_ns;
  std::optional<repo::Owner> owner;
};

class Restorer {
 public:
  Restorer(repo::Repository* repo, const RestoreOptions& options, const RestoreProgressFn& progress)
      : repo_(repo), options_(options), progress_fn_(progress) {}

  Result<RestoreResult> Run(const repo::SnapshotRef& named);

 private:
  // Restores `snapshot` into temp_ and runs the ledger steps; the caller
  // puts it in place.
  Status Stage(const AtTimeSource& source, RestoreResult* result);
  Status RestoreTree(const Digest& id, const std::string& rel);
  Status StartFile(const Node& node, const std::string& rel);
  void FinishFile(OpenFile* f);
  void Done(OpenFile* f);
  void Write(OpenFile* f, uint64_t offset, std::string data);
  // REQUIRES: mu_ held, jobs_ not empty. Moves the front job, and the jobs
  // after it that continue its run in the same pack, into *run.
  void TakeRun(std::vector<BlobJob>* run);
  void Place(const BlobJob& job, Result<std::string> data);
  void Work();
  void Fail(OpenFile* f, const std::string& message);
  std::string Temp(const std::string& rel) const { return rel.empty() ? temp_ : temp_ + "/" + rel; }
  Status ApplyDirMetadata();
  // Gives `dir` (the staged root, or the target once the staged entries are
  // in it) the snapshot's root metadata and owner.
  Status FinishRoot(const std::string& dir, const std::optional<repo::RootEntry>& root);
  Status WriteEnv(const Node& env);
  // Takes the target's DataDirLock (held until the restore ends) when the
  // target holds anything: no service may run on what a --force restore
  // moves aside, nor start on it meanwhile. Called when the target is first
  // judged and again before it is replaced (a service may have started on a
  // target that was missing or empty); an empty target is replaced by a
  // rename that fails if anything appears in it.
  Status LockTarget();

  repo::Repository* repo_;
  const RestoreOptions& options_;
  const RestoreProgressFn& progress_fn_;
  std::string temp_;
  int root_fd_ = -1;
  std::vector<DirMeta> dirs_;
  std::optional<OwnerPolicy> policy_;
  std::optional<repo::Owner> root_owner_;   // policy_->For(the root's recorded owner)
  std::unordered_set<std::string> listed_;  // every path the snapshot's trees list
  std::unique_ptr<ledger::DataDirLock> target_lock_;
  std::string root_note_;                   // FinishRoot could not give the root its metadata

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<BlobJob> jobs_;
  bool closing_ = false;
  std::vector<std::string> damaged_;  // "<file>: <reason>"
  Status io_error_;
  std::atomic<uint64_t> bytes_done_{0};
  uint64_t bytes_total_ = 0;
  uint64_t files_ = 0;
};

void Restorer::Fail(OpenFile* f, const std::string& message) {
  std::lock_guard<std::mutex> lock(f->mu);
  if (f->error.empty()) f->error = message;
}

void Restorer::FinishFile(OpenFile* f) {
  std::string error;
  {
    std::lock_guard<std::mutex> lock(f->mu);
    error = f->error;
  }
  if (error.empty()) {
    Status st = ::fsync(f->fd) == 0 ? SetEntryMeta(f->fd, f->owner, f->mode, f->mtime_ns, Temp(f->rel))
                                    : Status::FromErrno("fsync " + Temp(f->rel), errno);
    if (!st.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      if (io_error_.ok()) io_error_ = st;
    }
  }
  ::close(f->fd);
  if (!error.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    damaged_.push_back(f->rel + ": " + error);
  }
}

void Restorer::Done(OpenFile* f) {
  if (--f->pending == 0) FinishFile(f);
}

// Queues the blob for f's writer; becomes the writer when there is none and
// writes until the queue is empty. Each written blob counts as Done.
void Restorer::Write(OpenFile* f, uint64_t offset, std::string data) {
  std::unique_lock<std::mutex> lock(f->mu);
  f->writes_cv.wait(lock, [f] { return f->writes.size() < kMaxQueuedWrites; });
  f->writes.push_back(PendingWrite{offset, std::move(data)});
  if (f->writing) return;
  f->writing = true;
  for (;;) {
    PendingWrite w = std::move(f->writes.front());
    f->writes.pop_front();
    lock.unlock();
    f->writes_cv.notify_all();
    Status st = WriteSparse(f->fd, w.offset, w.data, Temp(f->rel));
    StartWriteback(f->fd, w.offset, w.data.size());
    if (!st.ok()) {
      std::lock_guard<std::mutex> io_lock(mu_);
      if (io_error_.ok()) io_error_ = st;
    }
    bytes_done_ += w.data.size();
    lock.lock();
    const bool more = !f->writes.empty();
    if (!more) f->writing = false;
    lock.unlock();
    // While blobs are queued, pending counts them, so this Done cannot finish the file.
    Done(f);
    if (!more) return;
    lock.lock();
  }
}

void Restorer::TakeRun(std::vector<BlobJob>* run) {
  run->push_back(std::move(jobs_.front()));
  jobs_.pop_front();
  const repo::BlobLocation* first = repo_->index().Find(run->front().id);
  if (!first) return;
  uint64_t end = first->offset + first->length;
  while (run->size() < kMaxRunBlobs && !jobs_.empty()) {
    const repo::BlobLocation* next = repo_->index().Find(jobs_.front().id);
    if (!next || next->pack != first->pack || next->offset < end || next->offset > end + kMaxRunGap ||
        next->offset + next->length - first->offset > kMaxRunBytes) {
      break;
    }
    end = next->offset + next->length;
    run->push_back(std::move(jobs_.front()));
    jobs_.pop_front();
  }
}

void Restorer::Place(const BlobJob& job, Result<std::string> data) {
  if (!data.ok()) {
    Fail(job.file.get(), data.status().message());
  } else if (data->size() != job.length) {
    // Writing it anyway would leave zeros or overwrite the next chunk.
    Fail(job.file.get(), "blob " + ToHex(job.id).substr(0, 16) + " holds " + std::to_string(data->size()) +
                             " bytes but the tree gives it " + std::to_string(job.length) +
                             " (a damaged or crafted snapshot)");
  } else {
    Write(job.file.get(), job.offset, std::move(data).value());
    return;
  }
  Done(job.file.get());
}

void Restorer::Work() {
  for (;;) {
    std::vector<BlobJob> run;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return closing_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      TakeRun(&run);
    }
    cv_.notify_all();
    std::vector<Digest> ids;
    ids.reserve(run.size());
    for (const BlobJob& job : run) ids.push_back(job.id);
    std::vector<Result<std::string>> blobs = repo_->ReadBlobRun(ids);
    for (size_t i = 0; i < run.size(); ++i) Place(run[i], std::move(blobs[i]));
  }
}

Status Restorer::StartFile(const Node& node, const std::string& rel) {
  int fd = ::openat(root_fd_, rel.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno("create " + Temp(rel), errno);
  auto file = std::make_shared<OpenFile>();
  file->rel = rel;
  file->fd = fd;
  file->mode = node.mode;
  file->mtime_ns = node.mtime_ns;
  file->owner = policy_->For(node.owner);
  ++files_;
  if (::ftruncate(fd, static_cast<off_t>(node.size)) != 0) {
    Status st = Status::FromErrno("size " + Temp(rel), errno);
    ::close(fd);
    return st;
  }
  size_t blobs = std::count_if(node.content.begin(), node.content.end(), [](const ContentEntry& e) { return !e.hole; });
  bytes_done_ += node.size;  // holes count as done; blobs are subtracted until written
  for (const ContentEntry& e : node.content) {
    if (!e.hole) bytes_done_ -= e.length;
  }
  file->pending = blobs + 1;  // +1 until every job is queued
  uint64_t offset = 0;
  for (const ContentEntry& e : node.content) {
    if (!e.hole) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return jobs_.size() < kMaxQueuedJobs; });
      jobs_.push_back(BlobJob{file, e.blob, offset, e.length});
      lock.unlock();
      cv_.notify_all();
    }
    offset += e.length;
  }
  Done(file.get());
  return Status::Ok();
}

Status Restorer::RestoreTree(const Digest& id, const std::string& rel) {
  auto tree = repo_->LoadTree(id);
  if (!tree.ok()) return tree.status();
  for (const Node& node : tree->nodes) {
    std::string child = rel.empty() ? node.name : rel + "/" + node.name;
    listed_.insert(child);
    switch (node.type) {
      case NodeType::kDir:
        if (::mkdirat(root_fd_, child.c_str(), 0700) != 0) return Status::FromErrno("create " + Temp(child), errno);
        dirs_.push_back(DirMeta{child, node.mode, node.mtime_ns, policy_->For(node.owner)});
        PB_RETURN_IF_ERROR(RestoreTree(node.tree, child));
        break;
      case NodeType::kSymlink: {
        if (::symlinkat(node.target.c_str(), root_fd_, child.c_str()) != 0) {
          return Status::FromErrno("create symlink " + Temp(child), errno);
        }
        PB_RETURN_IF_ERROR(SetSymlinkMeta(root_fd_, child, policy_->For(node.owner), node.mtime_ns, Temp(child)));
        break;
      }
      case NodeType::kFile:
        PB_RETURN_IF_ERROR(StartFile(node, child));
        break;
    }
    if (progress_fn_) progress_fn_(RestoreProgress{bytes_total_, bytes_done_});
  }
  return Status::Ok();
}

Status Restorer::ApplyDirMetadata() {
  // Deepest first, so setting a child's time does not change its parent's.
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    ScopedFd fd(::openat(root_fd_, it->rel.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) return Status::FromErrno("open " + Temp(it->rel), errno);
    if (::fsync(fd.get()) != 0) return Status::FromErrno("fsync " + Temp(it->rel), errno);
    PB_RETURN_IF_ERROR(SetEntryMeta(fd.get(), it->owner, it->mode, it->mtime_ns, Temp(it->rel)));
  }
  return FsyncDir(temp_);
}

Status Restorer::FinishRoot(const std::string& dir, const std::optional<repo::RootEntry>& root) {
  ScopedFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) return Status::FromErrno("open " + dir, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Status::FromErrno("stat " + dir, errno);
  if (::geteuid() != 0 && st.st_uid != ::geteuid()) {
    // A mount point's root owned by another user: only root may change it.
    root_note_ = dir + " itself keeps its mode and time: it belongs to uid " + std::to_string(st.st_uid) +
                 " and this restore does not run as root";
  } else if (root) {
    PB_RETURN_IF_ERROR(SetEntryMeta(fd.get(), root_owner_, root->mode, root->mtime_ns, dir));
  } else if (root_owner_ && ::fchown(fd.get(), root_owner_->uid, root_owner_->gid) != 0) {
    return Status::FromErrno("chown " + dir, errno);  // a snapshot from before the root was recorded, with --owner
  }
  if (::fsync(fd.get()) != 0) return Status::FromErrno("fsync " + dir, errno);
  return Status::Ok();
}

Status Restorer::WriteEnv(const Node& env) {
  if (FileExists(options_.env_to) && !options_.force) {
    return Status::InvalidArgument(options_.env_to + " exists; give another --env-to or --force to replace it");
  }
  AtomicFileWriter out;
  PB_RETURN_IF_ERROR(out.Open(options_.env_to, ".restore-tmp"));
  for (const ContentEntry& e : env.content) {
    if (e.hole) {
      PB_RETURN_IF_ERROR(out.Append(std::string(static_cast<size_t>(e.length), '\0')));
      continue;
    }
    auto data = repo_->ReadBlob(e.blob);
    if (!data.ok()) return Status::Corruption(".env: " + data.status().message());
    if (data->size() != e.length) {
      return Status::Corruption(".env: blob " + ToHex(e.blob).substr(0, 16) + " holds " +
                                std::to_string(data->size()) + " bytes but the snapshot gives it " +
                                std::to_string(e.length) + " (a damaged or crafted snapshot)");
    }
    PB_RETURN_IF_ERROR(out.Append(*data));
  }
  if (::chmod(out.temp_path().c_str(), 0600) != 0) return Status::FromErrno("chmod " + out.temp_path(), errno);
  return out.Commit();
}

Status Restorer::LockTarget() {
  if (target_lock_) return Status::Ok();
  std::error_code ec;
  if (!std::filesystem::exists(options_.target, ec)) return Status::Ok();
  const bool empty = std::filesystem::is_empty(options_.target, ec);
  if (ec) return Status::IOError("look into " + options_.target + ": " + ec.message());
  if (empty) return Status::Ok();
  auto lock = ledger::DataDirLock::Acquire(options_.target, "paymentsctl restore");
  if (!lock.ok()) return lock.status();
  target_lock_ = std::move(lock).value();
  return Status::Ok();
}

Status Restorer::Stage(const AtTimeSource& source, RestoreResult* result) {
  const repo::SnapshotRef& snapshot = source.snapshot;
  int workers = options_.workers > 0 ? options_.workers
                                     : std::max({1, static_cast<int>(std::thread::hardware_concurrency()),
                                                 repo_->backend().PreferredReaders()});
  std::vector<std::thread> threads;
  for (int i = 0; i < workers; ++i) threads.emplace_back([this] { Work(); });
  Status walked = RestoreTree(snapshot.snapshot.tree, "");
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads) t.join();
  if (!damaged_.empty()) {
    std::sort(damaged_.begin(), damaged_.end());
    std::string list;
    for (size_t i = 0; i < damaged_.size() && i < kMaxReportedFiles; ++i) list += "\n  " + damaged_[i];
    if (damaged_.size() > kMaxReportedFiles) list += "\n  ... and " + std::to_string(damaged_.size() - kMaxReportedFiles) + " more";
    return Status::Corruption(std::to_string(damaged_.size()) +
                              " file(s) of the snapshot cannot be restored from damaged or missing repository data "
                              "(nothing was written to the target; run `paymentsctl check --read-data`):" + list);
  }
  PB_RETURN_IF_ERROR(walked);
  PB_RETURN_IF_ERROR(io_error_);
  PB_RETURN_IF_ERROR(ApplyDirMetadata());
  bool extended = false;
  if (source.apply_wal) {
    auto wal = ReplayWal(repo_, snapshot.snapshot.host, snapshot.snapshot.data_dir, temp_, options_.at_ms);
    if (!wal.ok()) return wal.status();
    result->wal = *wal;
    extended = wal->objects > 0;
  }
  bool has_journal = FileExists(ledger::JournalDir(temp_));
  if (options_.at_ms || extended) {
    if (!has_journal) {
      return Status::InvalidArgument("--at needs a ledger journal, and this snapshot has none (journal/)");
    }
    auto cut = ledger::CutLedgerAt(temp_, options_.at_ms.value_or(INT64_MAX),
                                   extended ? ledger::RebuildViews::kAlways : ledger::RebuildViews::kOnlyWhenCut);
    if (!cut.ok()) return cut.status();
    // The cut locked the staging directory (released on return): its LOCK file is not data.
    ::unlink((temp_ + "/" + std::string(ledger::kLockFileName)).c_str());
    if (options_.at_ms) {
      PB_RETURN_IF_ERROR(CheckReachedAt(source, *options_.at_ms, *cut, result->wal));
      result->at_last_ts_ms = cut->last_kept_ts_ms;
    }
  }
  if (ledger::IsPaymentsDataDir(ledger::ClassifyDataDir(temp_))) {
    ledger::VerifyReport report = ledger::VerifyDataDir(temp_);
    if (!report.ok()) {
      return Status::Corruption("the restored data directory fails verification, so it was not put in place:\n" +
                                ledger::VerifyReportText(report));
    }
    result->verified = true;
    result->python_era = report.python_era;
    result->journal_seq = report.journal_seq;
  } else {
    result->warning = "snapshot " + snapshot.id.substr(0, 8) + " holds no payments data directory (no journal/, "
                      "no registry.json, balances.json, workloads.json): nothing was verified, and "
                      "payments-backend would start on it with an empty ledger";
  }
  // Files the ledger steps wrote belong to the data directory's owner.
  if (root_owner_) PB_RETURN_IF_ERROR(OwnUnlistedEntries(temp_, listed_, *root_owner_));
  if (snapshot.snapshot.env) {
    if (options_.env_to.empty()) {
      result->env_skipped = true;
    } else {
      PB_RETURN_IF_ERROR(WriteEnv(*snapshot.snapshot.env));
      result->env_written = options_.env_to;
    }
  }
  return Status::Ok();
}

Result<RestoreResult> Restorer::Run(const repo::SnapshotRef& named) {
  auto policy = OwnerPolicy::Make(options_.owner);
  if (!policy.ok()) return policy.status();
  policy_ = std::move(policy).value();
  AtTimeSource source{named, options_.apply_wal};
  if (options_.at_ms) {
    auto chosen = ChooseSourceAt(repo_, named, *options_.at_ms, options_.apply_wal);
    if (!chosen.ok()) return chosen.status();
    source = std::move(chosen).value();
  }
  const repo::Snapshot& snapshot = source.snapshot.snapshot;
  auto placement = PlanPlacement(options_.target, options_.force);
  if (!placement.ok()) return placement.status();
  PB_RETURN_IF_ERROR(LockTarget());
  temp_ = placement->staging;
  PB_RETURN_IF_ERROR(CreateStaging(*placement));
  root_fd_ = ::open(temp_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (root_fd_ < 0) {
    Status st = Status::FromErrno("open " + temp_, errno);
    ::rmdir(temp_.c_str());
    return st;
  }
  root_owner_ = policy_->For(snapshot.root ? snapshot.root->owner : std::nullopt);
  bytes_total_ = snapshot.stats.bytes;
  RestoreResult result;
  result.snapshot_id = source.snapshot.id;
  Status outcome = Stage(source, &result);
  ::close(root_fd_);
  if (outcome.ok()) outcome = LockTarget();
  if (outcome.ok()) {
    auto aside = PlaceStaged(*placement, options_.force,
                             [&](const std::string& dir) { return FinishRoot(dir, snapshot.root); });
    if (aside.ok()) result.moved_aside = *aside;
    outcome = aside.status();
  }
  if (!outcome.ok()) {
    // The staging directory only ever holds restored data, never the target's.
    Status removed = RemoveTree(temp_);
    if (!removed.ok()) spdlog::warn("could not remove {}: {}", temp_, removed.message());
    return outcome;
  }
  result.files = files_;
  result.bytes = snapshot.stats.bytes;
  result.owner_note = policy_->Note(options_.target);
  if (!root_note_.empty()) result.owner_note += (result.owner_note.empty() ? "" : "; ") + root_note_;
  return result;
}

}  // namespace

Result<RestoreResult> RunRestore(repo::Repository* repo, const repo::SnapshotRef& snapshot,
                                 const RestoreOptions& options, const RestoreProgressFn& progress) {
  Restorer restorer(repo, options, progress);
  return restorer.Run(snapshot);
}

}  // namespace pb::restore
