// cluster/: the few etcd v3 calls leadership needs (docs/cluster.md,
// "Leadership"), over etcd's JSON gateway with libcurl: leases, a put that
// succeeds only when the key does not exist, reading a key. Keys and values
// travel base64 encoded; int64s as strings. Every call is bounded by the
// client's timeout and tries the endpoints in turn.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace pb::cluster {

struct EtcdKey {
  std::string value;
  int64_t create_revision = 0;  // the revision that created it: the leader's term
  int64_t lease = 0;
};

// Thread-compatible (one thread at a time).
class EtcdClient {
 public:
  // `endpoints`: "http://HOST:PORT" URLs of the etcd members.
  EtcdClient(std::vector<std::string> endpoints, std::chrono::milliseconds timeout)
      : endpoints_(std::move(endpoints)), timeout_(timeout) {}

  // A lease of `ttl_seconds`; its id.
  Result<int64_t> GrantLease(int64_t ttl_seconds);
  // Renews `lease`; the TTL it now has, 0 when etcd no longer knows it
  // (expired or revoked).
  Result<int64_t> KeepAlive(int64_t lease);
  Status RevokeLease(int64_t lease);
  // Puts key = value bound to `lease` only if the key does not exist; the
  // revision of the put when it succeeded, nullopt when the key exists.
  Result<std::optional<int64_t>> CreateIfAbsent(const std::string& key, const std::string& value, int64_t lease);
  // The key, or nullopt when it does not exist.
  Result<std::optional<EtcdKey>> Get(const std::string& key);

 private:
  // POSTs `body` to `path` on the first endpoint that answers 200; its body.
  // Unavailable naming every endpoint tried when none does.
  Result<std::string> Call(const std::string& path, const std::string& body);

  std::vector<std::string> endpoints_;
  std::chrono::milliseconds timeout_;
  size_t preferred_ = 0;  // the endpoint that answered last
};

}  // namespace pb::cluster
