#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "ledger/ledger.h"
#include "server/api.h"

namespace pb::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8081;
  // How often the JSON checkpoints are rewritten in the background.
  int checkpoint_interval_seconds = 30;
};

// HTTP/1.1 keep-alive server on one event-loop thread (Boost.Beast + Asio).
// A request's answer leaves only when every journal record it depends on is
// durable (group commit); one line per request goes to payments-audit.log.
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
  // Runs the event loop until SIGINT/SIGTERM or Stop().
  void Run();
  // Thread-safe.
  void Stop();

  struct Impl;  // implementation detail (Beast types stay out of this header)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace pb::server
