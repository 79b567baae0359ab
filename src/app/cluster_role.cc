#include "app/cluster_role.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "cluster/protocol.h"
#include "common/log.h"
#include "common/time_util.h"
#include "ledger/datadir.h"
#include "server/listen_address.h"

namespace pb::app {
namespace {

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return "node";
  std::string out;
  for (const char* c = name; *c != '\0' && out.size() < 64; ++c) {
    out.push_back(cluster::ValidNodeName(std::string_view(c, 1)) ? *c : '-');
  }
  return out.empty() ? "node" : out;
}

// The leadership --etcd, --cluster-name and --lease-ttl give; InvalidArgument
// naming the flag.
Result<cluster::LeadershipOptions> LeadershipOf(const ClusterFlags& flags, const std::string& node) {
  cluster::LeadershipOptions o;
  o.node = node;
  for (size_t start = 0; start <= flags.etcd.size();) {
    const size_t comma = std::min(flags.etcd.find(',', start), flags.etcd.size());
    const std::string url = flags.etcd.substr(start, comma - start);
    if (!url.starts_with("http://") || url.size() <= 7 || url.find_first_of(" /?#", 7) != std::string::npos) {
      return Status::InvalidArgument("--etcd '" + url + "': give endpoints as http://HOST:PORT, comma-separated");
    }
    o.etcd.push_back(url);
    start = comma + 1;
  }
  if (!cluster::ValidNodeName(flags.cluster_name)) {
    return Status::InvalidArgument("--cluster-name '" + flags.cluster_name +
                                   "': use letters, digits, '.', '_' and '-' (at most 64)");
  }
  o.prefix = "/payments/" + flags.cluster_name;
  auto ttl = ParseDurationMillis(flags.lease_ttl);
  if (!ttl.ok() || *ttl % 1000 != 0 || *ttl < 2000 || *ttl > 60000) {
    return Status::InvalidArgument("--lease-ttl " + flags.lease_ttl + ": whole seconds from 2s to 60s");
  }
  o.ttl = std::chrono::milliseconds(*ttl);
  return o;
}

}  // namespace

void AddClusterFlags(CLI::App& app, ClusterFlags* f) {
  app.add_option("--node-name", f->node_name, "this node's name to its primary or standbys (default: the host name)");
  app.add_option("--replication-listen", f->replication_listen,
                 "HOST:PORT where standbys connect (docs/cluster.md; not loopback only with "
                 "PAYMENTS_REPLICATION_TOKEN)");
  app.add_option("--standby-of", f->standby_of,
                 "follow the primary's --replication-listen HOST:PORT as a standby: writes are refused");
  app.add_option("--sync-standbys", f->sync_standbys,
                 "answer a change only once this many standbys hold it (needs --replication-listen)")
      ->check(CLI::Range(0, 8))
      ->capture_default_str();
  app.add_option("--sync-timeout", f->sync_timeout, "with --sync-standbys: how long a change waits for them")
      ->capture_default_str();
  app.add_option("--etcd", f->etcd,
                 "comma-separated etcd endpoints (http://HOST:PORT): accept changes only while this node holds the "
                 "leadership there (needs --replication-listen)");
  app.add_option("--cluster-name", f->cluster_name, "with --etcd: the cluster's keys are /payments/NAME/...")
      ->capture_default_str();
  app.add_option("--lease-ttl", f->lease_ttl, "with --etcd: the leader's lease, whole seconds (2s to 60s)")
      ->capture_default_str();
}

Result<std::unique_ptr<ClusterRole>> ClusterRole::Make(const ClusterFlags& flags, ledger::Ledger* ledger) {
  const bool primary = !flags.replication_listen.empty();
  const bool standby = !flags.standby_of.empty();
  if (!flags.etcd.empty() && !primary) {
    return Status::InvalidArgument("--etcd is for a primary (with --replication-listen)");
  }
  if (!primary && !standby) {
    if (flags.sync_standbys > 0) {
      return Status::InvalidArgument("--sync-standbys needs --replication-listen (where the standbys connect)");
    }
    return std::unique_ptr<ClusterRole>();
  }
  if (primary && standby) {
    return Status::InvalidArgument("--standby-of and --replication-listen: a node is a primary or a standby, not "
                                   "both");
  }
  if (standby && flags.sync_standbys > 0) return Status::InvalidArgument("--sync-standbys is for a primary");
  std::unique_ptr<ClusterRole> role(new ClusterRole());
  role->ledger_ = ledger;
  role->node_ = flags.node_name.empty() ? HostName() : flags.node_name;
  if (!cluster::ValidNodeName(role->node_)) {
    return Status::InvalidArgument("--node-name '" + role->node_ + "': use letters, digits, '.', '_' and '-' "
                                   "(at most 64)");
  }
  const char* token = std::getenv("PAYMENTS_REPLICATION_TOKEN");
  role->token_ = token != nullptr ? token : "";
  if (role->token_.find_first_of(" \t\r\n") != std::string::npos) {
    return Status::InvalidArgument("PAYMENTS_REPLICATION_TOKEN must not contain spaces or line breaks");
  }
  const std::string& where = primary ? flags.replication_listen : flags.standby_of;
  auto address = server::ParseListenAddress(where);
  if (!address.ok()) {
    return Status::InvalidArgument((primary ? "--replication-listen " : "--standby-of ") + where + ": " +
                                   address.status().message());
  }
  if (standby) {
    ClusterRole* self = role.get();
    role->follower_ = std::make_unique<cluster::Follower>(
        cluster::FollowerOptions{address->host, address->port, role->node_, role->token_},
        cluster::FollowerLedger{
            .run_on_owner = [self](std::function<void()> job) { self->http_->Post(std::move(job)); },
            .last_point = [ledger] { return ledger->last_point(); },
            .follow = [ledger](std::string_view line) { return ledger->Follow(line); }});
    return role;
  }
  if (!server::IsLoopbackHost(address->host) && role->token_.empty()) {
    return Status::InvalidArgument("refusing --replication-listen " + where +
                                   ": it is not a loopback address and PAYMENTS_REPLICATION_TOKEN is not set, so "
                                   "anyone who can reach it could read the journal. Set the token on both nodes");
  }
  auto timeout = ParseDurationMillis(flags.sync_timeout);
  if (!timeout.ok() || *timeout <= 0) {
    return Status::InvalidArgument("--sync-timeout " + flags.sync_timeout + ": a positive duration such as 2s");
  }
  role->listen_host_ = address->host;
  role->listen_port_ = address->port;
  role->gate_ = std::make_unique<cluster::SyncGate>(flags.sync_standbys, std::chrono::milliseconds(*timeout),
                                                    ledger->last_seq());
  if (!flags.etcd.empty()) {
    PB_ASSIGN_OR_RETURN(cluster::LeadershipOptions lo, LeadershipOf(flags, role->node_));
    role->leadership_ = std::make_unique<cluster::Leadership>(std::move(lo));
    role->gate_->SetLeadership(role->leadership_.get());
  }
  return role;
}

ClusterRole::~ClusterRole() { Stop(); }

server::CommitGate* ClusterRole::gate() {
  if (gate_) return gate_.get();
  return follower_.get();
}

Status ClusterRole::Start(server::HttpServer* http) {
  if (gate_) {
    server_ = std::make_unique<cluster::StandbyServer>(
        cluster::StandbyServerOptions{ledger::JournalDir(ledger_->data_dir()), node_, token_}, gate_.get());
    PB_RETURN_IF_ERROR(server_->Listen(listen_host_, listen_port_));
    server_->Start();
    if (leadership_) leadership_->Start();
    spdlog::info("replication: standbys connect on {}:{} ({} synchronous)", listen_host_, server_->port(),
                 gate_->required());
    return Status::Ok();
  }
  http_ = http;
  follower_->Start();
  return Status::Ok();
}

void ClusterRole::Stop() {
  if (leadership_) leadership_->Stop();
  if (server_) server_->Stop();
  if (follower_) follower_->Stop();
}

}  // namespace pb::app
