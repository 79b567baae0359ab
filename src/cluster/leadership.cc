#include "cluster/leadership.h"

#include <algorithm>

#include "common/log.h"

namespace pb::cluster {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

}  // namespace

Leadership::Leadership(LeadershipOptions options)
    : options_(std::move(options)),
      // Each try, over every endpoint in turn, takes at most TTL/6.
      etcd_(options_.etcd, options_.ttl / (6 * std::max<int64_t>(1, static_cast<int64_t>(options_.etcd.size())))) {}

Leadership::~Leadership() { Stop(); }

void Leadership::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Leadership::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

milliseconds Leadership::margin() const { return std::max(milliseconds(200), options_.ttl / 10); }

LeadershipView Leadership::view() const {
  std::lock_guard<std::mutex> lock(mu_);
  LeadershipView v = view_;
  v.leading = holds_key_ && Clock::now() < valid_until_;
  if (!v.leading) v.term = 0;
  return v;
}

Status Leadership::Leads() const {
  const LeadershipView v = view();
  if (v.leading) return Status::Ok();
  if (!v.leader.empty() && v.leader != options_.node) {
    return Status::Unavailable("node " + v.leader + " leads this cluster (etcd key " + options_.prefix +
                               "/leader): send changes there");
  }
  return Status::Unavailable("this node does not hold the leadership in etcd" +
                             (v.error.empty() ? std::string() : " (" + v.error + ")") +
                             ": no change is accepted until it does; check etcd (--etcd) and /health");
}

void Leadership::Loop() {
  while (!stopping_) {
    bool holds;
    {
      std::lock_guard<std::mutex> lock(mu_);
      holds = holds_key_;
    }
    holds ? Renew() : Campaign();
    // A third of the TTL after a campaign or a renewal; a tenth after a
    // renewal that failed while the key is still held: the last success,
    // one try bounded by TTL/6, a pause and a second try fit before the
    // deadline (TTL/3 + TTL/6 + TTL/10 + TTL/6 < TTL - margin).
    std::unique_lock<std::mutex> lock(mu_);
    const bool retry = holds_key_ && !view_.error.empty();
    cv_.wait_for(lock, retry ? options_.ttl / 10 : options_.ttl / 3, [this] { return stopping_.load(); });
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (holds_key_ && lease_ != 0) {
    (void)etcd_.RevokeLease(lease_);  // hands over at once; the TTL would otherwise
    spdlog::info("leadership: gave up the lease (term {})", view_.term);
  }
  holds_key_ = false;
}

void Leadership::Campaign() {
  const auto sent = Clock::now();
  auto lease = etcd_.GrantLease(std::max<int64_t>(1, options_.ttl.count() / 1000));
  auto failed = [&](const Status& st) {
    std::lock_guard<std::mutex> lock(mu_);
    view_.error = st.message();
  };
  if (!lease.ok()) return failed(lease.status());
  auto created = etcd_.CreateIfAbsent(options_.prefix + "/leader", options_.node, *lease);
  if (!created.ok()) {
    (void)etcd_.RevokeLease(*lease);
    return failed(created.status());
  }
  if (created->has_value()) {
    std::lock_guard<std::mutex> lock(mu_);
    holds_key_ = true;
    lease_ = *lease;
    valid_until_ = sent + options_.ttl - margin();
    view_.term = **created;
    view_.leader = options_.node;
    view_.error.clear();
    spdlog::info("leadership: this node leads, term {}", view_.term);
    return;
  }
  (void)etcd_.RevokeLease(*lease);
  auto holder = etcd_.Get(options_.prefix + "/leader");
  std::lock_guard<std::mutex> lock(mu_);
  view_.error = holder.ok() ? "" : holder.status().message();
  if (holder.ok()) view_.leader = holder->has_value() ? (*holder)->value : "";
}

void Leadership::Renew() {
  int64_t lease;
  {
    std::lock_guard<std::mutex> lock(mu_);
    lease = lease_;
  }
  const auto sent = Clock::now();
  auto ttl = etcd_.KeepAlive(lease);
  std::lock_guard<std::mutex> lock(mu_);
  if (ttl.ok() && *ttl > 0) {
    valid_until_ = sent + milliseconds(*ttl * 1000) - margin();
    view_.error.clear();
    return;
  }
  view_.error = ttl.ok() ? "the lease expired in etcd" : ttl.status().message();
  if (ttl.ok() || Clock::now() >= valid_until_) {
    spdlog::critical("leadership: lost (term {}): {}; no change is acknowledged from now on", view_.term,
                     view_.error);
    holds_key_ = false;
    lease_ = 0;
    view_.leader.clear();
  }
}

}  // namespace pb::cluster
