#include "support/credit_load.h"

#include <simdjson.h>

#include <cstdio>

#include "support/test_support.h"

namespace pb::integration {

std::string LoadOrchestratorId(const std::string& prefix, int i) {
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "-%02d", i);
  return prefix + suffix;
}

void RunCreditClient(const CreditLoad& load, int cycle, int client, const std::atomic<bool>& stop,
                     ClientOutcome* out, std::latch* connected_latch) {
  HttpClient http(load.port, 5s);
  Status connected = http.ConnectWithRetry(2s);
  if (connected_latch != nullptr) connected_latch->count_down();
  if (!connected.ok()) {
    out->connect_failed = true;
    out->connect_error = connected.ToString();
    return;
  }
  simdjson::dom::parser parser;
  for (int n = 0; n < load.max_requests_per_client && !stop.load(std::memory_order_relaxed); ++n) {
    Credit c;
    c.workload_id = "wl-c" + std::to_string(cycle) + "-t" + std::to_string(client) + "-" + std::to_string(n);
    c.orchestrator = (client * 131 + n * 7 + cycle) % load.orchestrators;
    const std::string eth = "0.00000" + std::to_string(1 + n % 3);  // 0.000001, 0.000002 or 0.000003 ETH
    c.amount = EthToWei(eth);
    auto r = http.Post("/api/workloads",
                       CreditBody(c.workload_id, LoadOrchestratorId(load.orchestrator_prefix, c.orchestrator), eth));
    if (!r.ok()) {  // expected once the server is killed: the answer may never come
      out->unanswered.push_back(std::move(c));
      return;
    }
    if (r->status == 200 || r->status == 201) {
      std::string_view wid;
      auto doc = parser.parse(r->body);
      if (doc.error() != simdjson::SUCCESS || doc.value()["workload_id"].get_string().get(wid) != simdjson::SUCCESS ||
          wid != c.workload_id) {
        out->unexpected.push_back(std::to_string(r->status) + " with a body not naming " + c.workload_id + ": " +
                                  r->body.substr(0, 200));
      }
      out->acknowledged.push_back(std::move(c));
    } else {
      // Not acknowledged; a 503 "may be lost" could still be durable.
      out->unexpected.push_back(std::to_string(r->status) + " for " + c.workload_id + ": " + r->body.substr(0, 200));
      out->unanswered.push_back(std::move(c));
    }
    if (!http.connected()) return;
  }
}

Status FetchAllWorkloads(HttpClient& http, std::unordered_map<std::string, WorkloadSeen>* out, uint64_t* total) {
  simdjson::dom::parser parser;
  uint64_t offset = 0;
  *total = 0;
  for (int page = 0; page < 100000; ++page) {
    auto r = http.Get("/api/workloads?offset=" + std::to_string(offset) + "&limit=1000");
    if (!r.ok()) return r.status();
    if (r->status != 200) return Status::IOError("GET /api/workloads: " + std::to_string(r->status) + " " + r->body);
    simdjson::dom::element doc;
    if (parser.parse(r->body).get(doc) != simdjson::SUCCESS) return Status::IOError("unparseable workloads page");
    simdjson::dom::array items;
    if (doc["workloads"].get_array().get(items) != simdjson::SUCCESS ||
        doc["total"].get_uint64().get(*total) != simdjson::SUCCESS) {
      return Status::IOError("workloads page without workloads/total");
    }
    uint64_t count = 0;
    for (auto item : items) {
      std::string_view id, orch, amount;
      if (item["workload_id"].get_string().get(id) != simdjson::SUCCESS ||
          item["orchestrator_id"].get_string().get(orch) != simdjson::SUCCESS ||
          item["amount"].get_string().get(amount) != simdjson::SUCCESS) {
        return Status::IOError("workload without workload_id/orchestrator_id/amount");
      }
      if (!out->emplace(std::string(id), WorkloadSeen{std::string(orch), EthToWei(amount)}).second) {
        return Status::Corruption("workload '" + std::string(id) + "' listed twice");
      }
      ++count;
    }
    offset += count;
    if (count == 0 || offset >= *total) return Status::Ok();
  }
  return Status::IOError("too many workload pages");
}

}  // namespace pb::integration
