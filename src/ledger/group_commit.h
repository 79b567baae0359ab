#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "ledger/journal.h"

namespace pb::ledger {

// What the committer reports after each durable batch, for whoever measures
// it (the service's metrics); the ledger knows nothing of metrics.
class CommitObserver {
 public:
  virtual ~CommitObserver() = default;
  // On the committer thread, after the batch through `last_seq` is durable
  // and before on_durable reports it: its number of records and how long
  // writing and fdatasyncing it took. Must be cheap and must not block.
  virtual void OnBatchDurable(uint64_t last_seq, uint64_t records, int64_t write_sync_micros) = 0;
};

// Group commit: one background thread writes every queued journal line with
// one fdatasync per batch, reports the new durable seq, then appends the
// (unsynced) mirror and access-log lines. After a write or fsync failure it
// accepts nothing more (the page cache can no longer be trusted) and reports
// the failure once. After a failed mirror write or fsync it stops appending
// to the mirrors (see mirrors_failed()) and goes on with the journal.
class GroupCommitter {
 public:
  struct Callbacks {
    // Called on the committer thread after records through `seq` are durable.
    std::function<void(uint64_t seq)> on_durable;
    // Called on the committer thread once, when durability failed.
    std::function<void(const Status&)> on_failure;
  };

  GroupCommitter();
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // REQUIRES: before Start(); `observer` outlives the committer thread
  // (Stop(), or Ledger::Shutdown()).
  void SetObserver(CommitObserver* observer) { observer_ = observer; }

  // `durable_seq` is the last record already on disk.
  Status Start(const std::string& data_dir, uint64_t durable_seq, Callbacks callbacks);
  // Size at which the journal rolls to a new segment (default
  // kSegmentRollBytes). REQUIRES: before Start(), bytes > 0.
  void SetSegmentRollBytes(uint64_t bytes) { writer_.set_roll_bytes(bytes); }

  // Queues the journal line of record `seq` (must be the previous seq + 1) and
  // its mirror lines. Thread-safe.
  void Enqueue(uint64_t seq, std::string_view line, std::string_view ledger_events, std::string_view registry_log);
  // Queues lines for audit/payments-audit.log. Thread-safe.
  void EnqueueAccessLog(std::string_view lines);
  // Blocks until the mirror lines of every record through `seq` have been
  // written (not fsynced). Returns false when that can no longer happen
  // (journal failure, or stopped short of `seq`). Thread-safe.
  bool WaitMirrored(uint64_t seq);
  // Writes everything queued, fsyncs the mirrors, then stops the thread.
  // Idempotent.
  void Stop();
  // True once a journal write or fsync failed.
  bool failed() const { return failed_.load(); }
  // True once a mirror line could not be written or a mirror not synced: the
  // mirrors may have lost lines, so nothing more is appended to them and no
  // checkpoint may claim them complete; the restart re-derives the missing
  // lines from the journal (replay after the last checkpoint). Thread-safe.
  bool mirrors_failed() const { return mirrors_failed_.load(); }
  void SetMirrorsFailed(const Status& why);
  // For a checkpoint: makes the mirrors durable (SyncMirrors) and returns Ok
  // only if no mirror write or sync has failed, this one included. Mirror
  // syncs are serialized (this one and the committer's at Stop), so that a
  // sync failing on one descriptor is never overtaken by a success reported
  // on another: after a failed fsync the file's pages can no longer be
  // trusted, whatever a later fsync says. Errors: Unavailable.
  Status SyncMirrorsForCheckpoint();

 private:
  struct Pending;
  void Loop();
  Status WriteBatch(Pending& batch);

  std::string data_dir_;
  JournalWriter writer_;
  int events_fd_ = -1, registry_fd_ = -1, access_fd_ = -1;
  Callbacks callbacks_;
  CommitObserver* observer_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;           // work queued or stopping (the committer waits)
  std::condition_variable mirrored_cv_;  // mirrored_seq_ advanced, failure or exit
  std::unique_ptr<Pending> pending_;
  uint64_t durable_seq_ = 0;  // committer thread only
  uint64_t mirrored_seq_ = 0;  // guarded by mu_
  bool stopped_ = false;       // guarded by mu_: the thread has exited
  bool stopping_ = false;
  std::atomic<bool> failed_{false};
  std::atomic<bool> mirrors_failed_{false};
  std::mutex mirror_sync_mu_;  // serializes mirror syncs with the failure flag
  std::thread thread_;
};

}  // namespace pb::ledger
