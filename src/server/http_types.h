// server/: the HTTP face of the ledger — routing and validation (Api), the
// Beast/Asio event loop with durable-before-answer replies (HttpServer), the
// OpenAPI document and the per-request audit log.
#pragma once

#include <cstdint>
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
struct Reply {
  Response response;
  uint64_t wait_seq = 0;
};

}  // namespace pb::server
