// The fixture of the API's unit tests: Api::Handle in-process on a Ledger in
// a temporary directory. POST replies are taken as the server sends them:
// once their wait_seq is durable (the test waits for the group commit's
// callback).
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <memory>
#include <string>

#include "server/api.h"
#include "server/service_metrics.h"
#include "test_util.h"

namespace pb::server::api_test {

using testing::LedgerHarness;
using testing::TempDir;

inline constexpr const char* kAddr1 = "0x1111111111111111111111111111111111111111";
inline constexpr const char* kAddr2 = "0x2222222222222222222222222222222222222222";

// A parsed JSON document (the parser owns the memory the element points into).
struct Json {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::error_code error = simdjson::SUCCESS;
  simdjson::dom::element operator[](std::string_view key) const { return root[key]; }
};

inline std::unique_ptr<Json> Parse(const std::string& text) {
  auto j = std::make_unique<Json>();
  j->error = j->parser.parse(simdjson::padded_string(text)).get(j->root);
  EXPECT_EQ(j->error, simdjson::SUCCESS) << text;
  return j;
}

inline std::string Str(simdjson::dom::element e) {
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return "<not a string: " + simdjson::minify(e) + ">";
  return std::string(s);
}

// The message of an error reply ({"error":{"kind":…,"message":…}}).
inline std::string ErrorMessage(const Reply& reply) {
  auto j = Parse(reply.response.body);
  return j->error ? "<not JSON>" : Str((*j)["error"]["message"]);
}

inline std::string RegisterBody(const std::string& id, const std::string& address = kAddr1) {
  return R"({"orchestrator_id":")" + id + R"(","address":")" + address + R"("})";
}

inline std::string WorkloadBody(const std::string& wid, const std::string& oid, const std::string& amount) {
  return R"({"workload_id":")" + wid + R"(","orchestrator_id":")" + oid + R"(","amount":")" + amount + R"("})";
}

inline std::string AdjustBody(const std::string& oid, const std::string& delta,
                              const std::string& reason = "adjustment") {
  return R"({"orchestrator_id":")" + oid + R"(","delta":")" + delta + R"(","reason":")" + reason + R"("})";
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override { StartApi(""); }

  void StartApi(const std::string& token) {
    ledger_.reset();  // first: its committer thread calls into api_
    api_.reset();
    token_ = token;
    ledger_ = std::make_unique<LedgerHarness>(tmp_.path());
    ASSERT_TRUE(ledger_->Open().ok());
    api_ = std::make_unique<Api>(ledger_->get(), token);
    metrics_ = std::make_unique<ServiceMetrics>(ledger_->get(), nullptr, BuildInfo{"test", "test"});
    api_->SetMetrics(metrics_.get());
    api_->SetDurableSeq((*ledger_)->last_seq());
    ledger_->OnDurable([this](uint64_t seq) {
      if (forward_durable_.load()) api_->SetDurableSeq(seq);
    });
  }
  void TearDown() override {
    ledger_.reset();  // stops the committer before the Api goes away
    api_.reset();
  }

  Reply Call(const std::string& method, const std::string& target, const std::string& body = "") {
    return CallWithToken(method, target, body, token_);
  }
  Reply CallWithToken(const std::string& method, const std::string& target, const std::string& body,
                      const std::string& token) {
    Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.admin_token = token;
    Reply reply = api_->Handle(r);
    RenderNow(&reply);
    return reply;
  }
  // Like the server: the answer leaves once its records are durable.
  Reply Post(const std::string& target, const std::string& body) {
    Reply reply = Call("POST", target, body);
    if (reply.wait_seq > 0) {
      EXPECT_TRUE(ledger_->WaitDurable(reply.wait_seq)) << "seq " << reply.wait_seq << " never became durable";
    }
    return reply;
  }
  Reply Get(const std::string& target) { return Call("GET", target); }

  // Registers orch-1 (1 ETH) and orch-full (the maximum balance).
  void Seed() {
    ASSERT_EQ(Post("/api/orchestrators/register", RegisterBody("orch-1")).response.status, 201);
    ASSERT_EQ(Post("/api/workloads", WorkloadBody("w-1", "orch-1", "1")).response.status, 201);
    ASSERT_EQ(Post("/api/orchestrators/register", RegisterBody("orch-full", kAddr2)).response.status, 201);
    ASSERT_EQ(Post("/api/workloads", WorkloadBody("w-full", "orch-full", "1000000000000")).response.status, 201);
  }

  // Everything a bad request must leave alone.
  struct Snapshot {
    uint64_t last_seq;
    std::string balances, orchestrators, workloads, summary;
    bool operator==(const Snapshot&) const = default;
  };
  Snapshot Snap() {
    return {(*ledger_)->last_seq(), Get("/api/balances").response.body, Get("/api/orchestrators").response.body,
            Get("/api/workloads?limit=1000").response.body, Get("/api/workloads/summary").response.body};
  }

  static void ExpectErrorShape(const Reply& reply) {
    auto j = Parse(reply.response.body);
    if (j->error) return;
    simdjson::dom::object top;
    ASSERT_EQ(j->root.get_object().get(top), simdjson::SUCCESS) << reply.response.body;
    EXPECT_EQ(top.size(), 1u) << reply.response.body;
    EXPECT_FALSE(Str((*j)["error"]["kind"]).empty()) << reply.response.body;
    EXPECT_EQ(Str((*j)["error"]["kind"]).find("<not a string"), std::string::npos) << reply.response.body;
    EXPECT_FALSE(Str((*j)["error"]["message"]).empty()) << reply.response.body;
    EXPECT_EQ(Str((*j)["error"]["message"]).find("<not a string"), std::string::npos) << reply.response.body;
    EXPECT_EQ(reply.wait_seq, 0u) << "an error has nothing to wait for";
  }

  TempDir tmp_;
  std::string token_;
  std::unique_ptr<LedgerHarness> ledger_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<ServiceMetrics> metrics_;  // GET /metrics
  std::atomic<bool> forward_durable_{true};
};

}  // namespace pb::server::api_test
