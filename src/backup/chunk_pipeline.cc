#include "backup/chunk_pipeline.h"

#include "common/file_util.h"

namespace pb::backup {

ChunkPipeline::ChunkPipeline(repo::BlobWriter* writer, const repo::MasterKey* key, int workers, size_t max_buffers)
    : writer_(writer), key_(key), max_buffers_(max_buffers) {
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

std::string ChunkPipeline::TakeBuffer() {
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [this] { return buffers_out_ < max_buffers_; });
  ++buffers_out_;
  if (free_.empty()) return std::string();
  std::string b = std::move(free_.back());
  free_.pop_back();
  return b;
}

Status ChunkPipeline::Submit(std::string data, repo::ContentEntry* slot) {
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
    if (IsAllZero(job.data)) {
      job.slot->hole = true;
    } else {
      job.slot->blob = repo::BlobId(*key_, job.data);
      auto stored = writer_->Store(job.slot->blob, repo::BlobType::kData, job.data);
      if (!stored.ok()) st = stored.status();
    }
    job.data.clear();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!st.ok() && error_.ok()) error_ = st;
      free_.push_back(std::move(job.data));
      --buffers_out_;
      --running_;
    }
    done_cv_.notify_all();
  }
}

}  // namespace pb::backup
