#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "ledger/ledger.h"
#include "replicate/status.h"
#include "server/commit_gate.h"
#include "server/http_types.h"

namespace pb::server {

class ServiceMetrics;

// The JSON API: routing, authorization, validation and the mapping of
// requests onto ledger records. Single-threaded (the event loop's thread),
// except the pages of list routes, which it returns to be rendered on the
// server's render thread (Reply::render).
// Bad input yields a 4xx with {"error":{"kind":…,"message":…}} and changes
// nothing.
class Api {
 public:
  // `admin_token` empty: no authorization. Otherwise every /api/ route needs
  // the X-Admin-Token header (compared in constant time).
  Api(ledger::Ledger* ledger, std::string admin_token);

  Reply Handle(const Request& request);

  // Durable seq as reported by the committer (any thread may update it).
  void SetDurableSeq(uint64_t seq) { durable_seq_.store(seq); }
  uint64_t durable_seq() const { return durable_seq_.load(); }
  // After a journal failure every write is refused and /health says so.
  void SetFailed(std::string why);
  bool failed() const { return failed_.load(); }

  // With replication running in this process (--replicate-to): /health
  // shows `status_fn()` as "replication" and says "degraded" while it is not
  // ok. `status_fn` is called on the event loop's thread; it must be cheap
  // and thread-safe. Call before serving.
  void SetReplicationStatus(std::function<replicate::ReplicationStatus()> status_fn) {
    replication_status_ = std::move(status_fn);
  }

  // Asks `gate` (server/commit_gate.h) before every change: a refusal is a
  // 503 with its message, and nothing changes. Null: no gate. Call before
  // serving; `gate` outlives the Api.
  void SetCommitGate(CommitGate* gate) { commit_gate_ = gate; }

  // GET /metrics renders `metrics` (README "Metrics"); without, /metrics is
  // 404. `metrics` outlives the Api. Call before serving.
  void SetMetrics(ServiceMetrics* metrics) { metrics_ = metrics; }
  // Counts a finished request (`target`: its path, with or without query)
  // in the metrics, under its route template; nothing without metrics.
  void RecordRequest(std::string_view method, std::string_view target, int status, int64_t micros);

  static constexpr size_t kMaxBodyBytes = 64 * 1024;

 private:
  Reply Health();
  // GET /health/primary and /health/standby, for a load balancer's check
  // (ops/haproxy.cfg): 200 when this node is a primary that accepts
  // changes, or a standby that follows; else 503. A node outside a cluster
  // is a primary.
  Reply RoleHealth(bool want_standby);
  Reply Register(const Request& r);
  Reply ListOrchestrators(std::string_view query);
  Reply GetOrchestrator(const std::string& id);
  Reply CreditWorkload(const Request& r);
  Reply ListWorkloads(std::string_view query);
  Reply GetWorkload(const std::string& id);
  Reply WorkloadSummary();
  Reply LedgerEvents(std::string_view query);
  Reply Balances(std::string_view query);
  Reply Adjust(const Request& r);
  Reply Submit(ledger::Record record, int status, std::string (Api::*render)(const ledger::Record&) const);
  std::string RenderOrchestrator(const ledger::Record& r) const;
  std::string RenderWorkload(const ledger::Record& r) const;
  std::string RenderAdjustment(const ledger::Record& r) const;
  // A read: answered once everything it may show is durable.
  Reply Read(std::string body) const;
  // A read of `entries` list entries (at most) whose body `render` makes off
  // the event loop (Reply::render), from what it captured now.
  Reply DeferredRead(size_t entries, std::function<Response()> render) const;
  bool Authorized(const Request& r) const;

  ledger::Ledger* ledger_;
  std::string admin_token_;
  CommitGate* commit_gate_ = nullptr;
  std::atomic<uint64_t> durable_seq_{0};
  std::atomic<bool> failed_{false};
  std::string failure_;
  int64_t started_us_;
  std::function<replicate::ReplicationStatus()> replication_status_;
  ServiceMetrics* metrics_ = nullptr;
};

// An error reply: {"error":{"kind":kind,"message":message}}.
Reply ErrorReply(int status, std::string_view kind, std::string_view message);

// The route a request path (no query) belongs to, as the OpenAPI document
// names it ("/api/workloads/{id}"), or "other" when no route matches: the
// metrics' route label, bounded whatever paths clients send.
std::string_view RouteTemplate(std::string_view path);

}  // namespace pb::server
