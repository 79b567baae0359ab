#include "restore/restorer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "common/file_util.h"
#include "common/log.h"
#include "ledger/data_dir_lock.h"
#include "restore/at_time.h"
#include "restore/blob_fetcher.h"
#include "restore/file_writer.h"
#include "restore/fs_ops.h"
#include "restore/ledger_finish.h"
#include "restore/ownership.h"
#include "restore/placement.h"
#include "restore/tree_walker.h"

namespace pb::restore {
namespace {

class Restorer {
 public:
  Restorer(repo::Repository* repo, const RestoreOptions& options, const RestoreProgressFn& progress)
      : repo_(repo), options_(options), progress_fn_(progress) {}

  Result<RestoreResult> Run(const repo::SnapshotRef& named);

 private:
  // Restores `source` into the staging directory (files_.root, open as
  // files_.root_fd) and runs the ledger steps; the caller puts it in place.
  Status Stage(const AtTimeSource& source, RestoreResult* result);
  // Once the files the ledger steps read are finished (walker's
  // ledger_files), runs them (FinishLedger), unless one of those files is
  // damaged or failed (then Ok: the verdict on the files reports it).
  // Runs on its own thread while the walker's deferred files are written.
  Status FinishLedgerWhenReady(const AtTimeSource& source, TreeWalker* walker, RestoreResult* result);
  // Gives `dir` (the staged root, or the target once the staged entries are
  // in it) the snapshot's root metadata and owner.
  Status FinishRoot(const std::string& dir, const std::optional<repo::RootEntry>& root);
  // Takes the target's DataDirLock (held until the restore ends) when the
  // target holds anything: no service may run on what a --force restore
  // moves aside, nor start on it meanwhile. Called when the target is first
  // judged and again before it is replaced (a service may have started on a
  // target that was missing or empty); an empty target is replaced by a
  // rename that fails if anything appears in it.
  Status LockTarget();
  // Report progress, when the caller asked for it, one call at a time (the
  // walk and the ledger steps run on two threads).
  void ShowFiles(uint64_t bytes_total);
  void ShowWal(const WalReplayProgress& wal);

  repo::Repository* repo_;
  const RestoreOptions& options_;
  const RestoreProgressFn& progress_fn_;
  WriteContext files_;
  std::optional<OwnerPolicy> policy_;
  std::optional<repo::Owner> root_owner_;  // policy_->For(the root's recorded owner)
  std::unique_ptr<ledger::DataDirLock> target_lock_;
  std::string root_note_;                  // FinishRoot could not give the root its metadata
  std::mutex progress_mu_;                 // held while progress_fn_ runs
};

void Restorer::ShowFiles(uint64_t bytes_total) {
  if (!progress_fn_) return;
  RestoreProgress p;
  p.bytes_total = bytes_total;
  p.bytes_done = files_.bytes_done;
  std::lock_guard<std::mutex> lock(progress_mu_);
  progress_fn_(p);
}

void Restorer::ShowWal(const WalReplayProgress& wal) {
  if (!progress_fn_) return;
  RestoreProgress p;
  p.stage = RestoreStage::kShippedJournal;
  p.wal = wal;
  std::lock_guard<std::mutex> lock(progress_mu_);
  progress_fn_(p);
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

Status Restorer::FinishLedgerWhenReady(const AtTimeSource& source, TreeWalker* walker, RestoreResult* result) {
  walker->ledger_files().Wait();
  // A file the ledger needs is damaged or could not be written: the
  // verdict on the files says which, once they are all done.
  if (!files_.outcome.Verdict(Status::Ok()).ok()) return Status::Ok();
  return FinishLedger(repo_, source, options_, files_.root,
                      [this](const WalReplayProgress& wal) { ShowWal(wal); }, result);
}

Status Restorer::Stage(const AtTimeSource& source, RestoreResult* result) {
  const repo::Snapshot& snapshot = source.snapshot.snapshot;
  BlobFetcher fetcher(repo_, options_.workers);
  TreeWalker walker(repo_, &files_, &fetcher, &*policy_, [&] { ShowFiles(snapshot.stats.bytes); });
  Status walked = walker.Walk(snapshot.tree, "");
  // The ledger steps run as soon as the files they read are written, while
  // the others (most of the bytes) are: they use the cores fetching leaves.
  Status ledger;
  std::thread ledger_thread;
  if (walked.ok()) {
    ledger_thread = std::thread([&] { ledger = FinishLedgerWhenReady(source, &walker, result); });
    walker.QueueDeferred();
  }
  fetcher.Finish();
  if (ledger_thread.joinable()) ledger_thread.join();
  PB_RETURN_IF_ERROR(files_.outcome.Verdict(walked));
  PB_RETURN_IF_ERROR(ledger);
  // After the ledger steps, which may write in the directories.
  PB_RETURN_IF_ERROR(walker.ApplyDirMetadata());
  result->files = walker.files();
  // Files the ledger steps wrote belong to the data directory's owner.
  if (root_owner_) PB_RETURN_IF_ERROR(OwnUnlistedEntries(files_.root, walker.listed(), *root_owner_));
  return RestoreEnv(repo_, snapshot, options_, result);
}

Result<RestoreResult> Restorer::Run(const repo::SnapshotRef& named) {
  PB_ASSIGN_OR_RETURN(policy_, OwnerPolicy::Make(options_.owner));
  AtTimeSource source{named, options_.apply_wal};
  if (options_.at_ms) {
    PB_ASSIGN_OR_RETURN(source, ChooseSourceAt(repo_, named, *options_.at_ms, options_.apply_wal));
  }
  const repo::Snapshot& snapshot = source.snapshot.snapshot;
  PB_ASSIGN_OR_RETURN(Placement placement, PlanPlacement(options_.target, options_.force));
  PB_RETURN_IF_ERROR(LockTarget());
  PB_RETURN_IF_ERROR(CreateStaging(placement));
  files_.root = placement.staging;
  ScopedFd root_fd(::open(files_.root.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (root_fd.get() < 0) {
    Status st = Status::FromErrno("open " + files_.root, errno);
    ::rmdir(files_.root.c_str());
    return st;
  }
  files_.root_fd = root_fd.get();
  root_owner_ = policy_->For(snapshot.root ? snapshot.root->owner : std::nullopt);
  RestoreResult result;
  result.snapshot_id = source.snapshot.id;
  Status outcome = Stage(source, &result);
  files_.root_fd = -1;
  root_fd = ScopedFd(-1);
  if (outcome.ok()) outcome = LockTarget();
  if (outcome.ok()) {
    auto aside = PlaceStaged(placement, options_.force,
                             [&](const std::string& dir) { return FinishRoot(dir, snapshot.root); });
    if (aside.ok()) result.moved_aside = *aside;
    outcome = aside.status();
  }
  if (!outcome.ok()) {
    // The staging directory only ever holds restored data, never the target's.
    Status removed = RemoveTree(files_.root);
    if (!removed.ok()) spdlog::warn("could not remove {}: {}", files_.root, removed.message());
    return outcome;
  }
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
