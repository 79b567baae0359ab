// backup/: the worker threads of a backup. The reading thread cuts chunks
// and submits them; workers recognise all-zero chunks (stored as holes),
// compute blob ids and store new blobs. Memory is bounded by the number of
// chunk buffers in flight; they come from a pool (repo/buffer_pool.h), so
// the reader fills them directly and nothing is zeroed or faulted in twice.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"
#include "repo/blob_writer.h"
#include "repo/buffer_pool.h"
#include "repo/tree.h"

namespace pb::backup {

class ChunkPipeline {
 public:
  // Starts `workers` threads. At most `max_buffers` chunk buffers exist at
  // any time (each up to the chunker's maximum size).
  ChunkPipeline(repo::BlobWriter* writer, const repo::MasterKey* key, int workers, size_t max_buffers);
  // Stops the workers; queued chunks not yet stored are dropped.
  ~ChunkPipeline();
  ChunkPipeline(const ChunkPipeline&) = delete;
  ChunkPipeline& operator=(const ChunkPipeline&) = delete;

  // `size` uninitialized bytes for the next chunk (recycled storage when a
  // buffer that large was given back). Blocks while max_buffers are in use.
  repo::PooledBuffer TakeBuffer(size_t size);
  // Returns a buffer taken and not submitted (every taken buffer is either
  // submitted or given back, or TakeBuffer eventually blocks for ever).
  void GiveBack(repo::PooledBuffer buffer);

  // Queues one whole chunk. A worker sets slot->hole (all zeros) or
  // slot->blob (its id, stored if new). REQUIRES: slot->length ==
  // data.size() and *slot stays valid until Drain. Returns the first error a
  // worker met so far (the chunk is then dropped).
  Status Submit(repo::PooledBuffer data, repo::ContentEntry* slot);

  // Waits until every submitted chunk is done; the first error, if any.
  Status Drain();

 private:
  struct Job {
    repo::PooledBuffer data;
    repo::ContentEntry* slot;
  };
  void Work();

  repo::BlobWriter* writer_;
  const repo::MasterKey* key_;
  size_t max_buffers_;
  repo::BufferPool pool_;  // before jobs_: outlives the buffers they hold
  std::mutex mu_;
  std::condition_variable work_cv_;  // jobs queued or stopping
  std::condition_variable done_cv_;  // a job finished or a buffer came back
  std::deque<Job> jobs_;
  size_t buffers_out_ = 0;  // taken and not yet returned
  size_t running_ = 0;
  bool stopping_ = false;
  Status error_;
  std::vector<std::thread> threads_;
};

}  // namespace pb::backup
