#include "cluster/standby_server.h"

#include <openssl/crypto.h>

#include <chrono>

#include "common/log.h"
#include "ledger/journal_index.h"

namespace pb::cluster {
namespace {

constexpr int kHelloTimeoutMs = 5000;
constexpr int kSendTimeoutMs = 10000;
constexpr size_t kMaxAckLine = 64;
constexpr int kAckSilenceMs = 3000;
constexpr size_t kBatchRecords = 1024;
constexpr auto kKeepAlive = std::chrono::seconds(1);

bool SameToken(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

struct StandbyServer::Stream {
  explicit Stream(LineSocket s) : socket(std::move(s)) {}
  LineSocket socket;
  std::thread thread;
  std::string node;   // once its hello was accepted
  bool done = false;  // guarded by mu_: Serve returned, AcceptLoop may join it
};

StandbyServer::StandbyServer(StandbyServerOptions options, SyncGate* gate)
    : options_(std::move(options)), gate_(gate) {}

StandbyServer::~StandbyServer() { Stop(); }

Status StandbyServer::Listen(const std::string& host, uint16_t port) {
  PB_ASSIGN_OR_RETURN(LineListener listener, LineListener::Listen(host, port));
  listener_ = std::make_unique<LineListener>(std::move(listener));
  return Status::Ok();
}

uint16_t StandbyServer::port() const { return listener_ ? listener_->port() : 0; }

void StandbyServer::Start() {
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

void StandbyServer::Stop() {
  stopping_ = true;
  if (accept_thread_.joinable()) accept_thread_.join();
  std::list<std::unique_ptr<Stream>> streams;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& s : streams_) s->socket.Shutdown();
    streams.swap(streams_);
  }
  for (auto& s : streams) {
    if (s->thread.joinable()) s->thread.join();
  }
}

void StandbyServer::AcceptLoop() {
  while (!stopping_) {
    auto conn = listener_->Accept(200);
    if (!conn.ok()) {
      spdlog::error("replication: {}", conn.status().ToString());
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    if (!conn->has_value()) continue;
    std::lock_guard<std::mutex> lock(mu_);
    // Streams that ended are joined here, not kept.
    for (auto it = streams_.begin(); it != streams_.end();) {
      if ((*it)->done) {
        (*it)->thread.join();
        it = streams_.erase(it);
      } else {
        ++it;
      }
    }
    streams_.push_back(std::make_unique<Stream>(std::move(**conn)));
    Stream* stream = streams_.back().get();
    stream->thread = std::thread([this, stream] { Serve(stream); });
  }
}

Answer StandbyServer::Judge(const Hello& hello) {
  Answer a;
  a.node = options_.node;
  auto refuse = [&](Refusal r, std::string message) {
    a.refusal = r;
    a.message = std::move(message);
    return a;
  };
  if (hello.version != kStreamVersion) {
    return refuse(Refusal::kVersion, "this primary speaks stream version " + std::to_string(kStreamVersion) +
                                         ": run the same payments-backend release on both nodes");
  }
  if (!SameToken(hello.token, options_.token)) {
    return refuse(Refusal::kToken, "PAYMENTS_REPLICATION_TOKEN differs from the primary's");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& s : streams_) {
      if (s->node == hello.node) {
        return refuse(Refusal::kBusy, "a standby named " + hello.node +
                                          " is already connected: give each standby its own --node-name");
      }
    }
  }
  const uint64_t durable = gate_->local_durable();
  a.durable_seq = durable;
  if (hello.seq > durable) {
    return refuse(Refusal::kAhead, "the standby holds records through " + std::to_string(hello.seq) +
                                       " but this primary only through " + std::to_string(durable) +
                                       ": it is not a copy of this journal; restore it from this primary's backup");
  }
  if (hello.seq > 0) {
    ledger::JournalIndex index(options_.journal_dir);
    auto line = index.ReadLines(hello.seq - 1, hello.seq, 1);
    if (!line.ok() || line->size() != 1 || !HexEquals(hello.hash, std::string_view(line->front()).substr(0, 64))) {
      return refuse(Refusal::kDiverged, "the standby's record " + std::to_string(hello.seq) +
                                            " differs from this primary's: the journals disagree, so it must not "
                                            "follow; restore it from this primary's backup");
    }
  }
  a.ok = true;
  return a;
}

void StandbyServer::Serve(Stream* stream) {
  LineSocket& socket = stream->socket;
  auto ended = [&](const std::string& why) {
    if (!why.empty()) spdlog::warn("replication: standby {}: {}", stream->node.empty() ? "?" : stream->node, why);
    if (!stream->node.empty()) gate_->Disconnected(stream->node);
    std::lock_guard<std::mutex> lock(mu_);
    stream->node.clear();  // no longer a connected standby (Judge's busy check)
    stream->done = true;
  };
  auto first = socket.ReadLine(kHelloTimeoutMs, 1024);
  if (!first.ok() || !first->has_value()) return ended("no hello within 5 s");
  auto hello = ParseHello(**first);
  if (!hello.ok()) {
    (void)socket.Write(FormatAnswer({.refusal = Refusal::kVersion, .message = hello.status().message()}) + "\n",
                       kSendTimeoutMs);
    return ended(hello.status().message());
  }
  Answer answer = Judge(*hello);
  if (Status st = socket.Write(FormatAnswer(answer) + "\n", kSendTimeoutMs); !st.ok() || !answer.ok) {
    return ended(answer.ok ? st.message() : "refused: " + answer.message);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stream->node = hello->node;
  }
  gate_->Connected(hello->node);
  spdlog::info("replication: standby {} follows from seq {}", hello->node, hello->seq);
  std::atomic<bool> gone{false};
  std::string silent;  // why the acknowledgements stopped, when they did
  std::thread acks([&] {
    // A live standby acknowledges every second; three seconds of silence
    // mean it is gone (a dead machine leaves the connection half open).
    int quiet_ms = 0;
    while (!gone && !stopping_ && quiet_ms < kAckSilenceMs) {
      auto line = socket.ReadLine(500, kMaxAckLine);
      if (!line.ok()) break;
      if (!line->has_value()) {
        quiet_ms += 500;
        continue;
      }
      quiet_ms = 0;
      auto seq = ParseAck(**line);
      if (!seq.ok()) break;
      gate_->Acked(hello->node, *seq);
    }
    if (quiet_ms >= kAckSilenceMs) silent = "no acknowledgement for " + std::to_string(kAckSilenceMs / 1000) + " s";
    gone = true;
  });
  ledger::JournalIndex index(options_.journal_dir);
  uint64_t sent = hello->seq;
  std::string why;
  while (!gone && !stopping_) {
    const uint64_t durable = gate_->WaitLocalBeyond(sent, kKeepAlive);
    if (durable <= sent) {
      if (Status st = socket.Write("\n", kSendTimeoutMs); !st.ok()) why = st.message();
      if (!why.empty()) break;
      continue;
    }
    auto lines = index.ReadLines(sent, durable, kBatchRecords);
    if (!lines.ok() || lines->empty()) {
      why = lines.ok() ? "the journal has no record " + std::to_string(sent + 1) : lines.status().ToString();
      break;
    }
    std::string batch;
    for (const std::string& l : *lines) batch.append(l).push_back('\n');
    if (Status st = socket.Write(batch, kSendTimeoutMs); !st.ok()) {
      why = st.message();
      break;
    }
    sent += lines->size();
  }
  gone = true;
  socket.Shutdown();
  acks.join();
  ended(stopping_ ? "" : !silent.empty() ? silent : why.empty() ? "the standby went away" : why);
}

}  // namespace pb::cluster
