#include "restore/blob_fetcher.h"

#include <algorithm>

#include "common/sha256.h"

namespace pb::restore {
namespace {

constexpr size_t kMaxQueuedJobs = 64;
// A worker takes queued blobs that follow each other in one pack as a run,
// read with one request (Repository::ReadBlobRun): at most this many blobs,
// this many stored bytes, and this many unneeded bytes between two of them.
constexpr size_t kMaxRunBlobs = 16;
constexpr uint64_t kMaxRunBytes = uint64_t{8} << 20;
constexpr uint64_t kMaxRunGap = uint64_t{256} << 10;

// Hands the blob read for `job` (or why it could not be read) to its file.
void Place(const BlobJob& job, Result<repo::PooledBuffer> data) {
  if (data.ok() && data->size() != job.length) {
    // Writing it anyway would leave zeros or overwrite the next chunk.
    data = Status::Corruption("blob " + ToHex(job.id).substr(0, 16) + " holds " + std::to_string(data->size()) +
                              " bytes but the tree gives it " + std::to_string(job.length) +
                              " (a damaged or crafted snapshot)");
  }
  job.file->Place(job.offset, std::move(data));
}

}  // namespace

int BlobFetcher::WorkerCount(repo::Repository* repo, int workers) {
  if (workers > 0) return workers;
  return std::max({1, static_cast<int>(std::thread::hardware_concurrency()), repo->backend().PreferredReaders()});
}

BlobFetcher::BlobFetcher(repo::Repository* repo, int workers)
    : repo_(repo),
      // Each worker holds a run's stored bytes and the blob it decodes, and
      // its file's writer queues up to kMaxQueuedWrites more.
      pool_(static_cast<size_t>(WorkerCount(repo, workers)) * (2 + kMaxQueuedWrites)) {
  workers = WorkerCount(repo, workers);
  for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { Work(); });
}

BlobFetcher::~BlobFetcher() { Finish(); }

void BlobFetcher::Add(BlobJob job) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return jobs_.size() < kMaxQueuedJobs; });
  jobs_.push_back(std::move(job));
  lock.unlock();
  cv_.notify_all();
}

void BlobFetcher::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void BlobFetcher::TakeRun(std::vector<BlobJob>* run) {
  run->push_back(std::move(jobs_.front()));
  jobs_.pop_front();
  const repo::BlobLocation* first = repo_->index().Find(run->front().id);
  if (!first) return;
  uint64_t end = first->offset + first->length;
  while (run->size() < kMaxRunBlobs && !jobs_.empty()) {
    const repo::BlobLocation* next = repo_->index().Find(jobs_.front().id);
    if (!next || next->pack != first->pack || next->offset < end || next->offset > end + kMaxRunGap ||
        next->offset + next->length - first->offset > kMaxRunBytes) {
      break;
    }
    end = next->offset + next->length;
    run->push_back(std::move(jobs_.front()));
    jobs_.pop_front();
  }
}

void BlobFetcher::Work() {
  for (;;) {
    std::vector<BlobJob> run;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return closing_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      TakeRun(&run);
    }
    cv_.notify_all();
    std::vector<Digest> ids;
    ids.reserve(run.size());
    for (const BlobJob& job : run) ids.push_back(job.id);
    repo_->ReadBlobRun(ids, &pool_,
                       [&run](size_t i, Result<repo::PooledBuffer> blob) { Place(run[i], std::move(blob)); });
  }
}

}  // namespace pb::restore
