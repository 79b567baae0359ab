// restore/: fetching the blobs of the restored files from the repository
// (like restic's filerestorer.go). Worker threads take the queued blobs in
// order; blobs queued one after the other that follow each other in one pack
// are read as a run, with one request (Repository::ReadBlobRun). Each blob is
// checked to hold the length its tree gives, then handed to its file
// (restore/file_writer.h), which writes it. Blobs are decoded into buffers
// of the fetcher's pool, sized by this pipeline, so nothing is zeroed and
// memory is reused rather than faulted in afresh for each blob.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "repo/repository.h"
#include "restore/file_writer.h"

namespace pb::restore {

// One blob of a restored file.
struct BlobJob {
  std::shared_ptr<RestoredFile> file;
  Digest id{};
  uint64_t offset = 0;  // where it goes in the file
  uint64_t length = 0;  // the tree's content length: the blob must hold exactly this
};

// Not copyable. REQUIRES: the repository's index is loaded, and outlives
// the fetcher with every file queued.
class BlobFetcher {
 public:
  // Starts `workers` threads; 0 means one per CPU, or the backend's
  // PreferredReaders when that is more.
  BlobFetcher(repo::Repository* repo, int workers);
  ~BlobFetcher();  // Finish()
  BlobFetcher(const BlobFetcher&) = delete;
  BlobFetcher& operator=(const BlobFetcher&) = delete;

  // Queues `job`; waits while 64 jobs are queued. Called from one thread.
  void Add(BlobJob job);
  // Lets the workers fetch what is queued, then stops them: when it returns,
  // every job has been handed to its file (RestoredFile::Place).
  void Finish();

 private:
  // `workers`, or the default the constructor documents for 0.
  static int WorkerCount(repo::Repository* repo, int workers);
  void Work();
  // REQUIRES: mu_ held, jobs_ not empty. Moves the front job, and the jobs
  // after it that continue its run in the same pack, into *run.
  void TakeRun(std::vector<BlobJob>* run);

  repo::Repository* repo_;
  repo::BufferPool pool_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<BlobJob> jobs_;  // guarded by mu_
  bool closing_ = false;      // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace pb::restore
