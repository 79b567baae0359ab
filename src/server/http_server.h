#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "ledger/journal.h"
#include "ledger/ledger.h"
#include "server/api.h"
#include "server/commit_gate.h"
#include "server/server_stats.h"

namespace pb::server {

// What one client may cost the service (README.md, "Connection limits").
struct ConnectionLimits {
  // From a connection's acceptance, or the end of its previous reply, to the
  // first byte of a request; then closed without an answer.
  std::chrono::milliseconds idle_timeout{75000};
  // From a request's first byte to the end of its header; then 408.
  std::chrono::milliseconds header_timeout{10000};
  // From the end of the header to the end of the body; then 408.
  std::chrono::milliseconds body_timeout{30000};
  // From the start of a reply to its last byte taken by the kernel; then
  // the connection is closed.
  std::chrono::milliseconds write_timeout{30000};
  // Connections served at once; over it a new connection is answered 503
  // and closed. REQUIRES: > 0 (see ConnectionCap in server/open_files.h).
  size_t max_connections = 1024;
  // Bytes of GET replies larger than kSmallReplyBytes that may wait for
  // their clients at once; over it such a reply is answered 503 "busy".
  size_t max_reply_memory_bytes = size_t{256} << 20;
  // SO_SNDBUF of every connection (the kernel memory a client that does not
  // read can pin); 0 leaves the kernel's autotuning.
  int send_buffer_bytes = 256 << 10;
};

// Replies up to this size are always sent (they never count against
// ConnectionLimits::max_reply_memory_bytes): /health and every single-item
// answer stay available whatever slow readers hold.
inline constexpr size_t kSmallReplyBytes = 64 * 1024;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8081;
  // How often the JSON checkpoints are rewritten in the background.
  int checkpoint_interval_seconds = 30;
  ConnectionLimits limits;
  // A new journal segment starts once the current one passes this size.
  uint64_t journal_segment_bytes = ledger::kSegmentRollBytes;
  // Where the pages of list routes are rendered (Reply::render): empty, on
  // the server's own render thread. A test may pass an executor that holds
  // the jobs; it must run them one at a time, in order.
  std::function<void(std::function<void()> job)> render_executor;
  // What answers wait for besides this node's fdatasync, and whether a
  // change may be accepted (server/commit_gate.h): a synchronous standby, or
  // this node being a standby. Null: durable here is enough. Outlives the
  // server.
  CommitGate* commit_gate = nullptr;
};

// HTTP/1.1 keep-alive server on one event-loop thread (Boost.Beast + Asio).
// A request's answer leaves only when every journal record it depends on is
// durable (group commit); one line per request goes to payments-audit.log,
// malformed requests included (400, 408, 413, 431, with a JSON error body).
// HEAD is answered on every route as GET would be, without the body.
// Pages of list routes are rendered on a second thread (Reply::render), so a
// large page never holds the event loop.
class HttpServer {
 public:
  HttpServer(ledger::Ledger* ledger, Api* api, ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens; the error says which address failed and why.
  Status Listen();
  // Port actually bound (useful with port 0).
  uint16_t port() const;
  // Runs `job` on the event loop's thread, where the ledger is owned (a
  // standby's follower appends there). From any thread.
  void Post(std::function<void()> job);
  // Runs the event loop until SIGINT/SIGTERM or Stop(); logs stats() when it
  // returns.
  void Run();
  // Thread-safe.
  void Stop();
  // The transport's counters so far. Thread-safe, cheap.
  ServerStats stats() const;

  struct Impl;  // implementation detail (Beast types stay out of this header)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace pb::server
