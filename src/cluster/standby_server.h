// cluster/: the primary's end of the stream (docs/cluster.md): it accepts
// standbys on --replication-listen, checks each one's hello against this
// journal, sends it every durable record after the point it holds, and
// reports its acknowledgements to the SyncGate. Two threads per standby:
// one sends, one reads acknowledgements.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cluster/line_socket.h"
#include "cluster/sync_gate.h"
#include "common/status.h"

namespace pb::cluster {

struct StandbyServerOptions {
  std::string journal_dir;  // this primary's journal/
  std::string node;         // this primary's --node-name
  std::string token;        // PAYMENTS_REPLICATION_TOKEN, or "" for none
};

// Not copyable. `gate` outlives the server.
class StandbyServer {
 public:
  StandbyServer(StandbyServerOptions options, SyncGate* gate);
  ~StandbyServer();  // Stop()
  StandbyServer(const StandbyServer&) = delete;
  StandbyServer& operator=(const StandbyServer&) = delete;

  // Binds host:port (port 0: a free one). IOError naming the address.
  Status Listen(const std::string& host, uint16_t port);
  uint16_t port() const;
  // Accepts standbys on a thread of its own until Stop.
  void Start();
  // Closes every stream and joins the threads. Idempotent.
  void Stop();

 private:
  struct Stream;
  void AcceptLoop();
  // The hello, the answer, then the records, until the standby goes or Stop.
  void Serve(Stream* stream);
  // Checks `hello` against this journal: the answer to send.
  Answer Judge(const Hello& hello);

  const StandbyServerOptions options_;
  SyncGate* gate_;
  std::unique_ptr<LineListener> listener_;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  std::mutex mu_;                               // guards streams_ and busy_nodes_
  std::list<std::unique_ptr<Stream>> streams_;  // guarded by mu_
};

}  // namespace pb::cluster
