#include "ledger/group_commit.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "common/file_util.h"
#include "ledger/mirror.h"

namespace pb::ledger {

struct GroupCommitter::Pending {
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  std::string journal, events, registry, access;
  std::vector<std::pair<uint64_t, std::function<void()>>> tasks;
  bool empty() const { return journal.empty() && access.empty() && tasks.empty(); }
};

GroupCommitter::GroupCommitter() = default;
GroupCommitter::~GroupCommitter() { Stop(); }

Status GroupCommitter::Start(const std::string& data_dir, uint64_t durable_seq, Callbacks callbacks) {
  data_dir_ = data_dir;
  durable_seq_ = durable_seq;
  callbacks_ = std::move(callbacks);
  PB_RETURN_IF_ERROR(writer_.Open(data_dir + "/journal", durable_seq + 1));
  PB_RETURN_IF_ERROR(MakeDirs(data_dir + "/audit"));
  for (auto [fd, name] : {std::pair{&events_fd_, kLedgerEventsLog}, std::pair{&registry_fd_, kRegistryLog},
                          std::pair{&access_fd_, "audit/payments-audit.log"}}) {
    std::string path = data_dir + "/" + name;
    *fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
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

void GroupCommitter::RunAfter(uint64_t seq, std::function<void()> task) {
  std::lock_guard lock(mu_);
  pending_->tasks.emplace_back(seq, std::move(task));
  cv_.notify_one();
}

Status GroupCommitter::WriteBatch(Pending& batch) {
  if (!batch.journal.empty()) {
    PB_RETURN_IF_ERROR(writer_.AppendDurably(batch.first_seq, batch.journal));
    durable_seq_ = batch.last_seq;
    callbacks_.on_durable(durable_seq_);
  }
  // Mirrors are best effort: a lost line is re-derived from the journal at start-up.
  (void)WriteAll(events_fd_, batch.events, kLedgerEventsLog);
  (void)WriteAll(registry_fd_, batch.registry, kRegistryLog);
  (void)WriteAll(access_fd_, batch.access, "audit/payments-audit.log");
  return Status::Ok();
}

void GroupCommitter::Loop() {
  std::vector<std::pair<uint64_t, std::function<void()>>> waiting;
  for (;;) {
    auto batch = std::make_unique<Pending>();
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !pending_->empty(); });
      if (pending_->empty() && stopping_) break;
      std::swap(batch, pending_);
    }
    for (auto& t : batch->tasks) waiting.push_back(std::move(t));
    if (!failed_) {
      Status st = WriteBatch(*batch);
      if (!st.ok()) {
        failed_ = true;
        callbacks_.on_failure(st);
      }
    }
    // Tasks whose records are durable run after the mirrors are fsynced.
    bool due = false;
    for (auto& [seq, task] : waiting) due |= seq <= durable_seq_;
    if (due && !failed_) {
      ::fdatasync(events_fd_);
      ::fdatasync(registry_fd_);
      std::erase_if(waiting, [&](auto& t) {
        if (t.first > durable_seq_) return false;
        t.second();
        return true;
      });
    }
  }
  for (int fd : {events_fd_, registry_fd_, access_fd_}) {
    if (fd < 0) continue;
    ::fdatasync(fd);
    ::close(fd);
  }
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
