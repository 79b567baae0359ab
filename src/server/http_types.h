// server/: the HTTP face of the ledger — routing and validation (Api), the
// Beast/Asio event loop with durable-before-answer replies (HttpServer), the
// OpenAPI document and the per-request audit log.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace pb::server {

// An HTTP request as the API sees it (transport-independent, for tests).
struct Request {
  std::string method;        // "GET", "POST", ...
  std::string target;        // path plus optional "?query"
  std::string body;
  std::string admin_token;   // X-Admin-Token header, empty when absent
};

struct Response {
  int status = 200;
  std::string body;          // JSON text
  std::string content_type = "application/json";
};

// What the API answers and when: `response` may be sent once every journal
// record through `wait_seq` is durable (0: at once).
//
// A page of a list route is rendered off the event loop: then `render` is
// set and `response` is empty; the server reserves `render_bytes` (an
// estimate of the body) of its reply memory, calls `render` on its one
// render thread, and answers what it returns. `render` reads only what it
// captured (copies, or entries that never change) and the journal index
// (ledger::Ledger::Events), which only the render thread reads.
struct Reply {
  Response response;
  uint64_t wait_seq = 0;
  std::function<Response()> render;
  size_t render_bytes = 0;
};

// Renders a deferred reply on the calling thread: the server's render
// thread, or a caller without one (tests, fuzzers).
inline void RenderNow(Reply* reply) {
  if (!reply->render) return;
  reply->response = reply->render();
  reply->render = nullptr;
}

}  // namespace pb::server
