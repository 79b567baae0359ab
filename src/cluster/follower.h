// cluster/: the standby's end of the stream (docs/cluster.md). A thread
// connects to the primary, says where this journal ends, and hands each
// record it receives to the ledger's owner thread (Ledger::Follow checks and
// appends it); this node's group commit then makes it durable and the
// follower acknowledges it. It is also the standby's CommitGate: every write
// is refused with the primary's address, and answers go out once durable
// here. After a disconnection it reconnects; after a record that fails its
// checks, or a refusal, it stops following and says why.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "cluster/line_socket.h"
#include "cluster/protocol.h"
#include "ledger/record.h"
#include "server/commit_gate.h"

namespace pb::cluster {

struct FollowerOptions {
  std::string host;  // the primary's --replication-listen
  uint16_t port = 0;
  std::string node;   // this standby's --node-name
  std::string token;  // PAYMENTS_REPLICATION_TOKEN, or ""
};

// What the follower is doing, for /health and logs.
struct FollowerStatus {
  bool connected = false;
  std::string primary;     // the primary's node name, once it answered
  uint64_t primary_durable_seq = 0;  // as it said when this stream began
  std::string stopped;     // why it stopped following for good ("" while it follows)
};

// The ledger's side, run on its owner thread: where its journal ends, and
// appending one record line (Ledger::Follow).
struct FollowerLedger {
  std::function<void(std::function<void()>)> run_on_owner;  // runs the job on the ledger's owner thread
  std::function<ledger::ChainPoint()> last_point;
  std::function<Status(std::string_view line)> follow;
};

class Follower : public server::CommitGate {
 public:
  Follower(FollowerOptions options, FollowerLedger ledger);
  ~Follower() override;  // Stop()
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  // REQUIRES: on the ledger's owner thread, before it serves.
  void Start();
  void Stop();
  FollowerStatus status() const;

  // CommitGate: a standby refuses every change, and answers reads once what
  // they show is durable here.
  void SetRelease(std::function<void(uint64_t seq)> release) override { release_ = std::move(release); }
  void LocalDurable(uint64_t seq) override;
  Status AcceptsWrites() override;
  std::chrono::milliseconds timeout() const override { return std::chrono::milliseconds(60000); }
  // {"role":"standby","primary":"HOST:PORT","connected","primary_node",
  // "primary_durable_seq","stopped"}; healthy while connected.
  std::string HealthJson() const override;
  bool Healthy() const override { return status().connected; }
  bool IsStandby() const override { return true; }

 private:
  void Loop();
  // One connection, until it ends; Ok when it should be retried, else why
  // following stops for good.
  Status FollowOnce();
  // Sends "ACK <durable seq>" on `socket` whenever LocalDurable advanced,
  // until *done; shuts the socket down when a send fails.
  void AckLoop(LineSocket* socket, const std::atomic<bool>* done);
  // Runs `job` on the ledger's owner thread and waits for its result;
  // nullopt when the follower stops first.
  template <typename T>
  std::optional<T> OnOwner(std::function<T()> job);

  const FollowerOptions options_;
  const FollowerLedger ledger_;
  std::function<void(uint64_t)> release_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  std::condition_variable ack_cv_;  // durable_ advanced
  uint64_t durable_ = 0;            // guarded by mu_: the last seq durable here (sent as ACK on each stream)
  LineSocket* socket_ = nullptr;  // guarded by mu_: the open connection (Stop shuts it down)
  FollowerStatus status_;         // guarded by mu_
  uint64_t failed_connects_ = 0;  // in a row, for logging the 1st, 2nd, 4th, 8th...
  uint64_t refused_busy_ = 0;     // the same, for "busy" refusals
};

}  // namespace pb::cluster
