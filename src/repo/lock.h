// repo/: repository locks (docs/repository-format.md, "Locks"). Exclusive
// for commands that delete or replace files, shared for readers and
// backups; stale locks of dead processes are detected and removed, and
// `paymentsctl unlock` removes the locks of lost hosts.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/process.h"
#include "common/status.h"
#include "repo/repository.h"

namespace pb::repo {

// A lock is stale after this long without a refresh.
inline constexpr int64_t kLockStaleMs = 30 * 60 * 1000;
// Holders rewrite their lock this often.
inline constexpr int64_t kLockRefreshMs = 5 * 60 * 1000;

// What a lock allows others to do at the same time. The repository is
// write-once, so readers and backups (which only add files) share it; only
// what deletes or replaces files is alone.
enum class LockMode {
  // Read-only commands (restore, snapshots, ls, check, drill, doctor, key
  // list): shared. A lock file that cannot be read, and an exclusive lock of
  // another host (whose process may be gone with its host), are reported
  // and ignored: what a reader reads is authenticated, so a concurrent
  // prune can make it fail but never lie.
  kRead,
  // Commands that only add write-once files (backup, replicate's
  // snapshots), and compaction, which removes only the wal objects a
  // durable merged object holds (readers skip those, wal_cover.h): shared.
  // A lock file that cannot be read stops them (it may be a prune's):
  // `paymentsctl unlock` removes it.
  kAppend,
  // Commands that delete or replace files (forget --prune, repair, key
  // changes): no other lock at the same time.
  kExclusive,
};

// Holds a lock file in locks/ until destroyed (then removes it). A
// background thread refreshes it. Not copyable.
class RepoLock {
 public:
  // Takes a lock for `operation` ("backup", "restore", ...). Removes stale
  // locks it finds (stale: not refreshed for kLockStaleMs, or naming this host
  // and a pid that is not running). Errors: Conflict naming the holder
  // (operation, pid, host, since when) and what to do when a live lock
  // conflicts (either is kExclusive), or naming a lock file that cannot be
  // read (not for kRead); backend errors.
  static Result<std::unique_ptr<RepoLock>> Acquire(Repository* repo, LockMode mode, const std::string& operation);

  ~RepoLock();
  RepoLock(const RepoLock&) = delete;
  RepoLock& operator=(const RepoLock&) = delete;

 private:
  RepoLock(Repository* repo, LockMode mode, std::string operation)
      : repo_(repo), mode_(mode), operation_(std::move(operation)) {}
  Result<std::string> WriteLockFile();
  void RefreshLoop();

  Repository* repo_;
  LockMode mode_;
  std::string operation_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::string name_;  // current lock file
  std::thread refresher_;
};

// What `paymentsctl unlock` did: one line per lock file, naming it, its
// operation, pid, host and time (or why it cannot be read), and why it was
// removed or kept.
struct UnlockReport {
  std::vector<std::string> removed;
  std::vector<std::string> kept;
};

// Removes the lock files that are stale (see Acquire) or cannot be read;
// with `remove_all`, every lock file. Takes no lock itself. Errors: backend
// errors (the lock files removed before are reported in none).
Result<UnlockReport> RemoveLocks(Repository* repo, bool remove_all);

// This machine's host name (for locks and snapshots): common/process.h.
using ::pb::HostName;

}  // namespace pb::repo
