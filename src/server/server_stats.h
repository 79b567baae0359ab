// What the transport did with connections and malformed requests since the
// server started: the counters an operator's metrics read
// (HttpServer::stats()), and the line the service logs when it stops.
#pragma once

#include <cstdint>
#include <string>

namespace pb::server {

struct ServerStats {
  uint64_t open_connections = 0;       // admitted and not yet closed
  uint64_t accepted_total = 0;         // admitted (over-cap refusals not included)
  uint64_t refused_over_cap = 0;       // answered 503 "overloaded" at accept and closed (--max-connections)
  uint64_t accept_pauses = 0;          // accept() failed for lack of descriptors (EMFILE, ENFILE, ...): paused
  uint64_t closed_idle = 0;            // no request started within --idle-timeout
  uint64_t closed_header_timeout = 0;  // header not complete within --header-timeout (answered 408)
  uint64_t closed_body_timeout = 0;    // body not complete within --body-timeout (answered 408)
  uint64_t closed_write_timeout = 0;   // the reply not taken by the client within --write-timeout
  uint64_t refused_reply_memory = 0;   // large GET replies answered 503 "busy" (--max-reply-memory-mib)
  // Requests the transport answered itself, by status (each has an audit line).
  uint64_t rejected_400 = 0;  // bad syntax, or HTTP/1.1 without exactly one Host
  uint64_t rejected_408 = 0;  // header or body timeout (= closed_header_timeout + closed_body_timeout)
  uint64_t rejected_413 = 0;  // body over 64 KiB
  uint64_t rejected_431 = 0;  // header over 16 KiB
};

// "open=1 accepted=5 refused_over_cap=0 ...": every field as name=value, in
// the declaration order above (the service logs it when it stops).
std::string FormatServerStats(const ServerStats& stats);

}  // namespace pb::server
