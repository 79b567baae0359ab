// app/: payments-backend's place beside other nodes (docs/cluster.md): the
// cluster flags, and the parts they start — on a primary the stream to its
// standbys (--replication-listen) and synchronous commit (--sync-standbys),
// on a standby the follower (--standby-of).
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "cluster/follower.h"
#include "cluster/leadership.h"
#include "cluster/standby_server.h"
#include "cluster/sync_gate.h"
#include "common/status.h"
#include "ledger/ledger.h"
#include "server/http_server.h"

namespace pb::app {

struct ClusterFlags {
  std::string node_name;           // default: the host name
  std::string replication_listen;  // primary: HOST:PORT for standbys
  std::string standby_of;          // standby: the primary's HOST:PORT
  int sync_standbys = 0;
  std::string sync_timeout = "2s";
  std::string etcd;                  // primary: comma-separated etcd endpoints
  std::string cluster_name = "payments";
  std::string lease_ttl = "10s";
};
void AddClusterFlags(CLI::App& app, ClusterFlags* f);

// Not copyable.
class ClusterRole {
 public:
  // The role the flags give (PAYMENTS_REPLICATION_TOKEN from the
  // environment), or null when none is given. InvalidArgument naming the
  // flag: the service does not start (exit 2).
  static Result<std::unique_ptr<ClusterRole>> Make(const ClusterFlags& flags, ledger::Ledger* ledger);
  ~ClusterRole();  // Stop()

  server::CommitGate* gate();
  // Binds --replication-listen and accepts standbys, or starts following
  // (appending on `server`'s event loop). IOError naming the address.
  Status Start(server::HttpServer* server);
  void Stop();

 private:
  ClusterRole() = default;
  std::string node_;
  std::string token_;
  std::string listen_host_;
  uint16_t listen_port_ = 0;
  ledger::Ledger* ledger_ = nullptr;
  server::HttpServer* http_ = nullptr;  // a standby's: where records are appended
  std::unique_ptr<cluster::Leadership> leadership_;  // a primary with --etcd
  std::unique_ptr<cluster::SyncGate> gate_;       // a primary
  std::unique_ptr<cluster::StandbyServer> server_;  // ... with --replication-listen
  std::unique_ptr<cluster::Follower> follower_;   // a standby
};

}  // namespace pb::app
