// server/: what answering a change waits for besides this node's own
// fdatasync, and whether a change may be accepted at all: a synchronous
// standby (cluster/sync_gate.h), or this node being a standby itself
// (cluster/standby_gate.h). The server asks; it knows nothing of standbys.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"

namespace pb::server {

// Thread-safe.
class CommitGate {
 public:
  virtual ~CommitGate() = default;
  // Where the gate reports the seq through which answers may go out (non-
  // decreasing; from any thread). Called once, before LocalDurable.
  virtual void SetRelease(std::function<void(uint64_t seq)> release) = 0;
  // Every seq this node's group commit made durable (its committer thread).
  virtual void LocalDurable(uint64_t seq) = 0;
  // Ok when a change may be accepted now; else Unavailable saying why and
  // what to do (the client gets 503 and nothing changes).
  virtual Status AcceptsWrites() = 0;
  // How long an answer may wait for release; then it is 503 "unconfirmed".
  virtual std::chrono::milliseconds timeout() const = 0;
  // /health's "cluster" object (this node's role and its peers), and
  // whether /health says "ok" rather than "degraded".
  virtual std::string HealthJson() const = 0;
  virtual bool Healthy() const = 0;
  // True on a standby (every change refused for good), false on a primary.
  virtual bool IsStandby() const = 0;
};

}  // namespace pb::server
