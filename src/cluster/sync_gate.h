// cluster/: the primary's side of synchronous commit (docs/cluster.md,
// "Synchronous commit"). The standbys' streams report what each standby
// holds; a change is released (answered) once it is durable here and at
// least `required` standbys acknowledged it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "server/commit_gate.h"

namespace pb::cluster {

class Leadership;

// Thread-safe.
class SyncGate : public server::CommitGate {
 public:
  // `required` standbys (0: answers go out once durable here); every record
  // through `durable_at_open` (the journal as the ledger opened it) counts
  // as released.
  SyncGate(int required, std::chrono::milliseconds timeout, uint64_t durable_at_open)
      : required_(required), timeout_(timeout), local_(durable_at_open), released_(durable_at_open) {}

  // CommitGate.
  void SetRelease(std::function<void(uint64_t seq)> release) override;
  void LocalDurable(uint64_t seq) override;
  // Ok with `required` 0; else Ok while at least `required` standbys are
  // connected and in step: each acknowledged everything durable here, or
  // acknowledged something within the timeout.
  Status AcceptsWrites() override { return WritesOpen(); }
  std::chrono::milliseconds timeout() const override { return timeout_; }
  // {"role":"primary","sync_standbys":N,"standbys":[{"node","connected",
  // "acked_seq","lag"}]}; healthy while writes are accepted.
  std::string HealthJson() const override;
  bool Healthy() const override { return WritesOpen().ok(); }
  bool IsStandby() const override { return false; }

  // With --etcd: `leadership` says whether this node leads. While it does
  // not, no change is accepted and none is released (a waiting answer ends
  // 503 "unconfirmed"), and /health says who leads. Call before serving;
  // `leadership` outlives the gate.
  void SetLeadership(const Leadership* leadership) { leadership_ = leadership; }

  // The standby `node` connected. What it holds counts once it acknowledges
  // it: its hello names what it applied, which may not be durable yet.
  void Connected(const std::string& node);
  // The standby `node` holds every record through `seq` durably.
  void Acked(const std::string& node, uint64_t seq);
  void Disconnected(const std::string& node);

  int required() const { return required_; }
  uint64_t local_durable() const;
  // The local durable seq once it is beyond `seq`, or after `max` (then it
  // may be `seq` or less). For the streams to the standbys.
  uint64_t WaitLocalBeyond(uint64_t seq, std::chrono::milliseconds max);

 private:
  struct Standby {
    bool connected = false;
    uint64_t acked = 0;
    std::chrono::steady_clock::time_point progressed;  // last connection or advancing ack
  };
  Status WritesOpen() const;
  // REQUIRES: mu_ held. Reports the releasable seq when it advanced; the
  // call happens under mu_, so reports never go out of order.
  void MaybeRelease();

  const Leadership* leadership_ = nullptr;
  const int required_;
  const std::chrono::milliseconds timeout_;
  mutable std::mutex mu_;
  std::condition_variable local_cv_;  // local_ advanced
  std::function<void(uint64_t)> release_;  // guarded by mu_
  uint64_t local_ = 0;                     // guarded by mu_
  uint64_t released_ = 0;                  // guarded by mu_
  std::map<std::string, Standby> standbys_;  // guarded by mu_; acks of gone standbys stay valid
};

}  // namespace pb::cluster
