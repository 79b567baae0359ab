// Support for the integration tests: real payments-backend processes on
// 127.0.0.1, a minimal blocking HTTP/1.1 client, temporary directories and
// bounded child-process runs. Every wait here is bounded in time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/money.h"
#include "common/process.h"
#include "common/status.h"
#include "support/temp_dir.h"

namespace pb::integration {

using namespace std::chrono_literals;

using pb::testing::TempDir;

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr int64_t kDayMs = 24 * 3600 * 1000;  // a day in milliseconds

// A TCP port on 127.0.0.1 that was free a moment ago (bound to :0, read back,
// closed). Another process may take it in between; callers retry with a new
// one when listening fails.
uint16_t FreeLoopbackPort();

// PB_BIN_DIR/name (payments-backend, paymentsctl).
std::string BinPath(std::string_view name);
// PB_SOURCE_DIR/rel: a file of the source tree ("" names the tree). Only
// the support library has the paths compiled in, so a test file compiles the
// same in every checkout and a second clone takes it from ccache.
std::string SourcePath(std::string_view rel);

// Whole file, or "" when it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);
// Splits on '\n'; a final piece without newline is kept, empty lines dropped.
std::vector<std::string> Lines(std::string_view text);
// Last `max_bytes` of a file (for failure messages).
std::string FileTail(const std::string& path, size_t max_bytes = 4000);

// Exact decimal ETH → wei, independent of pb::ParseEth (digits, optional
// '.', at most 18 places). Throws std::invalid_argument otherwise.
Wei EthToWei(std::string_view text);
// Wei → decimal ETH text (shortest exact form, like the service: "0.000001").
std::string WeiToEth(Wei wei);

// Request bodies of the API (ids must be [A-Za-z0-9._:-]).
std::string RegisterBody(std::string_view orchestrator_id);  // a fixed valid address
std::string CreditBody(std::string_view workload_id, std::string_view orchestrator_id, std::string_view amount_eth);

// Outcome of a bounded child run.
struct RunOutput {
  int exit_code = -1;      // exit status, 128+signal when killed
  bool timed_out = false;  // killed by us after the deadline
  std::string output;      // stdout and stderr
};
// Runs argv with `extra_env` (see pb::SpawnOptions) and waits at most
// `timeout`; on timeout the child is killed and timed_out is set.
RunOutput RunBounded(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {},
                     std::chrono::milliseconds timeout = 60s);
// paymentsctl verify --data-dir DIR [--json], bounded.
RunOutput RunVerify(const std::string& data_dir, bool json = false);

// ---------------------------------------------------------------------------
// HTTP/1.1 client

struct HttpResponse {
  int status = 0;
  std::string reason;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  bool connection_close = false;  // "Connection: close"
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

// One blocking keep-alive connection to 127.0.0.1:port (TCP_NODELAY,
// SOCK_CLOEXEC, send/receive timeouts). Requests carry Content-Length;
// responses must carry Content-Length (or end at EOF). Any I/O or parse
// error closes the connection and is returned; there is no automatic
// reconnection (callers decide). Not copyable; one thread at a time.
class HttpClient {
 public:
  explicit HttpClient(uint16_t port, std::chrono::milliseconds io_timeout = 10s);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Status Connect();
  // Connect() retried every 20 ms while refused, for at most `budget`.
  Status ConnectWithRetry(std::chrono::milliseconds budget = 5s);
  bool connected() const { return fd_ >= 0; }
  void Close();
  // How many successful Connect() calls this client made.
  int connects() const { return connects_; }
  // Local port of the current connection (0 when closed).
  uint16_t local_port() const;

  // Sends one request and reads its response. `headers` are extra
  // "Name: value" pairs. REQUIRES: connected().
  Result<HttpResponse> Request(std::string_view method, std::string_view target, std::string_view body = {},
                               const std::vector<std::pair<std::string, std::string>>& headers = {});
  Result<HttpResponse> Get(std::string_view target,
                           const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return Request("GET", target, {}, headers);
  }
  Result<HttpResponse> Post(std::string_view target, std::string_view body,
                            const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return Request("POST", target, body, headers);
  }

  // Low level: raw bytes out (a send error is returned but the connection
  // stays open so a response already sent by the server can still be read),
  // and one response in (`to_head`: the answer to a HEAD, whose
  // Content-Length announces a body that does not follow).
  Status SendRaw(std::string_view bytes);
  Result<HttpResponse> ReadResponse(bool to_head = false);
  // True when the peer closed the connection (EOF or reset) within `wait`
  // and sent nothing else; false when data arrived or the wait ran out.
  bool WaitForPeerClose(std::chrono::milliseconds wait);

 private:
  Status Fail(Status st);
  // Reads more bytes into buffer_; 0 on EOF.
  Result<size_t> Fill();

  uint16_t port_;
  std::chrono::milliseconds io_timeout_;
  int fd_ = -1;
  int connects_ = 0;
  std::string buffer_;
};

// ---------------------------------------------------------------------------
// payments-backend child process

struct BackendOptions {
  std::string data_dir;
  // Appended to by the server's stdout/stderr. Default: <data_dir>.log
  std::string log_file;
  // 0: a free loopback port is picked (and re-picked when listening fails).
  uint16_t port = 0;
  // Further arguments, e.g. {"--checkpoint-interval", "1"}.
  std::vector<std::string> extra_args;
  // PAYMENTS_API_ADMIN_TOKEN for the child; empty means explicitly unset.
  std::string admin_token;
  std::vector<std::string> extra_env;
  // How long to wait for GET /health to answer 200.
  std::chrono::milliseconds ready_timeout = 10s;
  // > 0: the child's RLIMIT_NOFILE, soft and hard (`ulimit -n`), set by
  // prlimit(1) before payments-backend starts.
  uint64_t open_files_limit = 0;
};

// payments-backend started with --data-dir and --listen 127.0.0.1:PORT via
// pb::Spawn. Start() returns once GET /health answered 200. The destructor
// kills a still-running server with SIGKILL. Not copyable.
class BackendProcess {
 public:
  // Error: the process exited, or /health did not answer in time (the
  // message carries the log tail).
  static Result<std::unique_ptr<BackendProcess>> Start(BackendOptions options);
  ~BackendProcess();
  BackendProcess(const BackendProcess&) = delete;
  BackendProcess& operator=(const BackendProcess&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const { return child_.pid(); }
  bool running() const { return child_.running(); }
  const BackendOptions& options() const { return options_; }
  const std::string& log_file() const { return options_.log_file; }
  // /health requests that were answered during Start() (each one is a line
  // in audit/payments-audit.log).
  int health_probes_answered() const { return health_probes_answered_; }

  // SIGKILL, then reaps; returns the wait status (137 for SIGKILL).
  int Kill9();
  // SIGTERM, then waits at most `timeout` (SIGKILL after it, reported as
  // -1 so the caller sees that the stop was not clean). Returns the exit code.
  int Terminate(std::chrono::milliseconds timeout = 30s);

 private:
  BackendProcess() = default;
  // Waits at most `timeout` for the child to exit; -2 when still running.
  int WaitBounded(std::chrono::milliseconds timeout);

  BackendOptions options_;
  uint16_t port_ = 0;
  ChildProcess child_;
  int health_probes_answered_ = 0;
};

}  // namespace pb::integration
