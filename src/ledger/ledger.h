#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "common/status.h"
#include "ledger/data_dir_lock.h"
#include "ledger/group_commit.h"
#include "ledger/journal.h"
#include "ledger/journal_index.h"
#include "ledger/state.h"

namespace pb::ledger {

// The durable payments ledger of one data directory: recovery at open
// (checkpoint + journal replay, or adoption of a Python-era directory), live
// changes through group commit, background checkpoints.
//
// Threading: every method is called from one owner thread (the server's
// event loop). Durability is reported through the callbacks given to Start(),
// on the committer thread.
class Ledger {
 public:
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Recovers `data_dir` (creating it when missing). First of all it takes
  // the directory's DataDirLock, held until the Ledger is destroyed: a
  // Conflict naming the holder when another process writes it, before
  // anything is read or changed; then journal/ and audit/ must be writable
  // (CheckWritableDir). Corruption stops here with the file, seq and
  // offset; a torn last record is cut and logged.
  static Result<std::unique_ptr<Ledger>> Open(const std::string& data_dir);

  // Starts the group-commit thread.
  Status Start(GroupCommitter::Callbacks callbacks);

  // Fills r.seq and r.ts_ms (and r.balance for balance changes), checks it
  // against the state, applies it and queues it for the journal. The change
  // is visible at once; it is durable when on_durable reports its seq.
  // On error nothing changed.
  Result<uint64_t> Submit(Record r);

  // A standby's append (docs/cluster.md): `line`, a journal line of the
  // primary ("<hash> <body>", no newline), must be this journal's next
  // record: seq last + 1, hash SHA-256(last hash || body), and a change the
  // state accepts. It is applied and queued as Submit does, with the
  // primary's bytes. Corruption saying which check failed; nothing changed
  // then.
  Status Follow(std::string_view line);

  const LedgerState& state() const { return state_; }
  uint64_t last_seq() const { return last_.seq; }
  // The last record's seq and hash.
  const ChainPoint& last_point() const { return last_; }
  const std::string& data_dir() const { return data_dir_; }
  GroupCommitter& committer() { return committer_; }
  // Records replayed at open and how long it took.
  uint64_t replayed_records() const { return replayed_; }
  uint64_t checkpoint_seq() const { return checkpoint_seq_.load(); }

  // Starts a background checkpoint when the state changed since the last one
  // and none is running: an image of the state is taken here (cheap: the
  // workloads are not copied) and a low-priority thread writes and publishes
  // the files, off the request path. A checkpoint that took T seconds is
  // followed by at least 9T without one, so the background work stays near a
  // tenth of one core however large the state grows.
  void MaybeCheckpoint();
  bool checkpoint_running() const { return checkpoint_running_.load(); }
  // Drains the journal, stops the committer and writes a final checkpoint.
  Status Shutdown();

  // Bodies of durable records after `after` (at most `limit`). One thread
  // at a time (the server's render thread, Reply::render in server/).
  Result<std::vector<std::string>> Events(uint64_t after, uint64_t durable, size_t limit) {
    return index_.Read(after, durable, limit);
  }

 private:
  explicit Ledger(std::string data_dir);
  Status Recover();
  Status Adopt();
  // Writes and publishes a checkpoint of `image` taken at `point` (any thread).
  Status PublishCheckpoint(const StateImage& image, const ChainPoint& point);

  std::string data_dir_;
  std::unique_ptr<DataDirLock> lock_;  // released last, after every writer stopped
  LedgerState state_;
  ChainPoint last_;
  GroupCommitter committer_;
  JournalIndex index_;
  uint64_t replayed_ = 0;
  std::atomic<uint64_t> checkpoint_seq_{0};
  std::thread checkpoint_thread_;
  std::atomic<bool> checkpoint_running_{false};
  std::atomic<int64_t> checkpoint_not_before_us_{0};
  bool stopped_ = false;
};

}  // namespace pb::ledger
