#include "support/connection_crowd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace pb::integration {

ConnectionCrowd::~ConnectionCrowd() {
  for (Conn& c : conns_) {
    if (c.fd >= 0) ::close(c.fd);
  }
}

void ConnectionCrowd::Connect(size_t n, int receive_buffer, std::chrono::milliseconds budget) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port_);
  const size_t first = conns_.size();
  for (size_t i = 0; i < n; ++i) {
    Conn c;
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      ++connect_failed_;
      continue;
    }
    if (receive_buffer > 0) ::setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    int rc = ::connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    if (rc != 0 && errno != EINPROGRESS) {
      ::close(c.fd);
      ++connect_failed_;
      continue;
    }
    c.connecting = rc != 0;
    if (!c.connecting) ++connected_;
    conns_.push_back(c);
  }
  // Wait for the connections still in progress.
  auto deadline = std::chrono::steady_clock::now() + budget;
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<size_t> which;
    for (size_t i = first; i < conns_.size(); ++i) {
      if (!conns_[i].connecting) continue;
      fds.push_back({conns_[i].fd, POLLOUT, 0});
      which.push_back(i);
    }
    if (fds.empty() || std::chrono::steady_clock::now() >= deadline) break;
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    for (size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents == 0) continue;
      Conn& c = conns_[which[k]];
      c.connecting = false;
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err == 0) {
        ++connected_;
      } else {
        ++connect_failed_;
        ::close(c.fd);
        c.fd = -1;
        c.closed = true;
      }
    }
  }
}

void ConnectionCrowd::SendToAll(std::string_view bytes) {
  for (Conn& c : conns_) {
    if (c.fd < 0 || c.closed || c.connecting) continue;
    (void)::send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  }
}

void ConnectionCrowd::MarkClosed(Conn& c) {
  if (c.closed) return;
  c.closed = true;
  ++closed_;
  if (!c.got_bytes) ++closed_silently_;
  ::close(c.fd);
  c.fd = -1;
}

void ConnectionCrowd::Drain(Conn& c) {
  char buf[16 * 1024];
  for (;;) {
    ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      if (c.head_len < 12) {
        size_t take = std::min<size_t>(12 - c.head_len, static_cast<size_t>(n));
        std::memcpy(c.head + c.head_len, buf, take);
        c.head_len += take;
        if (c.head_len == 12 && std::strncmp(c.head, "HTTP/1.", 7) == 0) {
          std::lock_guard lock(mu_);
          ++answered_[std::atoi(c.head + 9)];
        }
      }
      c.got_bytes = true;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0 && errno == EINTR) continue;
    return MarkClosed(c);  // EOF or reset
  }
}

void ConnectionCrowd::Poll(bool read, std::chrono::milliseconds wait) {
  std::vector<pollfd> fds;
  std::vector<size_t> which;
  for (size_t i = 0; i < conns_.size(); ++i) {
    if (conns_[i].closed || conns_[i].connecting || conns_[i].fd < 0) continue;
    fds.push_back({conns_[i].fd, static_cast<short>(read ? (POLLIN | POLLRDHUP) : POLLRDHUP), 0});
    which.push_back(i);
  }
  if (fds.empty() || ::poll(fds.data(), fds.size(), static_cast<int>(wait.count())) <= 0) return;
  for (size_t k = 0; k < fds.size(); ++k) {
    if (fds[k].revents == 0) continue;
    Conn& c = conns_[which[k]];
    if (read) {
      Drain(c);
    } else if (fds[k].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
      MarkClosed(c);
    }
  }
}

bool ConnectionCrowd::WaitAllClosed(bool read, std::chrono::milliseconds budget) {
  auto deadline = std::chrono::steady_clock::now() + budget;
  while (open() > 0 && std::chrono::steady_clock::now() < deadline) Poll(read, std::chrono::milliseconds(100));
  return open() == 0;
}

size_t ConnectionCrowd::answered(int status) const {
  std::lock_guard lock(mu_);
  auto it = answered_.find(status);
  return it == answered_.end() ? 0 : it->second;
}

}  // namespace pb::integration
