#include "cluster/sync_gate.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "cluster/leadership.h"
#include "common/json_text.h"

namespace pb::cluster {

void SyncGate::SetRelease(std::function<void(uint64_t seq)> release) {
  std::lock_guard<std::mutex> lock(mu_);
  release_ = std::move(release);
}

void SyncGate::LocalDurable(uint64_t seq) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    local_ = std::max(local_, seq);
    MaybeRelease();
  }
  local_cv_.notify_all();
}

uint64_t SyncGate::WaitLocalBeyond(uint64_t seq, std::chrono::milliseconds max) {
  std::unique_lock<std::mutex> lock(mu_);
  local_cv_.wait_for(lock, max, [&] { return local_ > seq; });
  return local_;
}

Status SyncGate::WritesOpen() const {
  if (leadership_ != nullptr) PB_RETURN_IF_ERROR(leadership_->Leads());
  if (required_ == 0) return Status::Ok();
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  int in_step = 0;
  for (const auto& [node, s] : standbys_) {
    if (s.connected && (s.acked >= local_ || now - s.progressed <= timeout_)) ++in_step;
  }
  if (in_step >= required_) return Status::Ok();
  return Status::Unavailable("no synchronous standby: " + std::to_string(in_step) + " of the " +
                             std::to_string(required_) +
                             " standby(s) --sync-standbys requires are connected and in step, so a change would "
                             "be held by this node alone; writes are refused until a standby catches up (see "
                             "/health and docs/cluster.md)");
}

void SyncGate::Connected(const std::string& node) {
  std::lock_guard<std::mutex> lock(mu_);
  Standby& s = standbys_[node];
  s.connected = true;
  s.progressed = std::chrono::steady_clock::now();
}

void SyncGate::Acked(const std::string& node, uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  Standby& s = standbys_[node];
  if (seq > s.acked) {
    s.acked = seq;
    s.progressed = std::chrono::steady_clock::now();
  }
  MaybeRelease();
}

void SyncGate::Disconnected(const std::string& node) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = standbys_.find(node);
  if (it != standbys_.end()) it->second.connected = false;
}

uint64_t SyncGate::local_durable() const {
  std::lock_guard<std::mutex> lock(mu_);
  return local_;
}

std::string SyncGate::HealthJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  JsonObject o(&out);
  o.Str("role", "primary").Int("sync_standbys", required_);
  if (leadership_ != nullptr) {
    const LeadershipView v = leadership_->view();
    o.Bool("leading", v.leading).Int("term", v.term).Str("leader", v.leader);
    if (!v.error.empty()) o.Str("etcd_error", v.error);
  }
  std::string* list = o.Key("standbys");
  list->push_back('[');
  for (const auto& [node, s] : standbys_) {
    if (list->back() != '[') list->push_back(',');
    JsonObject e(list);
    e.Str("node", node).Bool("connected", s.connected).UInt("acked_seq", s.acked);
    e.UInt("lag", local_ > s.acked ? local_ - s.acked : 0);
    e.Close();
  }
  list->push_back(']');
  o.Close();
  return out;
}

void SyncGate::MaybeRelease() {
  uint64_t releasable = local_;
  if (required_ > 0) {
    std::vector<uint64_t> acks;
    for (const auto& [node, s] : standbys_) acks.push_back(s.acked);
    if (acks.size() < static_cast<size_t>(required_)) return;
    std::nth_element(acks.begin(), acks.begin() + (required_ - 1), acks.end(), std::greater<uint64_t>());
    releasable = std::min(releasable, acks[static_cast<size_t>(required_ - 1)]);
  }
  if (releasable <= released_) return;
  if (leadership_ != nullptr && !leadership_->Leads().ok()) return;
  released_ = releasable;
  if (release_) release_(releasable);
}

}  // namespace pb::cluster
