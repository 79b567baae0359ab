#include "ledger/group_commit.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "common/file_ops.h"
#include "common/file_util.h"
#include "common/log.h"
#include "common/time_util.h"
#include "ledger/mirror.h"

namespace pb::ledger {

struct GroupCommitter::Pending {
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  std::string journal, events, registry, access;
  bool empty() const { return journal.empty() && access.empty(); }
};

GroupCommitter::GroupCommitter() = default;
GroupCommitter::~GroupCommitter() { Stop(); }

Status GroupCommitter::Start(const std::string& data_dir, uint64_t durable_seq, Callbacks callbacks) {
  data_dir_ = data_dir;
  durable_seq_ = durable_seq;
  mirrored_seq_ = durable_seq;
  callbacks_ = std::move(callbacks);
  PB_RETURN_IF_ERROR(writer_.Open(JournalDir(data_dir), durable_seq + 1));
  PB_RETURN_IF_ERROR(MakeDirs(DataPath(data_dir, kAuditDir)));
  for (auto [fd, name] : {std::pair{&events_fd_, kLedgerEventsLog}, std::pair{&registry_fd_, kRegistryLog},
                          std::pair{&access_fd_, kAccessLog}}) {
    std::string path = DataPath(data_dir, name);
    *fd = Fs().Open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (*fd < 0) return Status::FromErrno("open " + path, errno);
  }
  pending_ = std::make_unique<Pending>();
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void GroupCommitter::Enqueue(uint64_t seq, std::string_view line, std::string_view ledger_events,
                             std::string_view registry_log) {
  std::lock_guard lock(mu_);
  if (pending_->journal.empty()) pending_->first_seq = seq;
  pending_->last_seq = seq;
  pending_->journal.append(line);
  pending_->events.append(ledger_events);
  pending_->registry.append(registry_log);
  cv_.notify_one();
}

void GroupCommitter::EnqueueAccessLog(std::string_view lines) {
  std::lock_guard lock(mu_);
  pending_->access.append(lines);
  cv_.notify_one();
}

bool GroupCommitter::WaitMirrored(uint64_t seq) {
  std::unique_lock lock(mu_);
  mirrored_cv_.wait(lock, [&] { return mirrored_seq_ >= seq || failed_.load() || stopped_; });
  return mirrored_seq_ >= seq;
}

Status GroupCommitter::WriteBatch(Pending& batch) {
  if (!batch.journal.empty()) {
    const int64_t started_us = MonotonicMicros();
    PB_RETURN_IF_ERROR(writer_.AppendDurably(batch.first_seq, batch.journal));
    durable_seq_ = batch.last_seq;
    if (observer_ != nullptr) {
      observer_->OnBatchDurable(durable_seq_, batch.last_seq - batch.first_seq + 1, MonotonicMicros() - started_us);
    }
    callbacks_.on_durable(durable_seq_);
  }
  // Mirrors are best effort: a lost line is re-derived from the journal at start-up.
  if (!mirrors_failed_) {
    Status st = WriteAll(events_fd_, batch.events, kLedgerEventsLog);
    if (st.ok()) st = WriteAll(registry_fd_, batch.registry, kRegistryLog);
    if (!st.ok()) SetMirrorsFailed(st);
  }
  (void)WriteAll(access_fd_, batch.access, kAccessLog);
  return Status::Ok();
}

void GroupCommitter::Loop() {
  for (;;) {
    auto batch = std::make_unique<Pending>();
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !pending_->empty(); });
      if (pending_->empty() && stopping_) break;
      std::swap(batch, pending_);
    }
    if (failed_) continue;
    Status st = WriteBatch(*batch);
    std::lock_guard lock(mu_);
    if (!st.ok()) {
      failed_ = true;
      callbacks_.on_failure(st);
    } else {
      mirrored_seq_ = durable_seq_;
    }
    mirrored_cv_.notify_all();
  }
  {
    std::lock_guard sync_lock(mirror_sync_mu_);
    for (int fd : {events_fd_, registry_fd_, access_fd_}) {
      if (fd < 0) continue;
      if (Fs().Fdatasync(fd) != 0 && fd != access_fd_) SetMirrorsFailed(Status::FromErrno("fdatasync a mirror", errno));
      ::close(fd);
    }
  }
  std::lock_guard lock(mu_);
  stopped_ = true;
  mirrored_cv_.notify_all();
}

Status GroupCommitter::SyncMirrorsForCheckpoint() {
  std::lock_guard sync_lock(mirror_sync_mu_);
  if (!mirrors_failed_) {
    Status synced = SyncMirrors(data_dir_);
    if (!synced.ok()) SetMirrorsFailed(synced);
  }
  if (mirrors_failed_) {
    return Status::Unavailable("the readable mirrors may have lost lines; no checkpoint until the service is "
                               "restarted (the restart re-derives them from the journal)");
  }
  return Status::Ok();
}

void GroupCommitter::SetMirrorsFailed(const Status& why) {
  if (mirrors_failed_.exchange(true)) return;
  spdlog::error("mirrors: {}; audit/*.log are no longer appended to and no checkpoint is written until the "
                "service is restarted (the restart re-derives the missing lines from the journal)",
                why.ToString());
}

void GroupCommitter::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
    cv_.notify_one();
  }
  thread_.join();
}

}  // namespace pb::ledger
