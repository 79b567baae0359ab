#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>

#include "common/status.h"
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

  // Recovers `data_dir` (creating it when missing). Corruption stops here
  // with the file, seq and offset; a torn last record is cut and logged.
  static Result<std::unique_ptr<Ledger>> Open(const std::string& data_dir);

  // Starts the group-commit thread.
  Status Start(GroupCommitter::Callbacks callbacks);

  // Fills r.seq and r.ts_ms (and r.balance for balance changes), checks it
  // against the state, applies it and queues it for the journal. The change
  // is visible at once; it is durable when on_durable reports its seq.
  // On error nothing changed.
  Result<uint64_t> Submit(Record r);

  const LedgerState& state() const { return state_; }
  uint64_t last_seq() const { return last_.seq; }
  const std::string& data_dir() const { return data_dir_; }
  GroupCommitter& committer() { return committer_; }
  // Records replayed at open and how long it took.
  uint64_t replayed_records() const { return replayed_; }
  double replay_seconds() const { return replay_seconds_; }
  uint64_t checkpoint_seq() const { return checkpoint_seq_.load(); }

  // Starts a background checkpoint (a forked child writes the files) when the
  // state changed since the last one and none is running.
  void MaybeCheckpoint();
  // Reaps a finished checkpoint child and queues its commit. Call periodically.
  void PollCheckpoint();
  // Drains the journal, stops the committer and writes a final checkpoint.
  Status Shutdown();

  // Bodies of durable records after `after` (at most `limit`).
  Result<std::vector<std::string>> Events(uint64_t after, uint64_t durable, size_t limit) {
    return index_.Read(after, durable, limit);
  }

 private:
  explicit Ledger(std::string data_dir);
  Status Recover();
  Status Adopt();

  std::string data_dir_;
  LedgerState state_;
  ChainPoint last_;
  GroupCommitter committer_;
  JournalIndex index_;
  uint64_t replayed_ = 0;
  double replay_seconds_ = 0;
  std::atomic<uint64_t> checkpoint_seq_{0};
  pid_t checkpoint_child_ = -1;
  // True from a child's success until the committer has published its files;
  // no new child may overwrite the .ckpt files meanwhile.
  std::atomic<bool> commit_pending_{false};
  ChainPoint child_point_;
  bool stopped_ = false;
};

}  // namespace pb::ledger
