// Concurrent credit load for the kill -9 tests (crash_test, tests/torture):
// keep-alive clients posting unique credits to a payments-backend until it is
// killed, and what each of them sent, saw acknowledged, or never saw answered;
// and the audit's side: every workload a server holds.
#pragma once

#include <atomic>
#include <cstdint>
#include <latch>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/money.h"
#include "common/status.h"
#include "support/test_support.h"

namespace pb::integration {

// "<prefix>-NN": the orchestrator ids the load credits (registered by the caller).
std::string LoadOrchestratorId(const std::string& prefix, int i);

// What one client sent.
struct Credit {
  std::string workload_id;
  int orchestrator = 0;
  Wei amount = 0;
};

struct ClientOutcome {
  std::vector<Credit> acknowledged;     // 2xx received in full
  std::vector<Credit> unanswered;       // sent, no complete answer (kill window)
  std::vector<std::string> unexpected;  // complete non-2xx answers, or 2xx not naming the credit
  bool connect_failed = false;
  std::string connect_error;
};

struct CreditLoad {
  uint16_t port = 0;
  std::string orchestrator_prefix;  // see LoadOrchestratorId
  int orchestrators = 1;
  int max_requests_per_client = 1000;
};

// One keep-alive client: posts credits "wl-c<cycle>-t<client>-<n>" of
// 0.000001..0.000003 ETH until its connection breaks (the kill), `stop` is
// set, or load.max_requests_per_client is reached. Never fails the caller:
// everything it observed is in *out. Bounded: 2 s to connect, 5 s per request.
// `connected`, when given, is counted down once the client has connected or
// given up: a caller that waits on it starts its kill clock only when every
// client is in, so a kill that comes early on a busy machine still finds them
// connected rather than refusing them.
void RunCreditClient(const CreditLoad& load, int cycle, int client, const std::atomic<bool>& stop,
                     ClientOutcome* out, std::latch* connected = nullptr);

// A workload as GET /api/workloads lists it.
struct WorkloadSeen {
  std::string orchestrator_id;
  Wei amount = 0;
};

// Every workload the server on `http` holds, by id, via GET /api/workloads
// pages of 1000; *total is the list's total. Corruption when an id is listed
// twice; IOError for an answer that is not a page.
Status FetchAllWorkloads(HttpClient& http, std::unordered_map<std::string, WorkloadSeen>* out, uint64_t* total);

}  // namespace pb::integration
