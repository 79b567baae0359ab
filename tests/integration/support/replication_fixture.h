// The fixture of the replication tests (ctest -R replicate): a repository to
// replicate to (ReplicationTarget: a local directory here; an S3 endpoint
// fixture returns its s3:// string and AWS_* variables instead), credit load
// from client threads that records when each credit was acknowledged, and
// bounded runs of paymentsctl and payments-backend against the target.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/child_runner.h"
#include "support/test_support.h"

namespace pb::integration {

// Where to replicate to and what a child needs in its environment for it
// ("NAME=value"; the repository password included).
struct ReplicationTarget {
  std::string repo;
  std::vector<std::string> env;
};

// A new, empty local repository directory under `dir` (not initialised).
ReplicationTarget LocalReplicationTarget(const TempDir& dir);

// One acknowledged credit: a 2xx answer and the wall time it arrived (ms).
struct Ack {
  std::string workload_id;
  int64_t ack_ms = 0;
};

// Client threads posting credits of "0.000001" to `orchestrator` (already
// registered), ids "<prefix>-<thread>-<n>", until Stop(), at most
// `max_duration`. Errors (a killed server) end a thread quietly.
class AckedCredits {
 public:
  AckedCredits(uint16_t port, std::string orchestrator, std::string prefix, int threads,
             std::chrono::milliseconds max_duration);
  ~AckedCredits();  // Stop()
  AckedCredits(const AckedCredits&) = delete;
  AckedCredits& operator=(const AckedCredits&) = delete;

  void Stop();
  std::vector<Ack> acks() const;
  size_t count() const;

 private:
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<Ack> acks_;
  std::vector<std::thread> threads_;
};

// The workload ids of the credits in DATA/journal (the source of truth).
std::set<std::string> WorkloadIds(const std::string& data_dir);

// bench-journal-gen of `workloads` credits into `data_dir` (appended to its
// journal when `append`) with `extra` arguments (e.g. --ts-ms); returns the
// last seq written, 0 (and a test failure) on error.
uint64_t GenerateJournal(const std::string& data_dir, int workloads, bool append,
                         const std::vector<std::string>& extra = {});

class ReplicateTest : public ::testing::Test {
 protected:
  void SetUp() override;
  // The repository the test replicates to, made (not initialised) by SetUp.
  // Default: LocalReplicationTarget(dir_).
  virtual ReplicationTarget MakeTarget();

  // paymentsctl <args...> --repo <target> with the target's environment.
  ChildResult Ctl(std::vector<std::string> args, std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
  // paymentsctl replicate --data-dir DIR --repo <target> <extra...>, running.
  std::unique_ptr<Child> StartReplicator(const std::string& data_dir, std::vector<std::string> extra = {}) const;
  // paymentsctl replicate --status --json --data-dir DIR.
  ChildResult ReplicateStatus(const std::string& data_dir) const;
  // Polls --status (every 50 ms, at most 20 s) until the replicator reports
  // `seq` shipped; a test failure otherwise.
  void WaitShipped(const std::string& data_dir, uint64_t seq) const;
  // Polls --status (every 50 ms, at most `budget`) until its JSON has
  // "state":"<state>"; returns the last output.
  ChildResult WaitForState(const std::string& data_dir, const std::string& state,
                           std::chrono::milliseconds budget = std::chrono::seconds(10)) const;
  // payments-backend on DATA with `extra_args`, the target's environment.
  std::unique_ptr<BackendProcess> StartBackend(const std::string& data_dir, std::vector<std::string> extra_args = {}) const;
  // Registers `orchestrator` through the API.
  void Register(uint16_t port, const std::string& orchestrator) const;
  // Waits (at most 10 s) for the replicator's first snapshot in the
  // repository, a local one; fails the test when none came.
  void WaitForFirstSnapshot() const;
  // payments-backend on `data` with orch-1 registered, and `paymentsctl
  // replicate --interval 200ms` beside it, once that has shipped and taken
  // its first snapshot (in a local repository).
  struct Replicating {
    std::unique_ptr<BackendProcess> backend;
    std::unique_ptr<Child> replicator;
  };
  void StartReplicating(const std::string& data, Replicating* out) const;

  ChildOptions Env() const;

  TempDir dir_;
  ReplicationTarget target_;
};

}  // namespace pb::integration
