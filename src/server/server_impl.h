// Internal to server/: the event loop's state that HttpServer (accepting,
// durability, the access log) shares with its sessions (server/session.h).
// Everything here runs on the event loop's thread, except the counters,
// which stats() reads from any thread.
#pragma once

#include <boost/asio.hpp>

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "common/time_util.h"
#include "server/http_server.h"

namespace pb::server {

struct HttpServer::Impl {
  Impl(ledger::Ledger* l, Api* a, ServerOptions o);

  // Answers waiting for durability, in seq order (reads and writes are
  // queued with non-decreasing seqs).
  // How a wait ended: the seq was released (durable, and confirmed by the
  // commit gate), the journal failed, or the gate did not confirm it within
  // its timeout.
  enum class WaitEnd { kDurable, kFailed, kUnconfirmed };
  struct Waiter {
    uint64_t seq;
    int64_t since_us;  // MonotonicMicros() when queued
    std::function<void(WaitEnd)> send;
  };

  void Accept();
  // Serves `socket`, or answers it 503 and closes it when max_connections
  // are open.
  void Admit(boost::asio::ip::tcp::socket socket);
  void Tick();
  // Answers 503 every waiter the commit gate left waiting past its timeout.
  void ExpireWaiters();
  void OnDurable(uint64_t seq);
  void OnFailure(const Status& st);
  // Sends reply.response through `send` once reply.wait_seq is durable.
  // REQUIRES: reply.render is empty.
  void Deliver(Reply reply, std::function<void(Response)> send);
  // Runs `job` on the render thread (or options.render_executor).
  void Render(std::function<void()> job);
  // The one place a finished request is recorded: a line of
  // audit/payments-audit.log (method and path "-" when the request line
  // could not be read).
  void AccessLog(const std::string& method, std::string_view target, int status, int64_t started_us);

  // Reply memory (ConnectionLimits::max_reply_memory_bytes): true and
  // counted when `bytes` more fit, or are small (kSmallReplyBytes).
  bool TakeReplyMemory(size_t bytes);
  void ReturnReplyMemory(size_t bytes);
  // Counts `bytes` (when not small) whatever the limit: a rendered page
  // that came out larger than the estimate it was admitted with.
  void ForceReplyMemory(size_t bytes);

  // Counters (thread-safe against stats()).
  void Count(uint64_t ServerStats::*field, uint64_t n = 1);
  void Uncount(uint64_t ServerStats::*field);
  ServerStats Stats() const;

  ledger::Ledger* ledger;
  Api* api;
  ServerOptions options;
  // Declared before the io_context: sessions destroyed with it still count.
  mutable std::mutex stats_mu;
  ServerStats stats;
  size_t reply_memory = 0;  // bytes of large replies being written
  boost::asio::io_context ioc{1};
  boost::asio::ip::tcp::acceptor acceptor;
  boost::asio::steady_timer accept_pause;
  boost::asio::signal_set signals;
  boost::asio::steady_timer ticker;
  std::string overloaded_reply;  // the whole 503 answer to a connection over the cap
  std::deque<Waiter> waiters;
  std::string access_log;
  int64_t last_checkpoint_us = MonotonicMicros();
  // Declared after the io_context: joined (Run's end, or destruction)
  // before the handlers it posts are destroyed.
  boost::asio::thread_pool render_thread{1};
};

}  // namespace pb::server
