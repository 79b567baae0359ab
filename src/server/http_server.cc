#include "server/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <deque>
#include <functional>

#include "common/json_text.h"
#include "common/log.h"
#include "common/time_util.h"

namespace pb::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpServer::Impl {
  Impl(ledger::Ledger* l, Api* a, ServerOptions o)
      : ledger(l), api(a), options(std::move(o)), acceptor(ioc), signals(ioc, SIGINT, SIGTERM), ticker(ioc) {}

  // Answers waiting for durability, in seq order (reads and writes are
  // queued with non-decreasing seqs).
  struct Waiter {
    uint64_t seq;
    std::function<void(bool durable)> send;
  };

  void Accept();
  void Tick();
  void OnDurable(uint64_t seq);
  void OnFailure(const Status& st);
  void Deliver(Reply reply, std::function<void(Response)> send);
  void AccessLog(const std::string& method, std::string_view target, int status, int64_t started_us);

  ledger::Ledger* ledger;
  Api* api;
  ServerOptions options;
  asio::io_context ioc{1};
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer ticker;
  std::deque<Waiter> waiters;
  std::string access_log;
  int64_t last_checkpoint_us = MonotonicMicros();
};

namespace {

// One client connection: read a request, hand it to the API, write the
// answer when it may leave, repeat while keep-alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl* server) : socket_(std::move(socket)), server_(server) {}

  void Start() {
    socket_.set_option(tcp::no_delay(true));
    Read();
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(Api::kMaxBodyBytes);
    parser_->header_limit(16 * 1024);
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec && ec != http::error::body_limit) return Close();
    started_us_ = MonotonicMicros();
    auto& req = parser_->get();  // with body_limit, the header is complete
    method_ = std::string(req.method_string());
    target_ = std::string(req.target());
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      Write(ErrorReply(413, "too_large", "request body exceeds 65536 bytes").response);
      return;
    }
    Request request;
    request.method = method_;
    request.target = target_;
    request.body = std::move(req.body());
    auto token = req.find("X-Admin-Token");
    if (token != req.end()) request.admin_token = std::string(token->value());
    keep_alive_ = req.keep_alive();
    server_->Deliver(server_->api->Handle(request), [self = shared_from_this()](Response response) {
      self->Write(std::move(response));
    });
  }

  void Write(Response response) {
    server_->AccessLog(method_, target_, response.status, started_us_);
    auto res = std::make_shared<http::response<http::string_body>>();
    res->result(static_cast<http::status>(response.status));
    res->version(11);
    res->set(http::field::content_type, response.content_type);
    res->keep_alive(keep_alive_);
    res->body() = std::move(response.body);
    res->prepare_payload();
    http::async_write(socket_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      if (ec || !self->keep_alive_) return self->Close();
      self->Read();
    });
  }

  void Close() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  HttpServer::Impl* server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
  int64_t started_us_ = 0;
  std::string method_, target_;
};

}  // namespace

void HttpServer::Impl::Deliver(Reply reply, std::function<void(Response)> send) {
  if (reply.wait_seq <= api->durable_seq() || reply.wait_seq == 0) return send(std::move(reply.response));
  if (api->failed()) {
    return send(ErrorReply(503, "unavailable", "the journal failed; restart the service").response);
  }
  waiters.push_back({reply.wait_seq, [send = std::move(send), response = std::move(reply.response)](bool durable) mutable {
                       if (durable) return send(std::move(response));
                       send(ErrorReply(503, "unavailable", "the journal failed before this change was durable; "
                                                           "it may be lost. Restart the service")
                                .response);
                     }});
}

void HttpServer::Impl::OnDurable(uint64_t seq) {
  api->SetDurableSeq(seq);
  while (!waiters.empty() && waiters.front().seq <= seq) {
    auto w = std::move(waiters.front());
    waiters.pop_front();
    w.send(true);
  }
}

void HttpServer::Impl::OnFailure(const Status& st) {
  spdlog::critical("journal: {} — writes are refused until the service is restarted", st.ToString());
  api->SetFailed(st.message());
  while (!waiters.empty()) {
    auto w = std::move(waiters.front());
    waiters.pop_front();
    w.send(false);
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

void HttpServer::Impl::Accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) std::make_shared<Session>(std::move(socket), this)->Start();
    Accept();
  });
}

void HttpServer::Impl::Tick() {
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
  ticker.async_wait([this](beast::error_code ec) {
    if (!ec) Tick();
  });
}

HttpServer::HttpServer(ledger::Ledger* ledger, Api* api, ServerOptions options)
    : impl_(std::make_unique<Impl>(ledger, api, std::move(options))) {}

HttpServer::~HttpServer() = default;

Status HttpServer::Listen() {
  auto& a = impl_->acceptor;
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) return Status::InvalidArgument("'" + impl_->options.host + "' is not an IP address");
  tcp::endpoint endpoint(address, impl_->options.port);
  std::string where = impl_->options.host + ":" + std::to_string(impl_->options.port);
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(1024, ec);
  if (ec) return Status::IOError("cannot listen on " + where + ": " + ec.message() + " (is another instance running?)");
  return Status::Ok();
}

uint16_t HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpServer::Run() {
  Impl* impl = impl_.get();
  impl->api->SetDurableSeq(impl->ledger->last_seq());
  Status st = impl->ledger->Start(
      {[impl](uint64_t seq) { asio::post(impl->ioc, [impl, seq] { impl->OnDurable(seq); }); },
       [impl](const Status& failure) { asio::post(impl->ioc, [impl, failure] { impl->OnFailure(failure); }); }});
  if (!st.ok()) {
    spdlog::critical("cannot start the journal writer: {}", st.ToString());
    return;
  }
  impl->signals.async_wait([impl](beast::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", signal);
    impl->ioc.stop();
  });
  impl->Accept();
  impl->Tick();
  spdlog::info("listening on {}:{}", impl->options.host, port());
  impl->ioc.run();
  if (!impl->access_log.empty()) impl->ledger->committer().EnqueueAccessLog(impl->access_log);
}

void HttpServer::Stop() {
  asio::post(impl_->ioc, [impl = impl_.get()] { impl->ioc.stop(); });
}

}  // namespace pb::server
