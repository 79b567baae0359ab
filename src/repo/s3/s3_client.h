// repo/s3/: the S3 REST operations the backend uses — signed (SigV4), sent
// over libcurl, retried per RetryPolicy, and their failures turned into
// Status values that tell the operator what to do. Knows object keys, not
// the repository layout (that is s3_backend.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "repo/s3/http_transport.h"
#include "repo/s3/retry_policy.h"
#include "repo/s3/s3_config.h"

namespace pb::repo::s3 {

// The user metadata header holding the lowercase hex SHA-256 of the whole
// object, set by every Put and CreateMultipartUpload.
inline constexpr std::string_view kSha256Header = "x-amz-meta-sha256";

struct ObjectInfo {
  uint64_t size = 0;
  std::string sha256;  // kSha256Header, "" when the object has none (written by another tool)
};

struct ListedObject {
  std::string key;
  uint64_t size = 0;
};

struct PendingUpload {
  std::string key;
  std::string upload_id;
};

// Thread-safe: every call may run concurrently (one curl handle per thread).
//
// Errors of every call, after the retries: NotFound (404: no such key, or
// no such bucket — saying to create it), IOError for a refused request
// (403: which variables to check; other 4xx: S3's code and message),
// Unavailable when the endpoint cannot be reached or keeps failing (5xx,
// 429, timeouts, cut connections: "retry later"). Messages name the
// endpoint, bucket and key, never a secret.
class S3Client {
 public:
  explicit S3Client(Config config, RetryPolicy retry = {});
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  const Config& config() const { return config_; }
  // "s3://BUCKET/KEY" for messages.
  std::string Url(std::string_view key) const;

  Result<ObjectInfo> Head(const std::string& key);
  // The whole object; checks its length against Content-Length and, when
  // present, its SHA-256 against kSha256Header (Corruption on mismatch).
  Result<std::string> Get(const std::string& key);
  // `length` (> 0) bytes at `offset`. Corruption when the object does not
  // hold the whole range (416, or a shorter answer), naming its size (asked
  // with a HEAD when the answer does not give it): never a short result.
  Result<std::string> GetRange(const std::string& key, uint64_t offset, uint64_t length);
  // Stores `body` in one request with kSha256Header = sha256_hex.
  Status Put(const std::string& key, std::string_view body, const std::string& sha256_hex);
  Status Delete(const std::string& key);
  // The objects whose key begins with `prefix`, in key order, following
  // ListObjectsV2 continuation tokens; stops once `limit` (> 0) are listed.
  Result<std::vector<ListedObject>> List(const std::string& prefix, size_t limit = SIZE_MAX);

  // Multipart upload (for objects above s3_backend.h's threshold).
  Result<std::string> CreateMultipartUpload(const std::string& key, const std::string& sha256_hex);
  // Returns the part's ETag.
  Result<std::string> UploadPart(const std::string& key, const std::string& upload_id, int part_number,
                                 std::string_view body);
  // REQUIRES: etags[i] is the ETag of part i+1.
  Status CompleteMultipartUpload(const std::string& key, const std::string& upload_id,
                                 const std::vector<std::string>& etags);
  Status AbortMultipartUpload(const std::string& key, const std::string& upload_id);
  // The unfinished multipart uploads under `prefix`; nullopt when the server
  // does not implement the listing (501 NotImplemented, 405).
  Result<std::optional<std::vector<PendingUpload>>> ListMultipartUploads(const std::string& prefix);

  // How many requests were sent again after a failure (for tests and logs).
  uint64_t retries() const { return retries_; }

 private:
  // Signs and sends one request, repeating it per retry_ on transport errors
  // and retryable statuses. Returns the last response, whatever its status.
  Result<HttpResponse> Send(const std::string& method, const std::string& key, const HeaderList& query,
                            HeaderList headers, std::string_view body, const std::string& what);
  // The Status of the non-2xx `response` to `what` (an operation and a key).
  Status Failure(const HttpResponse& response, const std::string& what) const;

  Config config_;
  RetryPolicy retry_;
  std::atomic<uint64_t> retries_{0};
};

}  // namespace pb::repo::s3
