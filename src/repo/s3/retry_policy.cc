#include "repo/s3/retry_policy.h"

#include <algorithm>

namespace pb::repo::s3 {

std::chrono::milliseconds RetryPolicy::DelayBefore(int attempt, uint64_t random) const {
  int shift = std::clamp(attempt - 2, 0, 30);
  int64_t full = std::min<int64_t>(cap.count(), base.count() << shift);
  int64_t half = full / 2;
  return std::chrono::milliseconds(half + (half > 0 ? static_cast<int64_t>(random % (half + 1)) : 0));
}

bool IsRetryableStatus(long http_status) {
  return (http_status >= 500 && http_status != 501) || http_status == 429 || http_status == 408;
}

}  // namespace pb::repo::s3
