#include "server/session.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <memory>
#include <optional>

namespace pb::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr size_t kMaxHeaderBytes = 16 * 1024;
// What a connection's first read after a reply takes at most (a request
// longer than this is read on by the header and body reads).
constexpr size_t kFirstReadBytes = 4096;

std::string Millis(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

// Why a parsed header cannot be served: RFC 9112 asks for exactly one Host
// in HTTP/1.1 (at most one before).
std::optional<std::string> HostProblem(const http::request<http::string_body>& req) {
  size_t hosts = req.count(http::field::host);
  if (hosts > 1) return "the request has more than one Host header";
  if (hosts == 0 && req.version() >= 11) return "an HTTP/1.1 request needs a Host header";
  return std::nullopt;
}

bool IsBeastError(const beast::error_code& ec) {
  return ec.category() == make_error_code(http::error::end_of_stream).category();
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl* server)
      : socket_(std::move(socket)), server_(server), timer_(socket_.get_executor()) {}
  ~Session() {
    Close();
    ReturnReplyMemory();
  }

  void Start() {
    beast::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    WaitForRequest();
  }

 private:
  // What the one timer of the connection is guarding.
  enum class Phase { kIdle, kHeader, kBody, kHandling, kWriting };

  const ConnectionLimits& limits() const { return server_->options.limits; }

  void Arm(Phase phase, std::chrono::milliseconds after) {
    phase_ = phase;
    timer_.expires_after(after);
    timer_.async_wait([self = shared_from_this(), armed = ++armed_](beast::error_code ec) {
      if (!ec && armed == self->armed_) self->OnTimeout();
    });
  }

  void Disarm(Phase phase) {
    phase_ = phase;
    ++armed_;
    timer_.cancel();
  }

  void OnTimeout() {
    switch (phase_) {
      case Phase::kIdle:
        server_->Count(&ServerStats::closed_idle);
        return Close();
      case Phase::kHeader:
      case Phase::kBody:
        // Answered at once: the read still pending is abandoned (its
        // handler sees another phase) and ends when the connection closes.
        return RejectSlowRequest();
      case Phase::kWriting:
        server_->Count(&ServerStats::closed_write_timeout);
        return Close(CloseWith::kReset);
      case Phase::kHandling:
        return;
    }
  }

  // Until a request's first bytes (or at once when a pipelined one is
  // already buffered). A read rather than a readiness wait: Asio re-arms
  // epoll (an epoll_ctl call) for every wait, while a read waits on the
  // registration the socket has, one system call per request fewer.
  void WaitForRequest() {
    if (buffer_.size() > 0) return ReadHeader();
    Arm(Phase::kIdle, limits().idle_timeout);
    socket_.async_read_some(buffer_.prepare(kFirstReadBytes), [self = shared_from_this()](beast::error_code ec,
                                                                                          size_t n) {
      if (self->closed_) return;  // timed out meanwhile
      self->buffer_.commit(n);
      if (ec) return self->Close();  // the client left, or the connection failed
      self->ReadHeader();
    });
  }

  void ReadHeader() {
    started_us_ = MonotonicMicros();
    method_ = target_ = "-";
    keep_alive_ = true;
    head_ = false;
    parser_.emplace();
    parser_->body_limit(Api::kMaxBodyBytes);
    parser_->header_limit(kMaxHeaderBytes);
    Arm(Phase::kHeader, limits().header_timeout);
    http::async_read_header(socket_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (self->phase_ != Phase::kHeader || self->closed_) return;  // timed out meanwhile
      if (ec) return self->OnReadError(ec);
      self->OnHeader();
    });
  }

  void OnHeader() {
    NoteRequestLine();
    keep_alive_ = parser_->get().keep_alive();
    if (auto problem = HostProblem(parser_->get())) return Reject(400, "bad_request", *problem);
    if (parser_->is_done()) return Dispatch();
    Arm(Phase::kBody, limits().body_timeout);
    http::async_read(socket_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (self->phase_ != Phase::kBody || self->closed_) return;  // timed out meanwhile
      if (ec) return self->OnReadError(ec);
      self->Dispatch();
    });
  }

  // Method and target for the audit line, once the parser has them.
  void NoteRequestLine() {
    const auto& req = parser_->get();
    if (req.method_string().empty()) return;
    method_ = std::string(req.method_string());
    target_ = std::string(req.target());
  }

  // The header or body timeout passed: 408.
  void RejectSlowRequest() {
    NoteRequestLine();
    bool header = phase_ == Phase::kHeader;
    server_->Count(header ? &ServerStats::closed_header_timeout : &ServerStats::closed_body_timeout);
    Reject(408, "timeout",
           header ? "the request header did not arrive within " + Millis(limits().header_timeout)
                  : "the request body did not arrive within " + Millis(limits().body_timeout) +
                        " (is Content-Length longer than the body?)");
  }

  void OnReadError(beast::error_code ec) {
    NoteRequestLine();
    // The client left (or reset) before a whole request: nobody to answer.
    if (!IsBeastError(ec) || ec == http::error::end_of_stream || ec == http::error::partial_message) return Close();
    if (ec == http::error::header_limit) {
      return Reject(431, "headers_too_large",
                    "the request header exceeds " + std::to_string(kMaxHeaderBytes) + " bytes");
    }
    if (ec == http::error::body_limit) {
      return Reject(413, "too_large", "request body exceeds " + std::to_string(Api::kMaxBodyBytes) + " bytes");
    }
    Reject(400, "bad_request", "malformed HTTP request: " + ec.message());
  }

  // Answers a request the API never sees, then closes the connection.
  void Reject(int status, std::string_view kind, const std::string& message) {
    keep_alive_ = false;
    switch (status) {
      case 400: server_->Count(&ServerStats::rejected_400); break;
      case 408: server_->Count(&ServerStats::rejected_408); break;
      case 413: server_->Count(&ServerStats::rejected_413); break;
      case 431: server_->Count(&ServerStats::rejected_431); break;
      default: break;
    }
    Write(ErrorReply(status, kind, message).response);
  }

  void Dispatch() {
    Disarm(Phase::kHandling);
    auto& req = parser_->get();
    head_ = req.method() == http::verb::head;
    Request request;
    request.method = head_ ? "GET" : method_;
    request.target = target_;
    request.body = std::move(req.body());
    auto token = req.find("X-Admin-Token");
    if (token != req.end()) request.admin_token = std::string(token->value());
    Reply reply = server_->api->Handle(request);
    if (reply.render) return RenderThenDeliver(std::move(reply));
    server_->Deliver(std::move(reply), [self = shared_from_this()](Response response) { self->Answer(std::move(response)); });
  }

  // A page is rendered on the render thread with its reply memory taken
  // first (at the estimate, then at what it really occupies), so a page
  // refused for memory costs nothing to build.
  void RenderThenDeliver(Reply reply) {
    if (!server_->TakeReplyMemory(reply.render_bytes)) return RefuseForReplyMemory();
    held_ = reply.render_bytes;
    server_->Render([self = shared_from_this(), reply = std::move(reply)]() mutable {
      RenderNow(&reply);
      asio::post(self->socket_.get_executor(), [self, reply = std::move(reply)]() mutable {
        self->OnRendered(std::move(reply));
      });
    });
  }

  void OnRendered(Reply reply) {
    if (closed_) return;
    ReturnReplyMemory();
    held_ = reply.response.body.capacity();
    server_->ForceReplyMemory(held_);
    server_->Deliver(std::move(reply), [self = shared_from_this()](Response response) {
      self->Write(std::move(response));
    });
  }

  void RefuseForReplyMemory() {
    server_->Count(&ServerStats::refused_reply_memory);
    Write(ErrorReply(503, "busy",
                     "large replies waiting for slow clients fill the reply memory "
                     "(--max-reply-memory-mib); retry in a moment")
              .response);
  }

  // A large GET reply waits for its client only while the reply memory
  // allows (ConnectionLimits::max_reply_memory_bytes).
  void Answer(Response response) {
    if (closed_) return;
    if (!head_ && method_ == "GET") {
      // What the reply really occupies until it is sent.
      if (!server_->TakeReplyMemory(response.body.capacity())) return RefuseForReplyMemory();
      held_ = response.body.capacity();
    }
    Write(std::move(response));
  }

  void Write(Response response) {
    if (closed_) return;
    Arm(Phase::kWriting, limits().write_timeout);
    server_->AccessLog(method_, target_, response.status, started_us_);
    auto res = std::make_shared<http::response<http::string_body>>();
    res->result(static_cast<http::status>(response.status));
    res->version(11);
    res->set(http::field::content_type, response.content_type);
    res->keep_alive(keep_alive_);
    if (head_) {
      res->content_length(response.body.size());  // what GET would send, without the bytes
    } else {
      res->body() = std::move(response.body);
      res->prepare_payload();
    }
    http::async_write(socket_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      self->Disarm(Phase::kIdle);
      self->ReturnReplyMemory();
      if (ec || !self->keep_alive_) return self->Close();
      self->WaitForRequest();
    });
  }

  void ReturnReplyMemory() {
    if (held_ > 0) server_->ReturnReplyMemory(held_);
    held_ = 0;
  }

  // kReset: a reset instead of a FIN after unsent bytes, so the kernel drops
  // what a client that does not read would otherwise keep pinned.
  enum class CloseWith { kFin, kReset };
  void Close(CloseWith with = CloseWith::kFin) {
    if (closed_) return;
    closed_ = true;
    ++armed_;
    timer_.cancel();
    ReturnReplyMemory();
    beast::error_code ignored;
    if (with == CloseWith::kReset) socket_.set_option(asio::socket_base::linger(true, 0), ignored);
    else socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
    server_->Uncount(&ServerStats::open_connections);
  }

  tcp::socket socket_;
  HttpServer::Impl* server_;
  asio::steady_timer timer_;
  Phase phase_ = Phase::kIdle;
  uint64_t armed_ = 0;  // the timer's generation: a stale expiry is ignored
  bool closed_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
  bool head_ = false;
  size_t held_ = 0;  // reply memory taken by the reply being written
  int64_t started_us_ = 0;
  std::string method_, target_;
};

}  // namespace

void StartSession(tcp::socket socket, HttpServer::Impl* server) {
  std::make_shared<Session>(std::move(socket), server)->Start();
}

}  // namespace pb::server
