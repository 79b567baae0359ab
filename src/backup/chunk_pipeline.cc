#include "backup/chunk_pipeline.h"

#include "common/file_util.h"

namespace pb::backup {

ChunkPipeline::ChunkPipeline(repo::BlobWriter* writer, const repo::MasterKey* key, int workers, size_t max_buffers)
    : writer_(writer), key_(key), max_buffers_(max_buffers), pool_(max_buffers) {
  for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { Work(); });
}

ChunkPipeline::~ChunkPipeline() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

repo::PooledBuffer ChunkPipeline::TakeBuffer(size_t size) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [this] { return buffers_out_ < max_buffers_; });
    ++buffers_out_;
  }
  return pool_.Acquire(size);
}

void ChunkPipeline::GiveBack(repo::PooledBuffer buffer) {
  buffer = repo::PooledBuffer();  // back to the pool before it counts as returned
  {
    std::lock_guard<std::mutex> lock(mu_);
    --buffers_out_;
  }
  done_cv_.notify_all();
}

Status ChunkPipeline::Submit(repo::PooledBuffer data, repo::ContentEntry* slot) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!error_.ok()) {
      --buffers_out_;
      return error_;
    }
    jobs_.push_back(Job{std::move(data), slot});
  }
  work_cv_.notify_one();
  return Status::Ok();
}

Status ChunkPipeline::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [this] { return jobs_.empty() && running_ == 0; });
  return error_;
}

void ChunkPipeline::Work() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      ++running_;
    }
    Status st;
    const std::string_view data = job.data.view();
    if (IsAllZero(data)) {
      job.slot->hole = true;
    } else {
      job.slot->blob = repo::BlobId(*key_, data);
      auto stored = writer_->Store(job.slot->blob, repo::BlobType::kData, data);
      if (!stored.ok()) st = stored.status();
    }
    job.data = repo::PooledBuffer();  // back to the pool before it counts as returned
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!st.ok() && error_.ok()) error_ = st;
      --buffers_out_;
      --running_;
    }
    done_cv_.notify_all();
  }
}

}  // namespace pb::backup
