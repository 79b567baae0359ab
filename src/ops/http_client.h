// ops/: the operator's checks of a host and its backups — paymentsctl doctor
// (volume, free space, permissions, snapshot age, EC2 root volume) and
// paymentsctl drill (restore, start, health, verify, balances, timed).
// This file: a minimal blocking HTTP/1.1 client for the drill's /health and
// /api/balances on 127.0.0.1 and the doctor's EC2 instance metadata lookup.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace pb::ops {

struct HttpReply {
  int status = 0;
  std::string body;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// One request on a fresh connection ("Connection: close"), the whole answer
// read until the server closes. `ipv4` is a numeric address (no name lookup).
// Every step (connect, send, each read) is bounded by `timeout_ms`.
// Errors: Unavailable when the server cannot be reached or does not answer in
// time; IOError for a malformed or chunked answer.
Result<HttpReply> HttpRequest(const std::string& method, const std::string& ipv4, uint16_t port,
                              const std::string& target, const HttpHeaders& headers, int timeout_ms);

}  // namespace pb::ops
