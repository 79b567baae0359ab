#include "support/test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef PB_BIN_DIR
#error "PB_BIN_DIR must name the directory holding payments-backend and paymentsctl"
#endif
#ifndef PB_SOURCE_DIR
#error "PB_SOURCE_DIR must name the source tree"
#endif

namespace pb::integration {

// ---------------------------------------------------------------------------
// Files and directories

uint16_t FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    ::close(fd);
    throw std::runtime_error(std::string("bind 127.0.0.1:0: ") + std::strerror(err));
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string BinPath(std::string_view name) { return std::string(PB_BIN_DIR) + "/" + std::string(name); }

std::string SourcePath(std::string_view rel) {
  return rel.empty() ? std::string(PB_SOURCE_DIR) : std::string(PB_SOURCE_DIR) + "/" + std::string(rel);
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    if (end > pos) out.emplace_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

std::string FileTail(const std::string& path, size_t max_bytes) {
  std::string all = ReadFileOrEmpty(path);
  return all.size() <= max_bytes ? all : "..." + all.substr(all.size() - max_bytes);
}

// ---------------------------------------------------------------------------
// Money

Wei EthToWei(std::string_view text) {
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  auto digits = [](std::string_view s) {
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  if (whole.empty() || !digits(whole) || !digits(frac) || frac.size() > 18 ||
      (dot != std::string_view::npos && frac.empty()) || whole.size() > 18) {
    throw std::invalid_argument("not a decimal ETH amount: '" + std::string(text) + "'");
  }
  Wei wei = 0;
  for (char c : whole) wei = wei * 10 + (c - '0');
  for (size_t i = 0; i < 18; ++i) wei = wei * 10 + (i < frac.size() ? frac[i] - '0' : 0);
  return wei;
}

std::string WeiToEth(Wei wei) {
  bool negative = wei < 0;
  if (negative) wei = -wei;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(wei % 10)));
    wei /= 10;
  } while (wei > 0);
  if (digits.size() <= 18) digits.insert(0, 19 - digits.size(), '0');
  std::string whole = digits.substr(0, digits.size() - 18), frac = digits.substr(digits.size() - 18);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return (negative ? "-" : "") + whole + (frac.empty() ? "" : "." + frac);
}

std::string RegisterBody(std::string_view orchestrator_id) {
  return "{\"orchestrator_id\":\"" + std::string(orchestrator_id) +
         "\",\"address\":\"0x00000000000000000000000000000000000000a1\"}";
}

std::string CreditBody(std::string_view workload_id, std::string_view orchestrator_id, std::string_view amount_eth) {
  return "{\"workload_id\":\"" + std::string(workload_id) + "\",\"orchestrator_id\":\"" + std::string(orchestrator_id) +
         "\",\"amount\":\"" + std::string(amount_eth) + "\"}";
}

// ---------------------------------------------------------------------------
// Child processes

namespace {

// Reaps `child` if it exited within `timeout`; returns its exit code (128 +
// signal when killed) or -2 when it is still running.
int ReapWithin(ChildProcess& child, std::chrono::milliseconds timeout) {
  if (!child.running()) return -1;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(child.pid(), &status, WNOHANG);
    if (r == child.pid() || (r < 0 && errno != EINTR)) {
      ChildProcess done = std::move(child);  // reaped: forget the pid without waiting again
      (void)done;
      if (r < 0) return -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -2;
    std::this_thread::sleep_for(5ms);
  }
}

}  // namespace

RunOutput RunBounded(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
                     std::chrono::milliseconds timeout) {
  RunOutput out;
  char tmpl[] = "/tmp/pb-integ-run-XXXXXX";
  int fd = ::mkstemp(tmpl);
  if (fd < 0) {
    out.output = std::string("mkstemp: ") + std::strerror(errno);
    return out;
  }
  ::close(fd);
  SpawnOptions options;
  options.extra_env = extra_env;
  options.output_file = tmpl;
  auto child = Spawn(argv, options);
  if (!child.ok()) {
    ::unlink(tmpl);
    out.output = child.status().ToString();
    return out;
  }
  int code = ReapWithin(*child, timeout);
  if (code == -2) {
    out.timed_out = true;
    code = child->Kill();
  }
  out.exit_code = code;
  out.output = ReadFileOrEmpty(tmpl);
  ::unlink(tmpl);
  return out;
}

RunOutput RunVerify(const std::string& data_dir, bool json) {
  std::vector<std::string> argv = {BinPath("paymentsctl"), "verify", "--data-dir", data_dir};
  if (json) argv.push_back("--json");
  return RunBounded(argv, {}, 120s);
}

// ---------------------------------------------------------------------------
// HTTP client

HttpClient::HttpClient(uint16_t port, std::chrono::milliseconds io_timeout) : port_(port), io_timeout_(io_timeout) {}

HttpClient::~HttpClient() { Close(); }

void HttpClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

Status HttpClient::Fail(Status st) {
  Close();
  return st;
}

Status HttpClient::Connect() {
  Close();
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno("socket", errno);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(io_timeout_.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((io_timeout_.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port_);
  int rc;
  do {
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno("connect 127.0.0.1:" + std::to_string(port_), err);
  }
  fd_ = fd;
  ++connects_;
  return Status::Ok();
}

Status HttpClient::ConnectWithRetry(std::chrono::milliseconds budget) {
  auto deadline = std::chrono::steady_clock::now() + budget;
  for (int attempt = 0;; ++attempt) {
    Status st = Connect();
    if (st.ok() || std::chrono::steady_clock::now() >= deadline || attempt >= 1000) return st;
    std::this_thread::sleep_for(20ms);
  }
}

uint16_t HttpClient::local_port() const {
  if (fd_ < 0) return 0;
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  return ntohs(addr.sin_port);
}

Status HttpClient::SendRaw(std::string_view bytes) {
  if (fd_ < 0) return Status::Unavailable("not connected");
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("send", errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Result<size_t> HttpClient::Fill() {
  char chunk[64 * 1024];
  for (;;) {
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return Status::IOError("receive timed out");
      return Status::FromErrno("recv", errno);
    }
    buffer_.append(chunk, static_cast<size_t>(n));
    return static_cast<size_t>(n);
  }
}

Result<HttpResponse> HttpClient::ReadResponse(bool to_head) {
  if (fd_ < 0) return Status::Unavailable("not connected");
  size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (buffer_.size() > 64 * 1024) return Fail(Status::IOError("response header larger than 64 KiB"));
    auto n = Fill();
    if (!n.ok()) return Fail(n.status());
    if (*n == 0) {
      return Fail(Status::IOError(buffer_.empty() ? "connection closed before a response"
                                                  : "connection closed inside a response header"));
    }
  }
  HttpResponse response;
  std::string head = buffer_.substr(0, header_end);
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  // "HTTP/1.1 201 Created"
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12 || status_line[8] != ' ') {
    return Fail(Status::IOError("bad status line '" + status_line.substr(0, 80) + "'"));
  }
  try {
    response.status = std::stoi(status_line.substr(9, 3));
  } catch (const std::exception&) {
    return Fail(Status::IOError("bad status code in '" + status_line.substr(0, 80) + "'"));
  }
  response.reason = status_line.size() > 13 ? status_line.substr(13) : "";
  bool http10 = status_line.rfind("HTTP/1.0", 0) == 0;
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string::npos) end = head.size();
    std::string line = head.substr(pos, end - pos);
    pos = end + 2;
    size_t colon = line.find(':');
    if (colon == std::string::npos) return Fail(Status::IOError("bad header line '" + line.substr(0, 80) + "'"));
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    response.headers[name] = value;
  }
  buffer_.erase(0, header_end + 4);
  std::string connection = response.Header("connection");
  for (char& c : connection) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  response.connection_close = connection == "close" || (http10 && connection != "keep-alive");
  if (to_head) {
    if (response.connection_close) Close();
    return response;
  }
  if (!response.Header("transfer-encoding").empty()) {
    return Fail(Status::IOError("chunked responses are not supported by this test client"));
  }
  std::string length_text = response.Header("content-length");
  if (!length_text.empty()) {
    size_t length;
    try {
      length = std::stoul(length_text);
    } catch (const std::exception&) {
      return Fail(Status::IOError("bad Content-Length '" + length_text + "'"));
    }
    if (length > (256u << 20)) return Fail(Status::IOError("Content-Length above 256 MiB"));
    while (buffer_.size() < length) {
      auto n = Fill();
      if (!n.ok()) return Fail(n.status());
      if (*n == 0) return Fail(Status::IOError("connection closed inside a response body"));
    }
    response.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
  } else if (response.status / 100 != 1 && response.status != 204 && response.status != 304) {
    // No length: the body ends at EOF.
    for (int i = 0; i < 100000; ++i) {
      auto n = Fill();
      if (!n.ok()) return Fail(n.status());
      if (*n == 0) break;
    }
    response.body = std::move(buffer_);
    buffer_.clear();
    response.connection_close = true;
  }
  if (response.connection_close) Close();
  return response;
}

Result<HttpResponse> HttpClient::Request(std::string_view method, std::string_view target, std::string_view body,
                                         const std::vector<std::pair<std::string, std::string>>& headers) {
  if (fd_ < 0) return Status::Unavailable("not connected");
  std::string request;
  request.reserve(256 + body.size());
  request.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  request.append("Host: 127.0.0.1:").append(std::to_string(port_)).append("\r\n");
  for (const auto& [name, value] : headers) request.append(name).append(": ").append(value).append("\r\n");
  if (!body.empty() || method == "POST" || method == "PUT") {
    request.append("Content-Type: application/json\r\n");
    request.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  request.append("\r\n").append(body);
  Status sent = SendRaw(request);
  if (!sent.ok()) {
    // The server may have answered and closed early (e.g. 413): read it.
    auto early = ReadResponse();
    if (early.ok()) return early;
    return Fail(sent);
  }
  return ReadResponse();
}

bool HttpClient::WaitForPeerClose(std::chrono::milliseconds wait) {
  if (fd_ < 0) return true;
  if (!buffer_.empty()) return false;
  pollfd p{fd_, POLLIN, 0};
  int rc;
  do {
    rc = ::poll(&p, 1, static_cast<int>(wait.count()));
  } while (rc < 0 && errno == EINTR);
  if (rc <= 0) return false;
  char c;
  ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
    Close();
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// payments-backend

Result<std::unique_ptr<BackendProcess>> BackendProcess::Start(BackendOptions options) {
  if (options.log_file.empty()) options.log_file = options.data_dir + ".log";
  const bool pick_port = options.port == 0;
  std::string last_error;
  for (int attempt = 0; attempt < (pick_port ? 3 : 1); ++attempt) {
    std::unique_ptr<BackendProcess> p(new BackendProcess());
    p->options_ = options;
    p->port_ = pick_port ? FreeLoopbackPort() : options.port;
    std::vector<std::string> argv;
    if (options.open_files_limit > 0) {
      argv = {"prlimit", "--nofile=" + std::to_string(options.open_files_limit) + ":" +
                             std::to_string(options.open_files_limit), "--"};
    }
    argv.insert(argv.end(), {BinPath("payments-backend"), "--data-dir", options.data_dir, "--listen",
                             "127.0.0.1:" + std::to_string(p->port_)});
    argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
    SpawnOptions spawn;
    spawn.output_file = options.log_file;
    // Flags win over these, but an inherited value must not leak into a test.
    spawn.extra_env = {"PAYMENTS_API_ADMIN_TOKEN=" + options.admin_token, "PAYMENTS_DATA_DIR=", "PAYMENTS_LISTEN="};
    spawn.extra_env.insert(spawn.extra_env.end(), options.extra_env.begin(), options.extra_env.end());
    size_t log_offset = ReadFileOrEmpty(options.log_file).size();
    auto child = Spawn(argv, spawn);
    if (!child.ok()) return child.status();
    p->child_ = std::move(child.value());

    auto deadline = std::chrono::steady_clock::now() + options.ready_timeout;
    bool ready = false;
    int exit_code = -2;
    for (int poll = 0; poll < 100000 && std::chrono::steady_clock::now() < deadline; ++poll) {
      exit_code = p->WaitBounded(0ms);
      if (exit_code != -2) break;
      HttpClient client(p->port_, 2s);
      if (client.Connect().ok()) {
        auto health = client.Get("/health");
        if (health.ok()) ++p->health_probes_answered_;
        if (health.ok() && health->status == 200) {
          ready = true;
          break;
        }
      }
      std::this_thread::sleep_for(10ms);
    }
    if (ready) return p;
    std::string log = ReadFileOrEmpty(options.log_file);
    log = log.size() > log_offset ? log.substr(log_offset) : "";
    if (log.size() > 4000) log = "..." + log.substr(log.size() - 4000);
    if (exit_code == -2) {
      p->Kill9();
      return Status::Unavailable("payments-backend on port " + std::to_string(p->port_) + " did not answer GET " +
                                 "/health within " + std::to_string(options.ready_timeout.count()) + " ms; log:\n" +
                                 log);
    }
    last_error = "payments-backend exited with " + std::to_string(exit_code) + " before it was ready; log:\n" + log;
    // Someone else may have taken the port between probe and bind: retry.
    if (log.find("cannot listen") == std::string::npos) break;
  }
  return Status::Unavailable(last_error);
}

BackendProcess::~BackendProcess() {
  if (child_.running()) Kill9();
}

int BackendProcess::WaitBounded(std::chrono::milliseconds timeout) { return ReapWithin(child_, timeout); }

int BackendProcess::Kill9() {
  if (!child_.running()) return -1;
  return child_.Kill();
}

int BackendProcess::Terminate(std::chrono::milliseconds timeout) {
  if (!child_.running()) return -1;
  child_.Signal(SIGTERM);
  int code = WaitBounded(timeout);
  if (code == -2) {
    child_.Kill();
    return -1;
  }
  return code;
}

}  // namespace pb::integration
