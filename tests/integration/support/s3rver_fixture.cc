#include "support/s3rver_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>
#include <stdexcept>
#include <thread>

#include "support/test_support.h"

namespace pb::integration {
namespace {

std::string RandomHex(size_t chars) {
  std::random_device rd;
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < chars; ++i) out += kHex[rd() % 16];
  return out;
}

int ConnectLoopback(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

bool SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

S3rver::S3rver(std::string store_dir, std::string log_file)
    : store_dir_(std::move(store_dir)),
      log_file_(std::move(log_file)),
      access_key_id_("PBTEST" + RandomHex(14)),
      secret_(RandomHex(40)) {}

S3rver::~S3rver() { Kill(); }

Status S3rver::Start() {
  if (port_ == 0) port_ = FreeLoopbackPort();
  const std::string script = SourcePath("tools/s3rver/serve.js");
  SpawnOptions spawn;
  spawn.output_file = log_file_;
  spawn.extra_env = {"S3RVER_ACCESS_KEY_ID=" + access_key_id_, "S3RVER_SECRET_ACCESS_KEY=" + secret_};
  auto child = Spawn(
      {"node", "--openssl-legacy-provider", script, "127.0.0.1", std::to_string(port_), store_dir_, kBucket}, spawn);
  if (!child.ok()) return child.status();
  child_ = std::move(child).value();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    int code = 0;
    if (child_.TryWait(&code)) {
      return Status::IOError("s3rver exited with " + std::to_string(code) +
                             " (run scripts/setup.sh to install tools/s3rver): " + FileTail(log_file_));
    }
    if (ReadFileOrEmpty(log_file_).find("listening") != std::string::npos) {
      int fd = ConnectLoopback(port_);
      if (fd >= 0) {
        ::close(fd);
        return Status::Ok();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Kill();
  return Status::IOError("s3rver did not listen on 127.0.0.1:" + std::to_string(port_) + " within 15 s: " +
                         FileTail(log_file_));
}

void S3rver::Kill() {
  if (child_.running()) child_.Kill();
}

std::string S3rver::Endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<std::string> S3rver::ClientEnv(const std::string& endpoint) const {
  return {"AWS_ACCESS_KEY_ID=" + access_key_id_, "AWS_SECRET_ACCESS_KEY=" + secret_, "AWS_REGION=us-east-1",
          "AWS_ENDPOINT_URL_S3=" + (endpoint.empty() ? Endpoint() : endpoint)};
}

std::string AwsCli() { return ::access("/usr/bin/aws", X_OK) == 0 ? "/usr/bin/aws" : "aws"; }

std::vector<std::string> AwsCliEnv(const S3rver& s3, const std::string& home) {
  return {"AWS_ACCESS_KEY_ID=" + s3.access_key_id(), "AWS_SECRET_ACCESS_KEY=" + s3.secret_access_key(),
          "AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
          "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=", "HOME=" + home};
}

FaultProxy::FaultProxy(uint16_t upstream_port, Decide decide)
    : upstream_port_(upstream_port), decide_(std::move(decide)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0) {
    throw std::runtime_error(std::string("bind/listen 127.0.0.1:0: ") + std::strerror(errno));
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FaultProxy::~FaultProxy() {
  stopping_ = true;
  acceptor_.join();
  ::close(listen_fd_);
  std::lock_guard<std::mutex> lock(threads_mu_);
  for (std::thread& t : threads_) t.join();
}

void FaultProxy::AcceptLoop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    timeval tv{30, 0};
    ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::lock_guard<std::mutex> lock(threads_mu_);
    threads_.emplace_back([this, client] { Serve(client); });
  }
}

void FaultProxy::Serve(int client) {
  // Read the head, then Content-Length bytes of body.
  std::string request;
  char buf[65536];
  size_t head_end;
  while ((head_end = request.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = ::recv(client, buf, sizeof buf, 0);
    if (n <= 0) {
      ::close(client);
      return;
    }
    request.append(buf, static_cast<size_t>(n));
  }
  std::string head = request.substr(0, head_end + 2);
  size_t body_length = 0;
  std::string lower = head;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (size_t p = lower.find("\r\ncontent-length:"); p != std::string::npos) {
    body_length = std::strtoull(lower.c_str() + p + 17, nullptr, 10);
  }
  while (request.size() < head_end + 4 + body_length) {
    ssize_t n = ::recv(client, buf, sizeof buf, 0);
    if (n <= 0) {
      ::close(client);
      return;
    }
    request.append(buf, static_cast<size_t>(n));
  }
  size_t sp1 = head.find(' ');
  size_t sp2 = head.find(' ', sp1 + 1);
  int status = decide_(head.substr(0, sp1), head.substr(sp1 + 1, sp2 - sp1 - 1), head);
  if (status != 0) {
    ++injected_;
    std::string code = status == 503 ? "SlowDown" : "InternalError";
    std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code +
                       "</Code><Message>injected by the test</Message></Error>";
    SendAll(client, "HTTP/1.1 " + std::to_string(status) + " Injected\r\nContent-Type: application/xml\r\n"
                    "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    ::close(client);
    return;
  }
  int upstream = ConnectLoopback(upstream_port_);
  if (upstream >= 0) {
    size_t line_end = request.find("\r\n");
    std::string forwarded = request.substr(0, line_end + 2) + "Connection: close\r\n" + request.substr(line_end + 2);
    if (SendAll(upstream, forwarded)) {
      for (;;) {
        ssize_t n = ::recv(upstream, buf, sizeof buf, 0);
        if (n <= 0 || !SendAll(client, std::string_view(buf, static_cast<size_t>(n)))) break;
      }
    }
    ::close(upstream);
  }
  ::close(client);
}

}  // namespace pb::integration
