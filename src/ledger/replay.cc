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

// Records read and checked by the reading thread, with their lines, whose
// hashes the applying thread checks against the chain.
struct Batch {
  std::vector<Record> records;  // [0, size) are this batch's; more are kept for reuse
  std::string lines;            // their lines, one after another, each with its newline
  std::vector<size_t> ends;     // where each line ends in `lines`
  size_t size = 0;

  // Moves `r` in (move-assigning hands the slot's old string buffers back to r).
  void Add(Record& r, std::string_view line) {
    if (size < records.size()) {
      records[size] = std::move(r);
    } else {
      records.push_back(std::move(r));
    }
    lines.append(line);
    ends.push_back(lines.size());
    ++size;
  }
  std::string_view Line(size_t i) const {
    size_t begin = i == 0 ? 0 : ends[i - 1];
    return std::string_view(lines).substr(begin, ends[i] - begin);
  }
  void Clear() {
    lines.clear();
    ends.clear();
    size = 0;
  }
};

// Batches from the reading thread to the applying one, bounded; applied
// batches go back to the reader to be filled again, so records are moved
// into memory (and string buffers) already in use.
class BatchQueue {
 public:
  // Reader: false when the applier stopped (the batch is dropped).
  bool Push(Batch batch) {
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
  bool Pop(Batch* batch) {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait(lock, [&] { return !batches_.empty() || closed_; });
    if (batches_.empty()) return false;
    *batch = std::move(batches_.front());
    batches_.pop_front();
    space_.notify_one();
    return true;
  }
  // Applier: a batch it has applied, for the reader to refill.
  void Recycle(Batch batch) {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.size() < kBatchesAhead) free_.push_back(std::move(batch));
  }
  // Reader: an applied batch, cleared, or a new one.
  Batch Reusable() {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.empty()) return {};
    Batch batch = std::move(free_.back());
    free_.pop_back();
    batch.Clear();
    return batch;
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
  std::deque<Batch> batches_;
  std::vector<Batch> free_;
  bool closed_ = false, stopped_ = false;
};

// Whether `line` ("<hash hex> <body>\n") states the hash that follows
// *chain; advances *chain when it does.
bool Chains(std::string_view line, Digest* chain) {
  Digest next = ChainHash(*chain, line.substr(65, line.size() - 66));
  if (!HexEquals(next, line.substr(0, 64))) return false;
  *chain = next;
  return true;
}

}  // namespace

Result<ReadResult> ReplayJournal(const std::string& journal_dir, const ChainPoint& start,
                                 const std::function<Status(const Record&)>& apply,
                                 const std::function<void(const Record&)>& prefetch) {
  BatchQueue queue;
  std::optional<Result<ReadResult>> read;
  // The reader checks lines and decodes records; their hashes are checked
  // here, on the applying thread, which has the time for them.
  std::thread reader([&] {
    Batch batch;
    read.emplace(ReadJournal(journal_dir, start, OnTornTail::kReport, [&](Record& r, std::string_view line) {
      batch.Add(r, line);
      if (batch.size < kBatchRecords) return Status::Ok();
      // The applier stopped at an error of its own, which is the one returned.
      if (!queue.Push(std::exchange(batch, queue.Reusable()))) return Status::Unavailable("replay stopped");
      return Status::Ok();
    }, ChainCheck::kByCaller));
    // The records before a read error are applied first, as a sequential read would.
    if (batch.size > 0) queue.Push(std::move(batch));
    queue.Close();
  });
  Status applied = Status::Ok();
  bool chained = true;
  Digest chain = start.hash;
  Batch batch;
  while (applied.ok() && chained && queue.Pop(&batch)) {
    for (size_t i = 0; i < batch.size && applied.ok() && chained; ++i) {
      if (i + kPrefetchAhead < batch.size) prefetch(batch.records[i + kPrefetchAhead]);
      chained = Chains(batch.Line(i), &chain);
      if (chained) applied = apply(batch.records[i]);
    }
    queue.Recycle(std::move(batch));
  }
  queue.Stop();
  reader.join();
  PB_RETURN_IF_ERROR(applied);
  if (!chained) {
    // A line breaks the chain: read again, checking it in order, for the
    // error a sequential read gives (the file and the line's byte offset).
    auto again = ReadJournal(journal_dir, start, OnTornTail::kReport, [](Record&, std::string_view) {
      return Status::Ok();
    });
    if (!again.ok()) return again.status();
    return Status::Corruption(journal_dir + ": a record's hash does not follow the chain, but not when read again "
                              "(was the journal changed while the service started?)");
  }
  if (!read->ok()) return read->status();
  ReadResult result = std::move(read->value());
  result.end.hash = chain;
  // Cut only now: with every record before it applied, nothing else is wrong.
  if (result.torn) PB_RETURN_IF_ERROR(CutTornTail(result.tail));
  return result;
}

}  // namespace pb::ledger
