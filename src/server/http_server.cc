#include "server/http_server.h"

#include <boost/asio.hpp>

#include <algorithm>
#include <cerrno>

#include "common/json_text.h"
#include "common/log.h"
#include "server/server_impl.h"
#include "server/session.h"

namespace pb::server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// The whole answer to a connection over the cap, sent without reading a
// request (RFC 9110: 503 with Retry-After).
std::string OverloadedReply(size_t max_connections) {
  std::string body = ErrorReply(503, "overloaded",
                                "the service is serving its limit of " + std::to_string(max_connections) +
                                    " connections (--max-connections); retry in a moment")
                         .response.body;
  return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\nRetry-After: 1\r\n\r\n" + body;
}

// accept() failures that a retry cannot fix until something is released.
bool OutOfResources(const error_code& ec) {
  int e = ec.value();
  return ec.category() == boost::system::system_category() &&
         (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM);
}

// True for the 1st, 2nd, 4th, 8th... occurrence: a repeated condition is
// logged without flooding the log.
bool LogThisOne(uint64_t count) { return (count & (count - 1)) == 0; }

// How long accepting pauses after running out of descriptors.
constexpr auto kAcceptPause = std::chrono::milliseconds(100);

}  // namespace

HttpServer::Impl::Impl(ledger::Ledger* l, Api* a, ServerOptions o)
    : ledger(l),
      api(a),
      options(std::move(o)),
      acceptor(ioc),
      accept_pause(ioc),
      signals(ioc, SIGINT, SIGTERM),
      ticker(ioc),
      overloaded_reply(OverloadedReply(options.limits.max_connections)) {}

void HttpServer::Impl::Deliver(Reply reply, std::function<void(Response)> send) {
  if (reply.wait_seq <= api->durable_seq() || reply.wait_seq == 0) return send(std::move(reply.response));
  if (api->failed()) {
    return send(ErrorReply(503, "unavailable", "the journal failed; restart the service").response);
  }
  // A page rendered meanwhile may wait for less than the newest waiter:
  // it waits as long, which keeps the queue in order.
  const uint64_t seq = waiters.empty() ? reply.wait_seq : std::max(reply.wait_seq, waiters.back().seq);
  waiters.push_back({seq, MonotonicMicros(),
                     [send = std::move(send), response = std::move(reply.response)](WaitEnd end) mutable {
                       if (end == WaitEnd::kDurable) return send(std::move(response));
                       if (end == WaitEnd::kUnconfirmed) {
                         return send(ErrorReply(503, "unconfirmed",
                                                "this change is on the primary's disk but no synchronous standby "
                                                "confirmed it in time, so it may be lost in a failover; retry it "
                                                "(a retried credit of the same workload_id is never credited twice)")
                                         .response);
                       }
                       send(ErrorReply(503, "unavailable", "the journal failed before this change was durable; "
                                                           "it may be lost. Restart the service")
                                .response);
                     }});
}

void HttpServer::Impl::Render(std::function<void()> job) {
  if (options.render_executor) return options.render_executor(std::move(job));
  asio::post(render_thread, std::move(job));
}

void HttpServer::Impl::OnDurable(uint64_t seq) {
  api->SetDurableSeq(seq);
  while (!waiters.empty() && waiters.front().seq <= seq) {
    auto w = std::move(waiters.front());
    waiters.pop_front();
    w.send(WaitEnd::kDurable);
  }
}

void HttpServer::Impl::OnFailure(const Status& st) {
  spdlog::critical("journal: {} — writes are refused until the service is restarted", st.ToString());
  api->SetFailed(st.message());
  while (!waiters.empty()) {
    auto w = std::move(waiters.front());
    waiters.pop_front();
    w.send(WaitEnd::kFailed);
  }
}

void HttpServer::Impl::AccessLog(const std::string& method, std::string_view target, int status, int64_t started_us) {
  std::string_view path = target.substr(0, target.find('?'));
  JsonObject o(&access_log);
  o.Str("time", FormatIso8601(NowMillis())).Str("method", method).Str("path", path).Int("status", status);
  int64_t us = MonotonicMicros() - started_us;
  api->RecordRequest(method, path, status, us);
  o.Key("latency_ms")->append(std::to_string(us / 1000) + "." + std::to_string(1000 + us % 1000).substr(1));
  o.Close();
  access_log.push_back('\n');
}

bool HttpServer::Impl::TakeReplyMemory(size_t bytes) {
  if (bytes <= kSmallReplyBytes) return true;
  // One large reply at a time always passes, whatever the limit.
  if (reply_memory > 0 && reply_memory + bytes > options.limits.max_reply_memory_bytes) return false;
  reply_memory += bytes;
  return true;
}

void HttpServer::Impl::ReturnReplyMemory(size_t bytes) {
  if (bytes > kSmallReplyBytes) reply_memory -= bytes;
}

void HttpServer::Impl::ForceReplyMemory(size_t bytes) {
  if (bytes > kSmallReplyBytes) reply_memory += bytes;
}

void HttpServer::Impl::Count(uint64_t ServerStats::*field, uint64_t n) {
  std::lock_guard lock(stats_mu);
  stats.*field += n;
}

void HttpServer::Impl::Uncount(uint64_t ServerStats::*field) {
  std::lock_guard lock(stats_mu);
  if (stats.*field > 0) --(stats.*field);
}

ServerStats HttpServer::Impl::Stats() const {
  std::lock_guard lock(stats_mu);
  return stats;
}

void HttpServer::Impl::Accept() {
  acceptor.async_accept([this](error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      Admit(std::move(socket));
      return Accept();
    }
    if (!OutOfResources(ec)) return Accept();  // that connection's own trouble (e.g. aborted)
    // Retrying at once would spin: wait for a connection to end.
    Count(&ServerStats::accept_pauses);
    uint64_t pauses = Stats().accept_pauses;
    if (LogThisOne(pauses)) {
      spdlog::warn("accept: {}; pausing new connections for {} ms ({} pauses so far; raise ulimit -n or lower "
                   "--max-connections)",
                   ec.message(), kAcceptPause.count(), pauses);
    }
    accept_pause.expires_after(kAcceptPause);
    accept_pause.async_wait([this](error_code wait_ec) {
      if (!wait_ec) Accept();
    });
  });
}

void HttpServer::Impl::Admit(tcp::socket socket) {
  if (Stats().open_connections >= options.limits.max_connections) {
    // Answered without reading: the kernel takes these few bytes at once.
    error_code ec;
    socket.non_blocking(true, ec);
    if (!ec) socket.send(asio::buffer(overloaded_reply), 0, ec);
    // A request already received would turn the close into a reset: take it
    // first (until the socket would block).
    char scratch[4096];
    for (int i = 0; i < 16 && !ec; ++i) socket.receive(asio::buffer(scratch), 0, ec);
    socket.shutdown(tcp::socket::shutdown_send, ec);
    socket.close(ec);
    Count(&ServerStats::refused_over_cap);
    uint64_t refused = Stats().refused_over_cap;
    if (LogThisOne(refused)) {
      spdlog::warn("{} connections open, the limit (--max-connections): new connections are answered 503 "
                   "({} so far)",
                   options.limits.max_connections, refused);
    }
    return;
  }
  Count(&ServerStats::accepted_total);
  Count(&ServerStats::open_connections);
  StartSession(std::move(socket), this);
}

void HttpServer::Impl::ExpireWaiters() {
  if (options.commit_gate == nullptr) return;
  const int64_t oldest = MonotonicMicros() -
                         std::chrono::duration_cast<std::chrono::microseconds>(options.commit_gate->timeout()).count();
  while (!waiters.empty() && waiters.front().since_us < oldest) {
    auto w = std::move(waiters.front());
    waiters.pop_front();
    w.send(WaitEnd::kUnconfirmed);
  }
}

void HttpServer::Impl::Tick() {
  ExpireWaiters();
  if (!access_log.empty()) {
    ledger->committer().EnqueueAccessLog(access_log);
    access_log.clear();
  }
  int64_t now = MonotonicMicros();
  if (now - last_checkpoint_us >= int64_t{options.checkpoint_interval_seconds} * 1000000) {
    last_checkpoint_us = now;
    if (!api->failed()) ledger->MaybeCheckpoint();
  }
  ticker.expires_after(std::chrono::milliseconds(100));
  ticker.async_wait([this](error_code ec) {
    if (!ec) Tick();
  });
}

HttpServer::HttpServer(ledger::Ledger* ledger, Api* api, ServerOptions options)
    : impl_(std::make_unique<Impl>(ledger, api, std::move(options))) {}

HttpServer::~HttpServer() = default;

Status HttpServer::Listen() {
  auto& a = impl_->acceptor;
  const ServerOptions& o = impl_->options;
  error_code ec;
  auto address = asio::ip::make_address(o.host, ec);
  if (ec) return Status::InvalidArgument("'" + o.host + "' is not an IP address");
  tcp::endpoint endpoint(address, o.port);
  std::string where = o.host + ":" + std::to_string(o.port);
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  // Accepted connections inherit it.
  if (!ec && o.limits.send_buffer_bytes > 0) a.set_option(asio::socket_base::send_buffer_size(o.limits.send_buffer_bytes), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::IOError("cannot listen on " + where + ": " + ec.message() + " (is another instance running?)");
  return Status::Ok();
}

uint16_t HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

ServerStats HttpServer::stats() const { return impl_->Stats(); }

void HttpServer::Run() {
  Impl* impl = impl_.get();
  impl->api->SetDurableSeq(impl->ledger->last_seq());
  impl->ledger->committer().SetSegmentRollBytes(impl->options.journal_segment_bytes);
  auto release = [impl](uint64_t seq) { asio::post(impl->ioc, [impl, seq] { impl->OnDurable(seq); }); };
  CommitGate* gate = impl->options.commit_gate;
  if (gate != nullptr) gate->SetRelease(release);
  Status st = impl->ledger->Start(
      {[gate, release](uint64_t seq) { gate != nullptr ? gate->LocalDurable(seq) : release(seq); },
       [impl](const Status& failure) { asio::post(impl->ioc, [impl, failure] { impl->OnFailure(failure); }); }});
  if (!st.ok()) {
    spdlog::critical("cannot start the journal writer: {}", st.ToString());
    return;
  }
  impl->signals.async_wait([impl](error_code ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", signal);
    impl->ioc.stop();
  });
  impl->Accept();
  impl->Tick();
  spdlog::info("listening on {}:{} (at most {} connections)", impl->options.host, port(),
               impl->options.limits.max_connections);
  impl->ioc.run();
  // No page is still being rendered from the ledger once Run returns.
  impl->render_thread.stop();
  impl->render_thread.join();
  if (!impl->access_log.empty()) impl->ledger->committer().EnqueueAccessLog(impl->access_log);
  spdlog::info("connections: {}", FormatServerStats(impl->Stats()));
}

void HttpServer::Post(std::function<void()> job) { asio::post(impl_->ioc, std::move(job)); }

void HttpServer::Stop() {
  asio::post(impl_->ioc, [impl = impl_.get()] { impl->ioc.stop(); });
}

}  // namespace pb::server
