// replicate/: continuous journal shipping — a Replicator follows a data
// directory's journal and ships every new complete record into the wal/
// folder of a repository, takes full snapshots on a schedule, and publishes
// its status, and compacts what it shipped in the background (README
// "Continuous replication", docs/repository-format.md "Shipped journal",
// "Levels and compaction"). Used by `paymentsctl replicate` and, in a
// thread, by `payments-backend --replicate-to`.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/status.h"
#include "replicate/journal_tail.h"
#include "replicate/status.h"
#include "repo/repository.h"

namespace pb::replicate {

struct ReplicatorOptions {
  std::string data_dir;  // absolute path
  // The RPO: a complete record is in the repository at most `interval`
  // after it was written, upload included (see ShipDelay).
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds snapshot_every{std::chrono::hours(1)};
  // Compact this data directory's wal objects in a background thread: a
  // pass at start and whenever a shipped record enters a new level-1 window
  // (repo/wal_compact.h), under a shared lock taken for the pass.
  bool compact = true;
};

// Ship rule: the journal is polled every PollPeriod(interval); the complete
// records found are uploaded, as one wal object per segment (at most 8 MiB),
// as soon as the oldest of them is ShipDelay(interval) old, with at most
// one upload in flight. A record therefore waits at most ShipDelay + one
// poll before its upload starts, which leaves interval - 350 ms (at the
// default 1 s) for the upload itself.
std::chrono::milliseconds PollPeriod(std::chrono::milliseconds interval);  // interval / 10, at most 100 ms
std::chrono::milliseconds ShipDelay(std::chrono::milliseconds interval);   // interval / 4

// Largest run of records in one wal object.
inline constexpr size_t kMaxWalObjectBytes = size_t{8} << 20;

class Replicator {
 public:
  // REQUIRES: `repo` is open (unlocked). The replicator takes no lock to
  // ship wal objects (they are written once under names no one else
  // writes), and a shared (append) lock while it takes a snapshot or runs a
  // compaction pass.
  Replicator(std::unique_ptr<repo::Repository> repo, ReplicatorOptions options);
  ~Replicator();  // Stop()
  Replicator(const Replicator&) = delete;
  Replicator& operator=(const Replicator&) = delete;

  // Starts the shipping, snapshot and compaction threads. Failures after this
  // (repository unreachable, a journal that does not match what was
  // shipped) are retried every poll and reported in status(), never thrown.
  void Start();

  // Ships every complete record still unshipped (one last attempt), writes
  // the final status ("stopped") and joins the threads. Returns the last
  // shipping error, if the final attempt failed.
  Status Stop();

  ReplicationStatus status() const;

 private:
  void ShipLoop();
  void SnapshotLoop();
  void CompactLoop();
  // One compaction of this data directory's stream (passes while more).
  Status CompactOnce();
  // One poll: resume if needed, then ship what is due (everything when `final`).
  void Poll(bool final);
  Status Resume();
  Status ShipDue(bool final, bool* contacted);
  Status TakeSnapshot();
  // The newest snapshot of this data directory's group; seq 0 / time 0
  // when none. `hash` (may be null): the chain hash it recorded for `seq`.
  Status NewestSnapshot(uint64_t* seq, int64_t* time_ms, std::string* id, std::optional<Digest>* hash);
  void Publish(bool force);
  void RecordError(const Status& st);

  std::unique_ptr<repo::Repository> repo_;
  const ReplicatorOptions options_;
  const std::string host_;
  const std::string stream_;
  JournalTail tail_;
  bool resumed_ = false;  // ship thread only
  int64_t last_resume_ms_ = 0;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  ReplicationStatus status_;
  int64_t last_published_ms_ = 0;
  std::string last_published_state_;
  bool compact_due_ = true;      // a pass at start
  int64_t shipped_window_ = -1;  // level-1 window of the last record shipped
  std::thread ship_thread_;
  std::thread snapshot_thread_;
  std::thread compact_thread_;
};

}  // namespace pb::replicate
