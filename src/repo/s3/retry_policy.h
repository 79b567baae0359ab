// repo/s3/: when and how long to wait before sending a failed S3 request again.
#pragma once

#include <chrono>
#include <cstdint>

namespace pb::repo::s3 {

// Bounded exponential backoff with jitter. Attempt n (n >= 2) waits
// min(cap, base * 2^(n-2)): half of it fixed, half uniformly random, so
// clients that failed together do not return together.
struct RetryPolicy {
  int max_attempts = 6;  // including the first
  std::chrono::milliseconds base{200};
  std::chrono::milliseconds cap{5000};

  // The wait before attempt `attempt` (2..max_attempts); `random` is any
  // 64-bit random value.
  std::chrono::milliseconds DelayBefore(int attempt, uint64_t random) const;
};

// True for the answers worth repeating: 5xx (server failing) except 501 Not
// Implemented, 429 and 503 SlowDown (throttled), 408 (request timeout).
// Other 4xx are final.
bool IsRetryableStatus(long http_status);

}  // namespace pb::repo::s3
