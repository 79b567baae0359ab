// server/: the service's Prometheus metrics, what GET /metrics shows
// (README "Metrics"): the journal, group commit, requests by route
// template, checkpoints, replication and the build. Counters, sequence
// numbers and times only: no balances, ids or amounts.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ledger/group_commit.h"
#include "ledger/ledger.h"
#include "metrics/registry.h"
#include "replicate/status.h"
#include "server/server_stats.h"

namespace pb::server {

struct BuildInfo {
  std::string version;
  std::string commit;
};

class ServiceMetrics : public ledger::CommitObserver {
 public:
  // `ledger` is read at every render, which must run on the ledger's owner
  // thread (the event loop: GET /metrics is answered there). `replication`
  // is empty without --replicate-to; otherwise the replicator's status,
  // called at every render (cheap and thread-safe). The durable seq starts
  // at ledger->last_seq() (everything replayed at open is on disk).
  ServiceMetrics(ledger::Ledger* ledger, std::function<replicate::ReplicationStatus()> replication, BuildInfo build);
  ServiceMetrics(const ServiceMetrics&) = delete;
  ServiceMetrics& operator=(const ServiceMetrics&) = delete;

  // For metrics that other parts keep themselves, added as callbacks read
  // at render time (metrics::Registry::AddFunc).
  metrics::Registry& registry() { return registry_; }

  // The transport's connection counters (HttpServer::stats()), read at
  // every render: open connections, refusals, closes by timeout and the
  // requests the transport answered itself, by status.
  void AddServerStats(std::function<ServerStats()> read);

  // One answered request: `route` its template (RouteTemplate in api.h),
  // `method` as received (methods the API does not know count as "other",
  // so that clients cannot grow the label set), its status and latency.
  // Any thread; two uncontended mutexes and a few atomics.
  void RecordRequest(std::string_view route, std::string_view method, int status, int64_t micros);

  // ledger::CommitObserver, on the committer thread.
  void OnBatchDurable(uint64_t last_seq, uint64_t records, int64_t write_sync_micros) override;

  // The exposition (metrics::kContentType).
  std::string Render() const { return registry_.Render(); }

 private:
  void AddJournalMetrics(ledger::Ledger* ledger);
  void AddRequestAndCheckpointMetrics(ledger::Ledger* ledger);
  void AddReplicationMetrics(std::function<replicate::ReplicationStatus()> replication);

  metrics::Registry registry_;
  // Set in the constructor, in the order they are rendered; never null after.
  metrics::Gauge* durable_seq_ = nullptr;
  metrics::Histogram* batch_records_ = nullptr;
  metrics::Histogram* sync_seconds_ = nullptr;
  metrics::Family<metrics::Counter>* requests_ = nullptr;
  metrics::Family<metrics::Histogram>* request_seconds_ = nullptr;
};

}  // namespace pb::server
