#include "cluster/follower.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <vector>

#include "common/json_text.h"
#include "common/log.h"

namespace pb::cluster {
namespace {

constexpr int kConnectTimeoutMs = 2000;
constexpr int kAnswerTimeoutMs = 5000;
constexpr int kStandbyWriteTimeoutMs = 5000;
// A journal line is at most a 64 KiB body (the API's limit) plus its hash.
constexpr size_t kMaxLine = (64 << 10) + 128;
// Three missed keep-alives: the primary is gone.
constexpr int kSilenceMs = 3000;
constexpr auto kRetry = std::chrono::milliseconds(500);
// A standby acknowledges at least this often (its last durable seq again
// when nothing new is durable).
constexpr auto kAckEvery = std::chrono::seconds(1);
// Records handed to the ledger's thread at once, at most.
constexpr size_t kMaxBatch = 4096;

}  // namespace

Follower::Follower(FollowerOptions options, FollowerLedger ledger)
    : options_(std::move(options)), ledger_(std::move(ledger)) {}

Follower::~Follower() { Stop(); }

void Follower::Start() {
  // What the ledger replayed at open is on disk: each stream acknowledges
  // it first.
  durable_ = ledger_.last_point().seq;
  thread_ = std::thread([this] { Loop(); });
}

void Follower::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (socket_ != nullptr) socket_->Shutdown();
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

FollowerStatus Follower::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

void Follower::LocalDurable(uint64_t seq) {
  if (release_) release_(seq);
  {
    std::lock_guard<std::mutex> lock(mu_);
    durable_ = std::max(durable_, seq);
  }
  ack_cv_.notify_all();
}

void Follower::AckLoop(LineSocket* socket, const std::atomic<bool>* done) {
  uint64_t acked = 0;
  auto last_sent = std::chrono::steady_clock::now() - kAckEvery;
  std::unique_lock<std::mutex> lock(mu_);
  while (!*done && !stopping_) {
    ack_cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return durable_ > acked || *done || stopping_; });
    // A new durable seq, or the last one again after a second of quiet:
    // the primary hears from a live standby at least that often.
    if (durable_ <= acked && std::chrono::steady_clock::now() - last_sent < kAckEvery) continue;
    const uint64_t seq = durable_;
    lock.unlock();
    const Status sent = socket->Write(FormatAck(seq) + "\n", kStandbyWriteTimeoutMs);
    lock.lock();
    if (!sent.ok()) {
      socket->Shutdown();  // the reader then reconnects
      return;
    }
    acked = seq;
    last_sent = std::chrono::steady_clock::now();
  }
}

std::string Follower::HealthJson() const {
  const FollowerStatus s = status();
  std::string out;
  JsonObject o(&out);
  o.Str("role", "standby").Str("primary", options_.host + ":" + std::to_string(options_.port));
  o.Bool("connected", s.connected).Str("primary_node", s.primary).UInt("primary_durable_seq", s.primary_durable_seq);
  if (!s.stopped.empty()) o.Str("stopped", s.stopped);
  o.Close();
  return out;
}

Status Follower::AcceptsWrites() {
  return Status::Unavailable("this node is a standby of " + options_.host + ":" + std::to_string(options_.port) +
                             " (--standby-of): send changes to the primary");
}

template <typename T>
std::optional<T> Follower::OnOwner(std::function<T()> job) {
  // Shared with the job: when the owner thread stops running jobs (the
  // server shutting down), this gives up, and the job, should it still
  // run, has what it writes to.
  auto done = std::make_shared<std::promise<T>>();
  std::future<T> result = done->get_future();
  ledger_.run_on_owner([done, job = std::move(job)] { done->set_value(job()); });
  while (result.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    if (stopping_) return std::nullopt;
  }
  return result.get();
}

void Follower::Loop() {
  while (!stopping_) {
    Status st = FollowOnce();
    {
      std::lock_guard<std::mutex> lock(mu_);
      status_.connected = false;
      if (!st.ok()) {
        status_.stopped = st.message();
        spdlog::critical("standby: stopped following {}:{}: {}", options_.host, options_.port, st.message());
        return;
      }
    }
    std::unique_lock<std::mutex> lock(mu_);
    stop_cv_.wait_for(lock, kRetry, [this] { return stopping_.load(); });
  }
}

Status Follower::FollowOnce() {
  auto connected = LineSocket::Connect(options_.host, options_.port, kConnectTimeoutMs);
  if (!connected.ok()) {
    // Logged the 1st, 2nd, 4th, 8th... time in a row: a primary down for
    // long does not flood the log.
    const uint64_t n = ++failed_connects_;
    if ((n & (n - 1)) == 0) spdlog::warn("standby: {} (attempt {})", connected.status().message(), n);
    return Status::Ok();
  }
  failed_connects_ = 0;
  LineSocket socket = std::move(connected).value();
  const std::optional<ledger::ChainPoint> owner_at = OnOwner<ledger::ChainPoint>(ledger_.last_point);
  if (!owner_at) return Status::Ok();
  const ledger::ChainPoint at = *owner_at;
  Hello hello{kStreamVersion, options_.node, at.seq, at.hash, options_.token};
  if (!socket.Write(FormatHello(hello) + "\n", kStandbyWriteTimeoutMs).ok()) return Status::Ok();
  auto first = socket.ReadLine(kAnswerTimeoutMs, 4096);
  if (!first.ok() || !first->has_value()) return Status::Ok();
  auto answer = ParseAnswer(**first);
  if (!answer.ok()) {
    std::string said = (*first)->substr(0, 60);
    for (char& c : said) {
      if (c < ' ' || c > '~') c = ' ';
    }
    return Status::InvalidArgument(options_.host + ":" + std::to_string(options_.port) +
                                   " does not answer as a primary's --replication-listen (it said '" + said +
                                   "'): --standby-of takes that address, not the primary's HTTP --listen");
  }
  if (!answer->ok) {
    if (answer->refusal == Refusal::kBusy) {
      // Our previous stream may not have ended there yet; or another
      // standby has this --node-name. Retried; logged 1st, 2nd, 4th...
      const uint64_t n = ++refused_busy_;
      if ((n & (n - 1)) == 0) spdlog::warn("standby: the primary refused us (attempt {}): {}", n, answer->message);
      return Status::Ok();
    }
    refused_busy_ = 0;
    return Status::Unavailable("the primary refused this standby (" + std::string(RefusalName(answer->refusal)) +
                               "): " + answer->message);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return Status::Ok();
    socket_ = &socket;
    status_.connected = true;
    status_.primary = answer->node;
    status_.primary_durable_seq = answer->durable_seq;
  }
  spdlog::info("standby: following {} at {}:{} from seq {}", answer->node, options_.host, options_.port, at.seq);
  // Acknowledgements go out on a thread of their own: the committer thread
  // that reports durability never waits on the network.
  std::atomic<bool> done{false};
  std::thread acks([&] { AckLoop(&socket, &done); });
  Status outcome;
  bool ended = false;
  while (!stopping_ && !ended) {
    auto line = socket.ReadLine(kSilenceMs, kMaxLine);
    if (!line.ok()) {
      spdlog::warn("standby: the stream from {} ended: {}", answer->node, line.status().message());
      break;
    }
    if (!line->has_value()) {
      spdlog::warn("standby: nothing from {} for {} ms; reconnecting", answer->node, kSilenceMs);
      break;
    }
    // The records already received go to the ledger's thread together: one
    // hand-off per batch the primary sent, not one per record.
    std::vector<std::string> records;
    if (!(*line)->empty()) records.push_back(std::move(**line));  // empty: a keep-alive
    while (records.size() < kMaxBatch) {
      auto more = socket.ReadLine(0, kMaxLine);
      if (!more.ok()) {
        ended = true;  // apply what came; the loop then reconnects
        break;
      }
      if (!more->has_value()) break;
      if (!(*more)->empty()) records.push_back(std::move(**more));
    }
    if (records.empty()) continue;
    std::optional<Status> followed = OnOwner<Status>([follow = ledger_.follow, records = std::move(records)] {
      for (const std::string& record : records) PB_RETURN_IF_ERROR(follow(record));
      return Status::Ok();
    });
    if (!followed) break;  // stopping
    if (!followed->ok()) {
      outcome = *followed;
      break;
    }
  }
  done = true;
  ack_cv_.notify_all();
  acks.join();
  std::lock_guard<std::mutex> lock(mu_);
  socket_ = nullptr;
  return outcome;
}

}  // namespace pb::cluster
