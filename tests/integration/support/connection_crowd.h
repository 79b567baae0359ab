// Many raw client connections to one payments-backend on 127.0.0.1, for the
// transport tests (service.*): idle floods, slowloris clients and clients
// that never read. Every wait is bounded; the counters say what the server
// did to each connection, as the clients saw it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string_view>
#include <vector>

namespace pb::integration {

class ConnectionCrowd {
 public:
  explicit ConnectionCrowd(uint16_t port) : port_(port) {}
  ~ConnectionCrowd();  // closes every connection still open
  ConnectionCrowd(const ConnectionCrowd&) = delete;
  ConnectionCrowd& operator=(const ConnectionCrowd&) = delete;

  // Starts `n` more non-blocking connections (with SO_RCVBUF
  // `receive_buffer` when > 0) and waits, at most `budget`, until each is
  // connected or failed.
  void Connect(size_t n, int receive_buffer = 0, std::chrono::milliseconds budget = std::chrono::seconds(60));
  // Sends `bytes` on every connection the server has not closed (best
  // effort: what the socket does not take at once is dropped).
  void SendToAll(std::string_view bytes);
  // One pass: waits at most `wait` for news. `read`: takes what arrived (the
  // status of each connection's first answer is tallied); otherwise nothing
  // is read, only a hang-up or reset is noticed (a client that never reads).
  void Poll(bool read, std::chrono::milliseconds wait);
  // Poll() until the server closed every connection, at most `budget`.
  // True when all were closed.
  bool WaitAllClosed(bool read, std::chrono::milliseconds budget);

  size_t connected() const { return connected_.load(); }
  size_t connect_failed() const { return connect_failed_.load(); }
  // Connected and not (yet) seen closed by the server.
  size_t open() const { return connected_.load() - closed_.load(); }
  size_t closed() const { return closed_.load(); }
  // Connections whose first answer had this status (read mode only).
  size_t answered(int status) const;
  // Closed by the server without having sent a byte (read mode only).
  size_t closed_silently() const { return closed_silently_.load(); }

 private:
  struct Conn {
    int fd = -1;
    bool connecting = true;
    bool closed = false;
    bool got_bytes = false;
    char head[13] = {};  // "HTTP/1.1 503" and a NUL
    size_t head_len = 0;
  };
  // Reads what `c` has; marks it closed on EOF or error.
  void Drain(Conn& c);
  void MarkClosed(Conn& c);

  uint16_t port_;
  std::vector<Conn> conns_;
  std::atomic<size_t> connected_{0}, connect_failed_{0}, closed_{0}, closed_silently_{0};
  mutable std::mutex mu_;
  std::map<int, size_t> answered_;  // guarded by mu_
};

}  // namespace pb::integration
