// ledger/: the one-writer rule of a data directory. This header owns the
// lock file's name and protocol (docs/journal-format.md, "The LOCK file").
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace pb::ledger {

// The lock file at the top of a data directory. It is not data: backups
// leave it out, so a restore never brings one back.
inline constexpr std::string_view kLockFileName = "LOCK";

// The exclusive right to write one data directory, held from Acquire until
// destroyed. It is flock(2) on DATA/LOCK (like LevelDB's LOCK), so it dies
// with its process, kill -9 included: a LOCK file left behind never blocks
// anyone. The file's one line names the holder, so that a process refused
// can say who holds it. Not copyable.
//
// Writers of a data directory (payments-backend, paymentsctl restore onto
// it, the point-in-time cut, bench-journal-gen --append) take it before they
// change anything; readers (backup, verify, replicate) never do.
class DataDirLock {
 public:
  // Takes the lock of `data_dir` for `holder` (the program and what it does,
  // "payments-backend", "paymentsctl restore") and replaces LOCK's content
  // with "<holder> pid <pid> on <host> since <UTC time>\n". Creates LOCK
  // (mode 0644) when missing, nothing else.
  // REQUIRES: `data_dir` exists.
  // Errors: Conflict naming the holder when another process, or another
  // DataDirLock of this one, holds the lock; IOError naming the path
  // otherwise (a permission error also names this process's uid:gid and the
  // directory's owner and mode, and says what to change).
  static Result<std::unique_ptr<DataDirLock>> Acquire(const std::string& data_dir, std::string_view holder);

  // Closes LOCK, which releases the lock. The file stays: removing it would
  // let a process that opened it just before lock a file no longer there
  // while another locks the new one.
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

// OK when this process may list, read and write the directory `dir` of the
// data directory `data_dir`, or when `dir` does not exist. Otherwise IOError
// naming `dir`; for a permission error also its owner and mode, this
// process's uid:gid and the chown that gives the data directory to it.
Status CheckWritableDir(const std::string& data_dir, const std::string& dir);

}  // namespace pb::ledger
