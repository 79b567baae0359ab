#include "replicate/replicator.h"

#include <unistd.h>

#include <algorithm>

#include "backup/archiver.h"
#include "common/log.h"
#include "common/time_util.h"
#include "ledger/datadir.h"
#include "repo/lock.h"
#include "repo/snapshot_select.h"
#include "repo/wal.h"
#include "repo/wal_compact.h"
#include "repo/wal_cover.h"
#include "replicate/shipped_records.h"

namespace pb::replicate {

using std::chrono::milliseconds;

milliseconds PollPeriod(milliseconds interval) { return std::clamp(interval / 10, milliseconds(1), milliseconds(100)); }
milliseconds ShipDelay(milliseconds interval) { return interval / 4; }

Replicator::Replicator(std::unique_ptr<repo::Repository> repo, ReplicatorOptions options)
    : repo_(std::move(repo)),
      options_(std::move(options)),
      host_(repo::HostName()),
      stream_(repo::WalStream(host_, options_.data_dir)),
      tail_(ledger::JournalDir(options_.data_dir)) {
  status_.pid = ::getpid();
  status_.host = host_;
  status_.data_dir = options_.data_dir;
  status_.repository = repo_->backend().Describe();
  status_.interval_ms = options_.interval.count();
}

Replicator::~Replicator() { Stop(); }

void Replicator::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    status_.last_contact_ms = NowMillis();  // the grace period before "stalled"
  }
  ship_thread_ = std::thread([this] { ShipLoop(); });
  snapshot_thread_ = std::thread([this] { SnapshotLoop(); });
  if (options_.compact) compact_thread_ = std::thread([this] { CompactLoop(); });
}

Status Replicator::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !ship_thread_.joinable()) return Status::Ok();
    stopping_ = true;
  }
  cv_.notify_all();
  if (ship_thread_.joinable()) ship_thread_.join();
  if (snapshot_thread_.joinable()) snapshot_thread_.join();
  if (compact_thread_.joinable()) compact_thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  if (status_.last_error.empty()) return Status::Ok();
  return Status::Unavailable("the last shipping attempt failed: " + status_.last_error);
}

ReplicationStatus Replicator::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

void Replicator::RecordError(const Status& st) {
  std::lock_guard<std::mutex> lock(mu_);
  if (status_.last_error != st.ToString()) spdlog::error("replicate {}: {}", options_.data_dir, st.ToString());
  status_.last_error = st.ToString();
  status_.last_error_ms = NowMillis();
}

Status Replicator::NewestSnapshot(uint64_t* seq, int64_t* time_ms, std::string* id, std::optional<Digest>* hash) {
  std::vector<std::string> damaged;
  auto all = repo_->ListSnapshots(&damaged);
  if (!all.ok()) return all.status();
  const repo::SnapshotRef* newest = repo::NewestOfGroup(*all, {host_, options_.data_dir});
  *seq = newest ? repo::LedgerSeq(newest->snapshot) : 0;
  *time_ms = newest ? newest->snapshot.time_ms : 0;
  *id = newest ? newest->id : "";
  if (hash) *hash = newest && newest->snapshot.ledger ? newest->snapshot.ledger->hash : std::nullopt;
  return Status::Ok();
}

Status Replicator::Resume() {
  auto names = repo::ListWal(repo_->backend(), stream_);
  if (!names.ok()) return names.status();
  uint64_t wal_seq = 0;
  if (!names->empty()) {
    const repo::WalName newest = repo::CoverOf(*names).objects.back();  // the highest last seq
    auto last = repo::ReadWalObject(repo_->backend(), repo_->key(), newest, CheckShippedRecords);
    if (!last.ok()) return last.status();
    PB_RETURN_IF_ERROR(tail_.SeekAfterShipped(*last));
    wal_seq = last->last_seq;
  }
  uint64_t snap_seq = 0;
  int64_t snap_ms = 0;
  std::string snap_id;
  std::optional<Digest> snap_hash;
  PB_RETURN_IF_ERROR(NewestSnapshot(&snap_seq, &snap_ms, &snap_id, &snap_hash));
  if (names->empty() || snap_seq > wal_seq) {
    Status st = tail_.SeekAfterSeq(snap_seq);
    if (st.kind() == Status::Kind::kNotFound && snap_seq > 0) {
      return Status::Corruption("the repository's newest snapshot of " + options_.data_dir + " holds records "
                                "through seq " + std::to_string(snap_seq) + " but this journal does not reach it (" +
                                st.message() + "): it is not the journal that was backed up; nothing is shipped");
    }
    PB_RETURN_IF_ERROR(st);
    if (snap_seq > 0 && snap_hash && tail_.point().hash != *snap_hash) {
      return Status::Corruption("the repository's newest snapshot of " + options_.data_dir + " (" +
                                snap_id.substr(0, 8) + ") holds another record " + std::to_string(snap_seq) +
                                " than this journal: it is not the journal that was backed up; nothing is shipped");
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  status_.shipped_seq = std::max(wal_seq, snap_seq);
  spdlog::info("replicate {}: resuming after seq {} (wal objects: {}, newest snapshot at seq {})", options_.data_dir,
               status_.shipped_seq, names->size(), snap_seq);
  return Status::Ok();
}

Status Replicator::ShipDue(bool final, bool* contacted) {
  for (;;) {
    auto batch = tail_.Peek(kMaxWalObjectBytes);
    if (!batch.ok()) return batch.status();
    const int64_t now = NowMillis();
    {
      std::lock_guard<std::mutex> lock(mu_);
      status_.journal_seq = std::max(tail_.point().seq, batch->last_seq);
      status_.lag_ms = batch->records.empty() ? 0 : std::max<int64_t>(0, now - batch->first_ts_ms);
    }
    if (batch->records.empty()) return Status::Ok();
    if (!final && now - batch->first_ts_ms < ShipDelay(options_.interval).count()) return Status::Ok();
    batch->host = host_;
    batch->data_dir = options_.data_dir;
    const std::string name = repo::WalObjectName(stream_, batch->first_seq, batch->last_seq);
    PB_RETURN_IF_ERROR(repo_->backend().Write(repo::PathOf(repo::kWalFolder, name),
                                              repo::EncodeWalObject(repo_->key(), *batch)));
    tail_.Advance(*batch);
    *contacted = true;
    std::lock_guard<std::mutex> lock(mu_);
    status_.shipped_seq = batch->last_seq;
    status_.last_success_ms = status_.last_contact_ms = NowMillis();
    const int64_t window = batch->last_ts_ms / repo::WalWindowMs(1);
    if (window != shipped_window_) {  // a level-1 window closed: the compaction may merge it
      shipped_window_ = window;
      compact_due_ = true;
      cv_.notify_all();
    }
  }
}

void Replicator::Poll(bool final) {
  Status st = Status::Ok();
  bool contacted = false;
  if (!resumed_) {
    if (NowMillis() - last_resume_ms_ < options_.interval.count()) return;  // listing is not free: once per interval
    last_resume_ms_ = NowMillis();
    st = Resume();
    resumed_ = st.ok();
    contacted = st.ok();
  }
  if (resumed_) st = ShipDue(final, &contacted);
  const int64_t now = NowMillis();
  if (st.ok() && !contacted) {
    int64_t last_contact;
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_contact = status_.last_contact_ms;
    }
    if (now - last_contact >= options_.interval.count()) {
      auto probe = repo_->backend().Size("config");  // is the repository still there?
      st = probe.ok() ? Status::Ok() : probe.status();
      contacted = probe.ok();
    }
  }
  if (!st.ok()) {
    RecordError(st);
  } else {
    std::lock_guard<std::mutex> lock(mu_);
    if (contacted) status_.last_contact_ms = now;
    status_.last_error.clear();
  }
  std::lock_guard<std::mutex> lock(mu_);
  // Healthy: the last attempt succeeded and the repository answered within
  // 3 intervals; anything else for longer than 3 intervals is a stall.
  const bool good = status_.last_error.empty() && now - status_.last_contact_ms <= 3 * options_.interval.count();
  if (good) {
    status_.state = "ok";
  } else if (now - std::max(status_.last_contact_ms, status_.last_success_ms) > 3 * options_.interval.count()) {
    status_.state = "stalled";
  }
}

void Replicator::Publish(bool force) {
  ReplicationStatus s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t now = NowMillis();
    if (!force && status_.state == last_published_state_ && now - last_published_ms_ < 1000) return;
    status_.updated_ms = now;
    last_published_ms_ = now;
    last_published_state_ = status_.state;
    s = status_;
  }
  Status st = WriteStatusFile(options_.data_dir, s);
  if (!st.ok()) spdlog::warn("replicate: cannot write the status file: {}", st.ToString());
}

void Replicator::ShipLoop() {
  Poll(false);
  Publish(true);
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, PollPeriod(options_.interval), [this] { return stopping_; })) break;
    }
    Poll(false);
    Publish(false);
  }
  Poll(true);  // ship what remains
  {
    std::lock_guard<std::mutex> lock(mu_);
    status_.state = "stopped";
  }
  Publish(true);
}

Status Replicator::CompactOnce() {
  auto lock = repo::RepoLock::Acquire(repo_.get(), repo::LockMode::kAppend, "replicate compaction");
  if (!lock.ok()) return lock.status();
  auto report = repo::CompactWalStream(repo_.get(), stream_, CheckShippedRecords, [this] {
    std::lock_guard<std::mutex> guard(mu_);
    return stopping_;
  });
  if (!report.ok()) return report.status();
  if (report->merged_objects + report->removed_objects > 0) {
    spdlog::info("replicate {}: compaction wrote {} merged object(s) ({} records) and removed {}", options_.data_dir,
                 report->merged_objects, report->records, report->removed_objects);
  }
  if (report->problems.empty()) return Status::Ok();
  return Status::Corruption(report->problems.front() +
                            (report->problems.size() > 1
                                 ? " (and " + std::to_string(report->problems.size() - 1) + " more)"
                                 : std::string()) +
                            "; run `paymentsctl check`");
}

void Replicator::CompactLoop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || compact_due_; });
      if (stopping_) return;
      compact_due_ = false;
    }
    Status st = CompactOnce();
    if (!st.ok()) spdlog::warn("replicate {}: compaction: {}", options_.data_dir, st.ToString());
    std::lock_guard<std::mutex> lock(mu_);
    if (st.ok()) status_.last_compaction_ms = NowMillis();
    status_.last_compaction_error = st.ok() ? "" : st.ToString();
  }
}

Status Replicator::TakeSnapshot() {
  auto lock = repo::RepoLock::Acquire(repo_.get(), repo::LockMode::kAppend, "replicate snapshot");
  if (!lock.ok()) return lock.status();
  PB_RETURN_IF_ERROR(repo_->LoadIndex());
  backup::BackupOptions options;
  options.data_dir = options_.data_dir;
  options.tags = {"replicate"};
  options.workers = 1;  // beside the service: leave the other cores to it
  auto result = backup::RunBackup(repo_.get(), options, {});
  if (!result.ok()) return result.status();
  std::lock_guard<std::mutex> guard(mu_);
  status_.last_snapshot_id = result->snapshot_id;
  status_.last_snapshot_ms = result->snapshot.time_ms;
  status_.last_snapshot_error.clear();
  spdlog::info("replicate {}: snapshot {} through seq {}", options_.data_dir, result->snapshot_id.substr(0, 8),
               result->snapshot.ledger ? result->snapshot.ledger->seq : 0);
  return Status::Ok();
}

void Replicator::SnapshotLoop() {
  const milliseconds retry = std::min<milliseconds>(options_.snapshot_every, std::chrono::seconds(30));
  for (;;) {
    uint64_t seq = 0;
    int64_t time_ms = 0;
    std::string id;
    Status st = NewestSnapshot(&seq, &time_ms, &id, nullptr);
    milliseconds wait = retry;
    if (st.ok()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        status_.last_snapshot_id = id;
        status_.last_snapshot_ms = time_ms;
      }
      const int64_t due = time_ms == 0 ? 0 : time_ms + options_.snapshot_every.count();
      wait = milliseconds(std::max<int64_t>(0, due - NowMillis()));
    }
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, wait, [this] { return stopping_; })) return;
    }
    if (!st.ok()) continue;
    st = TakeSnapshot();
    if (!st.ok()) {
      spdlog::error("replicate {}: snapshot failed: {}", options_.data_dir, st.ToString());
      {
        std::lock_guard<std::mutex> lock(mu_);
        status_.last_snapshot_error = st.ToString();
      }
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, retry, [this] { return stopping_; })) return;
    }
  }
}

}  // namespace pb::replicate
