#include "cluster/line_socket.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace pb::cluster {
namespace {

std::string Where(const std::string& host, uint16_t port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// Waits for `events` on fd; false on timeout.
Result<bool> Wait(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int n = ::poll(&p, 1, timeout_ms);
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return Status::FromErrno("poll", errno);
  }
}

// A numeric or named address of host:port, for a stream socket.
Result<addrinfo*> Resolve(const std::string& host, uint16_t port, int flags) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = flags;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) return Status::Unavailable("cannot resolve " + Where(host, port) + ": " + ::gai_strerror(rc));
  return found;
}

}  // namespace

Result<LineSocket> LineSocket::Connect(const std::string& host, uint16_t port, int timeout_ms) {
  PB_ASSIGN_OR_RETURN(addrinfo * found, Resolve(host, port, 0));
  Status last = Status::Unavailable("no address for " + Where(host, port));
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    ScopedFd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol));
    if (fd.get() < 0) {
      last = Status::FromErrno("socket", errno);
      continue;
    }
    if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last = Status::Unavailable("connect to " + Where(host, port) + ": " + std::strerror(errno));
      continue;
    }
    auto ready = Wait(fd.get(), POLLOUT, timeout_ms);
    int err = 0;
    socklen_t len = sizeof(err);
    if (!ready.ok() || !*ready) {
      last = Status::Unavailable("connect to " + Where(host, port) + ": no answer within " +
                                 std::to_string(timeout_ms) + " ms");
      continue;
    }
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      last = Status::Unavailable("connect to " + Where(host, port) + ": " + std::strerror(err));
      continue;
    }
    const int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ::freeaddrinfo(found);
    return LineSocket(std::move(fd));
  }
  ::freeaddrinfo(found);
  return last;
}

Result<std::optional<std::string>> LineSocket::ReadLine(int timeout_ms, size_t max_bytes) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return std::optional<std::string>(std::move(line));
    }
    if (buffer_.size() > max_bytes) {
      return Status::InvalidArgument("a line longer than " + std::to_string(max_bytes) + " bytes");
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    PB_ASSIGN_OR_RETURN(bool ready, Wait(fd_.get(), POLLIN, static_cast<int>(std::max<int64_t>(0, left.count()))));
    if (!ready) return std::optional<std::string>();
    char chunk[64 << 10];
    const ssize_t n = ::recv(fd_.get(), chunk, sizeof(chunk), 0);
    if (n == 0) return Status::Unavailable("the peer closed the connection");
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      if (errno == ECONNRESET || errno == ENOTCONN) return Status::Unavailable("the connection was reset");
      return Status::FromErrno("recv", errno);
    }
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

Status LineSocket::Write(std::string_view bytes, int timeout_ms) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      PB_ASSIGN_OR_RETURN(bool ready, Wait(fd_.get(), POLLOUT, timeout_ms));
      if (!ready) return Status::Unavailable("the peer did not read for " + std::to_string(timeout_ms) + " ms");
      continue;
    }
    return Status::Unavailable(std::string("the connection broke: ") + std::strerror(errno));
  }
  return Status::Ok();
}

void LineSocket::Shutdown() { ::shutdown(fd_.get(), SHUT_RDWR); }

Result<LineListener> LineListener::Listen(const std::string& host, uint16_t port) {
  PB_ASSIGN_OR_RETURN(addrinfo * found, Resolve(host, port, AI_NUMERICHOST | AI_PASSIVE));
  ScopedFd fd(::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  const int one = 1;
  Status st;
  if (fd.get() < 0) {
    st = Status::FromErrno("socket", errno);
  } else if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)),
             ::bind(fd.get(), found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd.get(), 16) != 0) {
    st = Status::FromErrno("listen on " + Where(host, port) + " (--replication-listen)", errno);
  }
  ::freeaddrinfo(found);
  PB_RETURN_IF_ERROR(st);
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  const uint16_t bound = ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                                          : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  return LineListener(std::move(fd), bound);
}

Result<std::optional<LineSocket>> LineListener::Accept(int timeout_ms) {
  PB_ASSIGN_OR_RETURN(bool ready, Wait(fd_.get(), POLLIN, timeout_ms));
  if (!ready) return std::optional<LineSocket>();
  ScopedFd conn(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
  if (conn.get() < 0) {
    if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) return std::optional<LineSocket>();
    return Status::FromErrno("accept a standby", errno);
  }
  const int one = 1;
  ::setsockopt(conn.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return std::optional<LineSocket>(LineSocket(std::move(conn)));
}

}  // namespace pb::cluster
