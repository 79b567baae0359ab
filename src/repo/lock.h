// repo/: repository locks (docs/repository-format.md, "Locks"). Exclusive
// for commands that add or remove data, shared for readers; stale locks of
// dead processes are detected and removed.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/process.h"
#include "common/status.h"
#include "repo/repository.h"

namespace pb::repo {

// A lock is stale after this long without a refresh.
inline constexpr int64_t kLockStaleMs = 30 * 60 * 1000;
// Holders rewrite their lock this often.
inline constexpr int64_t kLockRefreshMs = 5 * 60 * 1000;

// Holds a lock file in locks/ until destroyed (then removes it). A
// background thread refreshes it. Not copyable.
class RepoLock {
 public:
  // Takes a lock for `operation` ("backup", "restore", ...). Removes stale
  // locks it finds. Errors: Conflict naming the holder (host, pid, operation,
  // since when) and what to do when another live lock conflicts; backend
  // errors.
  static Result<std::unique_ptr<RepoLock>> Acquire(Repository* repo, bool exclusive, const std::string& operation);

  ~RepoLock();
  RepoLock(const RepoLock&) = delete;
  RepoLock& operator=(const RepoLock&) = delete;

 private:
  RepoLock(Repository* repo, bool exclusive, std::string operation)
      : repo_(repo), exclusive_(exclusive), operation_(std::move(operation)) {}
  Result<std::string> WriteLockFile();
  void RefreshLoop();

  Repository* repo_;
  bool exclusive_;
  std::string operation_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::string name_;  // current lock file
  std::thread refresher_;
};

// This machine's host name (for locks and snapshots): common/process.h.
using ::pb::HostName;

}  // namespace pb::repo
