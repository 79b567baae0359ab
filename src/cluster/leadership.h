// cluster/: a primary's leadership through etcd (docs/cluster.md,
// "Leadership"). A thread campaigns for the key <prefix>/leader with a
// lease of --lease-ttl, then renews the lease every third of it. The node
// leads while it holds the key and its lease cannot yet have run out in
// etcd: the lease is counted from when each grant or renewal was sent, less
// a margin, so this node stops leading before etcd can let anyone else.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/etcd_client.h"
#include "common/status.h"

namespace pb::cluster {

struct LeadershipOptions {
  std::vector<std::string> etcd;  // endpoints, http://HOST:PORT
  std::string prefix;             // /payments/<--cluster-name>
  std::string node;               // this node's --node-name (the key's value)
  std::chrono::milliseconds ttl{10000};
};

struct LeadershipView {
  bool leading = false;     // holds the key, lease certainly valid
  int64_t term = 0;         // the key's create revision while leading
  std::string leader;       // who holds the key, as last read ("" unknown)
  std::string error;        // the last etcd failure, "" after a success
};

// Thread-safe.
class Leadership {
 public:
  explicit Leadership(LeadershipOptions options);
  ~Leadership();  // Stop()
  Leadership(const Leadership&) = delete;
  Leadership& operator=(const Leadership&) = delete;

  void Start();
  // Stops campaigning; a leader revokes its lease, so a standby may take
  // over without waiting for the TTL.
  void Stop();
  LeadershipView view() const;
  // Ok while leading; else Unavailable naming the leader, or the etcd
  // failure, and what to do.
  Status Leads() const;

 private:
  void Loop();
  // REQUIRES: not leading. Grants a lease and tries to create the key.
  void Campaign();
  // REQUIRES: leading. Renews the lease, or lets leadership go.
  void Renew();
  std::chrono::milliseconds margin() const;

  const LeadershipOptions options_;
  EtcdClient etcd_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;  // stopping
  bool holds_key_ = false;      // guarded by mu_
  int64_t lease_ = 0;           // guarded by mu_
  std::chrono::steady_clock::time_point valid_until_;  // guarded by mu_
  LeadershipView view_;         // guarded by mu_ (leading is derived)
};

}  // namespace pb::cluster
