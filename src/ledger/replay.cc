#include "ledger/replay.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace pb::ledger {
namespace {

constexpr size_t kBatchRecords = 256;
constexpr size_t kBatchesAhead = 16;
constexpr size_t kPrefetchAhead = 8;  // records: a few cache misses' worth of work

// Batches of records from the reading thread to the applying one, bounded.
class RecordQueue {
 public:
  // Reader: false when the applier stopped (the batch is dropped).
  bool Push(std::vector<Record> batch) {
    std::unique_lock<std::mutex> lock(mu_);
    space_.wait(lock, [&] { return batches_.size() < kBatchesAhead || stopped_; });
    if (stopped_) return false;
    batches_.push_back(std::move(batch));
    ready_.notify_one();
    return true;
  }
  // Reader: nothing follows.
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    ready_.notify_one();
  }
  // Applier: the next batch; false once the reader closed and all were taken.
  bool Pop(std::vector<Record>* batch) {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait(lock, [&] { return !batches_.empty() || closed_; });
    if (batches_.empty()) return false;
    *batch = std::move(batches_.front());
    batches_.pop_front();
    space_.notify_one();
    return true;
  }
  // Applier: takes no more (a waiting Push returns false).
  void Stop() {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    space_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::deque<std::vector<Record>> batches_;
  bool closed_ = false, stopped_ = false;
};

}  // namespace

Result<ReadResult> ReplayJournal(const std::string& journal_dir, const ChainPoint& start,
                                 const std::function<Status(const Record&)>& apply,
                                 const std::function<void(const Record&)>& prefetch) {
  RecordQueue queue;
  std::optional<Result<ReadResult>> read;
  std::thread reader([&] {
    std::vector<Record> batch;
    batch.reserve(kBatchRecords);
    read.emplace(ReadJournal(journal_dir, start, OnTornTail::kCut, [&](Record& r, std::string_view) {
      batch.push_back(std::move(r));
      if (batch.size() < kBatchRecords) return Status::Ok();
      // The applier stopped at an error of its own, which is the one returned.
      if (!queue.Push(std::exchange(batch, {}))) return Status::Unavailable("replay stopped");
      batch.reserve(kBatchRecords);
      return Status::Ok();
    }));
    // The records before a read error are applied first, as a sequential read would.
    if (!batch.empty()) queue.Push(std::move(batch));
    queue.Close();
  });
  Status applied = Status::Ok();
  std::vector<Record> batch;
  while (applied.ok() && queue.Pop(&batch)) {
    for (size_t i = 0; i < batch.size() && applied.ok(); ++i) {
      if (i + kPrefetchAhead < batch.size()) prefetch(batch[i + kPrefetchAhead]);
      applied = apply(batch[i]);
    }
  }
  queue.Stop();
  reader.join();
  PB_RETURN_IF_ERROR(applied);
  return std::move(*read);
}

}  // namespace pb::ledger
