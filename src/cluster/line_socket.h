// cluster/: the TCP connections of the stream between a primary and its
// standbys (docs/cluster.md): lines in, lines out, every wait bounded, so
// the threads that own them can stop. Blocking sockets with poll(2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/file_util.h"
#include "common/status.h"

namespace pb::cluster {

// One connection. Move-only; one reader and one writer thread at most.
class LineSocket {
 public:
  explicit LineSocket(ScopedFd fd) : fd_(std::move(fd)) {}

  // Connects to host:port (a name or a numeric address) within timeout_ms.
  // Unavailable saying where when it cannot.
  static Result<LineSocket> Connect(const std::string& host, uint16_t port, int timeout_ms);

  // The next line, without its "\n": nullopt when none is complete within
  // timeout_ms. Unavailable once the peer closed; InvalidArgument for a
  // line longer than max_bytes; IOError otherwise.
  Result<std::optional<std::string>> ReadLine(int timeout_ms, size_t max_bytes);
  // Writes all of `bytes` within timeout_ms. Unavailable when the peer is
  // gone or does not read.
  Status Write(std::string_view bytes, int timeout_ms);
  // Ends the connection both ways; a reader blocked in another thread
  // returns. Safe from any thread.
  void Shutdown();

 private:
  ScopedFd fd_;
  std::string buffer_;  // bytes read past the last line returned
};

// A listening socket.
class LineListener {
 public:
  // Listens on host:port (numeric, as server::ParseListenAddress gives it;
  // port 0 picks a free one). IOError naming the address.
  static Result<LineListener> Listen(const std::string& host, uint16_t port);
  // The next connection, or nullopt when none came within timeout_ms.
  Result<std::optional<LineSocket>> Accept(int timeout_ms);
  uint16_t port() const { return port_; }

 private:
  explicit LineListener(ScopedFd fd, uint16_t port) : fd_(std::move(fd)), port_(port) {}
  ScopedFd fd_;
  uint16_t port_;
};

}  // namespace pb::cluster
