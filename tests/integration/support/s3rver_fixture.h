// The S3 endpoint of the s3 tests: a real s3rver (tools/s3rver, installed by
// scripts/setup.sh) on 127.0.0.1 and a free port, storing in a directory of
// the test, with one bucket and a key pair generated at run time (s3rver
// refuses other access key ids but does not verify signatures). Also the environment
// that points paymentsctl and the aws CLI at it, and a fault-injecting proxy.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/process.h"
#include "common/status.h"

namespace pb::integration {

class S3rver {
 public:
  static constexpr const char* kBucket = "pb-test";

  // `store_dir`: where s3rver keeps the bucket; `log_file`: its output.
  S3rver(std::string store_dir, std::string log_file);
  ~S3rver();  // kills the server
  S3rver(const S3rver&) = delete;
  S3rver& operator=(const S3rver&) = delete;

  // Starts s3rver (on a new free port the first time, on the same port
  // after Kill) and waits, at most 15 s, until it accepts connections.
  // Errors: IOError with the tail of its log (run scripts/setup.sh when
  // tools/s3rver/node_modules is missing).
  Status Start();
  // SIGKILL, then reaps it. No-op when not running.
  void Kill();

  uint16_t port() const { return port_; }
  // "http://127.0.0.1:PORT"
  std::string Endpoint() const;
  // AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
  // AWS_ENDPOINT_URL_S3 = `endpoint` (default Endpoint()) as "NAME=value".
  std::vector<std::string> ClientEnv(const std::string& endpoint = "") const;
  const std::string& access_key_id() const { return access_key_id_; }
  const std::string& secret_access_key() const { return secret_; }

 private:
  std::string store_dir_, log_file_;
  std::string access_key_id_, secret_;
  uint16_t port_ = 0;
  ChildProcess child_;
};

// The aws CLI to use: /usr/bin/aws (Debian's awscli) when present, else "aws"
// from PATH.
std::string AwsCli();
// The environment of an aws CLI child for `s3`: its keys, no user config
// (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE = /dev/null), no metadata
// service, HOME = `home`.
std::vector<std::string> AwsCliEnv(const S3rver& s3, const std::string& home);

// An HTTP proxy on 127.0.0.1 (free port) in front of `upstream_port` that
// answers some requests itself. One request per connection (it adds
// "Connection: close" upstream). `decide` gets the method, the target and
// the whole head (request line and headers) of each request and returns 0
// to forward it, or an HTTP status to answer with (an S3 XML error body,
// InternalError / SlowDown).
class FaultProxy {
 public:
  using Decide =
      std::function<int(const std::string& method, const std::string& target, const std::string& head)>;
  FaultProxy(uint16_t upstream_port, Decide decide);
  ~FaultProxy();  // stops accepting and joins every thread
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  uint16_t port() const { return port_; }
  std::string Endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int injected() const { return injected_; }

 private:
  void AcceptLoop();
  void Serve(int client);

  uint16_t upstream_port_;
  Decide decide_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> injected_{0};
  std::mutex threads_mu_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace pb::integration
