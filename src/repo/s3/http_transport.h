// repo/s3/: one HTTP request over libcurl. Each thread keeps its own curl
// handle (and so its own keep-alive connections); every request is bounded
// in time. No retries here: see retry_policy.h and s3_client.h.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "repo/s3/sigv4.h"

namespace pb::repo::s3 {

// Seconds to establish a connection, and the stall limit of a transfer
// (slower than kLowSpeedBytes per second for kStallSeconds aborts it).
inline constexpr long kConnectTimeoutSeconds = 10;
inline constexpr long kLowSpeedBytes = 1024;
inline constexpr long kStallSeconds = 30;

struct HttpRequest {
  std::string method;  // GET HEAD PUT POST DELETE
  std::string url;     // fully encoded
  HeaderList headers;  // sent as given (curl adds Content-Length for a body)
  std::string_view body;
};

struct HttpResponse {
  long status = 0;
  HeaderList headers;  // names in lower case
  std::string body;
  // The value of the header `lower_name`, "" when absent.
  std::string Header(std::string_view lower_name) const;
};

// Sends `request` and reads the whole response. A response whose body is
// shorter than its Content-Length is a transport error, never a response.
// Errors: Unavailable with curl's reason when no complete response arrived
// (refused, reset, timeout, truncated) — the caller may retry.
Result<HttpResponse> Perform(const HttpRequest& request);

}  // namespace pb::repo::s3
