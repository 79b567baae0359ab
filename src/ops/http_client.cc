#include "ops/http_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/file_util.h"

namespace pb::ops {
namespace {

// Waits until `fd` is ready for `events`; false on timeout or error.
bool WaitReady(int fd, short events, int timeout_ms) {
  struct pollfd p = {fd, events, 0};
  int n;
  do {
    n = ::poll(&p, 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  return n > 0;
}

}  // namespace

Result<HttpReply> HttpRequest(const std::string& method, const std::string& ipv4, uint16_t port,
                              const std::string& target, const HttpHeaders& headers, int timeout_ms) {
  const std::string where = ipv4 + ":" + std::to_string(port);
  struct sockaddr_in addr {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, ipv4.c_str(), &addr.sin_addr) != 1) {
    return Status::InvalidArgument("\"" + ipv4 + "\" is not an IPv4 address");
  }
  ScopedFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return Status::FromErrno("socket", errno);
  if (::connect(fd.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS) return Status::Unavailable("connect to " + where + ": " + std::strerror(errno));
    if (!WaitReady(fd.get(), POLLOUT, timeout_ms)) return Status::Unavailable("connect to " + where + ": timed out");
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return Status::Unavailable("connect to " + where + ": " + std::strerror(err));
  }
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: " + where + "\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "Content-Length: 0\r\n\r\n";
  size_t sent = 0;
  while (sent < request.size()) {
    if (!WaitReady(fd.get(), POLLOUT, timeout_ms)) return Status::Unavailable("send to " + where + ": timed out");
    ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return Status::Unavailable("send to " + where + ": " + std::strerror(errno));
    }
    if (n > 0) sent += static_cast<size_t>(n);
  }
  std::string answer;
  char buf[16384];
  for (;;) {
    if (!WaitReady(fd.get(), POLLIN, timeout_ms)) return Status::Unavailable("answer from " + where + ": timed out");
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return Status::Unavailable("read from " + where + ": " + std::strerror(errno));
    }
    answer.append(buf, static_cast<size_t>(n));
  }
  size_t head_end = answer.find("\r\n\r\n");
  HttpReply reply;
  if (answer.compare(0, 9, "HTTP/1.1 ") != 0 && answer.compare(0, 9, "HTTP/1.0 ") != 0) head_end = std::string::npos;
  if (head_end == std::string::npos || answer.size() < 12) {
    return Status::IOError("the answer of " + where + target + " is not HTTP");
  }
  reply.status = std::atoi(answer.c_str() + 9);
  std::string head = answer.substr(0, head_end);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (head.find("transfer-encoding: chunked") != std::string::npos) {
    return Status::IOError("the answer of " + where + target + " is chunked, which this client does not read");
  }
  reply.body = answer.substr(head_end + 4);
  return reply;
}

}  // namespace pb::ops
